"""What the API keeps to itself: links built from the mirror's own address, withdrawn consent,
"forget me" on the network side, and what a PIN sign-in may do. Real server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sqlite3
import time

import httpx
import pytest

from kiosk.identity.events import CardTapped, ConsentChanged, CustomerForgotten
from kiosk.library import Library, NewLook

from .conftest import PIN, TOKEN, copy_library, server_config, start_server, stop_server

pytestmark = pytest.mark.slow

API = "/api/v1"


@pytest.fixture
def srv(recorded_library, tmp_path):
    config = server_config()
    config.webhook.secret = "webhook-secret-0123456789"
    config.webhook.url = "http://127.0.0.1:9/hook"  # nobody listens: entries stay in the outbox
    server = start_server(copy_library(recorded_library, tmp_path / "lib"), config)
    try:
        yield server
    finally:
        stop_server(server)


def _session_look(library: Library, template_id: str, session_id: str, customer_id: str | None = None) -> str:
    """A consented look of ``session_id`` made from a copy of a recorded look's files."""
    work = library.layout.root / "work-copy"
    work.mkdir(exist_ok=True)
    look_id = Library.new_id()
    video = shutil.copy(library.video_path(template_id), work / f"{look_id}.mp4")
    poster = shutil.copy(library.get(template_id).poster_path, work / f"{look_id}.jpg")
    source = library.get(template_id)
    library.add_look(NewLook(look_id, video, poster, None, time.time(), source.duration_s, source.width, source.height,
                             session_id=session_id, customer_id=customer_id, consent_by="customer"))
    return look_id


def _share(srv, look_id: str, **headers) -> dict:
    r = httpx.post(srv.url + f"{API}/looks/{look_id}/share", headers={**srv.auth, **headers})
    assert r.status_code == 201, r.text
    return r.json()


def test_share_links_never_come_from_the_host_header(srv):
    from kiosk.net.share_page import qr_svg

    share = _share(srv, srv.looks.consented, Host="evil.example:666")
    assert share["url"] == f"{srv.url}/s/{share['token']}"
    assert share["qr_svg_url"].startswith(srv.url)
    qr = httpx.get(f"{srv.url}/s/{share['token']}/qr.svg", headers={"Host": "evil.example:666"})
    assert qr.status_code == 200 and qr.content == qr_svg(share["url"])


def test_head_on_videos_answers_like_get_without_a_body(srv):
    url = srv.url + f"{API}/looks/{srv.looks.consented}/video"
    head = httpx.head(url, headers=srv.auth)
    size = (srv.looks.root / "looks" / f"{srv.looks.consented}.mp4").stat().st_size
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == size and head.headers["content-type"] == "video/mp4"
    assert httpx.head(url).status_code == 401


def test_what_a_sign_in_fetches_is_never_kept_in_the_browsers_cache(srv):
    """A tablet is shared: a shopper's video or poster the console fetched must not stay in its
    browser's cache (nor be served from it without a sign-in) after sign-out, a withdrawn yes or
    "forget me". Files carry Last-Modified, so without no-store a browser keeps and reuses them."""
    pin = {"Authorization": "Bearer " + httpx.post(srv.url + "/console/api/sign-in", json={"secret": PIN}).json()["token"]}
    look = srv.looks.consented
    for credential in (srv.auth, pin):
        for path in (f"/looks/{look}/video", f"/looks/{look}/poster", f"/looks/{look}", "/looks", "/session", "/assist"):
            answer = httpx.get(srv.url + API + path, headers=credential)
            assert answer.status_code == 200, path
            assert "no-store" in answer.headers.get("cache-control", ""), path
        ranged = httpx.get(srv.url + f"{API}/looks/{look}/video", headers={**credential, "Range": "bytes=0-99"})
        assert ranged.status_code == 206 and "no-store" in ranged.headers.get("cache-control", "")
    # the shopper's own link keeps its short private caching (the phone is theirs)
    share = _share(srv, look)
    assert httpx.get(share["url"] + "/video").headers["cache-control"] == "private, max-age=300"


def test_withdrawn_consent_ends_links_for_good(srv):
    library = srv.library
    look = _session_look(library, srv.looks.consented, "visit-withdraw")
    link = _share(srv, look)["url"]
    assert httpx.get(link).status_code == 200
    # the shopper says no after a yes: the identity layer tells the bus, the links end at once
    srv.bus.emit(ConsentChanged(session_id="visit-withdraw", decision="withdrawn", wording_version="v", card_key=None))
    assert httpx.get(link).status_code == 410
    library.set_consent(look, True, "customer", "v")  # and a later yes does not bring them back
    assert httpx.get(link).status_code == 410 and "withdrawn" in httpx.get(link).text
    fresh = _share(srv, look)["url"]  # a new link works
    assert httpx.get(fresh).status_code == 200

    # the same when consent was taken back where no event reached the network layer
    other = _share(srv, srv.looks.consented)["url"]
    library.set_consent(srv.looks.consented, False)
    assert httpx.get(other).status_code == 410
    library.set_consent(srv.looks.consented, True, "operator")
    assert httpx.get(other).status_code == 410


def test_forget_me_purges_the_outbox_the_links_and_the_log(srv):
    library, root = srv.library, srv.looks.root
    key = "c0ffee" + "1" * 26
    srv.bus.emit(CardTapped(card_key=key, first_name="Ana", known=True, staff_role=None, session_id="visit-forget",
                            next_step="welcome", protocol="line"))
    look = _session_look(library, srv.looks.consented, "visit-forget", customer_id=key)
    share = _share(srv, look)
    keep = _share(srv, srv.looks.consented)  # someone else's link stays
    db_path = root / "network.sqlite3"

    def stored(needle: str) -> bool:
        files = [db_path, root / "network.sqlite3-wal"]
        return any(p.exists() and needle.encode() in p.read_bytes() for p in files)

    deadline = time.monotonic() + 10
    while not stored(key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stored(key) and stored(look)  # queued for the store service, as the test needs

    library.forget_customer(key)  # what "forget me" does first: the looks go
    srv.bus.emit(CustomerForgotten(card_key=key, looks_deleted=1, records_deleted=1))

    with sqlite3.connect(db_path) as db:
        bodies = [bytes(r[0]) for r in db.execute("SELECT body FROM outbox")]
        looks = [r[0] for r in db.execute("SELECT look_id FROM shares")]
    assert not any(key.encode() in b or look.encode() in b for b in bodies)
    assert look not in looks and srv.looks.consented in looks
    assert not stored(key) and not stored(look)  # not in free pages, not in the write-ahead log
    wal = root / "network.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert httpx.get(share["url"]).status_code == 410
    assert httpx.get(keep["url"]).status_code == 200


def test_what_a_pin_sign_in_may_do(srv):
    def sign_in(secret: str) -> dict:
        r = httpx.post(srv.url + "/console/api/sign-in", json={"secret": secret})
        assert r.status_code == 200
        return {"Authorization": f"Bearer {r.json()['token']}"}

    pin, admin = sign_in(PIN), sign_in(TOKEN)
    listed = httpx.get(srv.url + f"{API}/looks", headers=pin).json()["looks"]
    assert [look["id"] for look in listed] == [srv.looks.consented]  # consented looks only
    assert httpx.get(srv.url + f"{API}/looks/{srv.looks.private}", headers=pin).status_code == 403
    assert httpx.get(srv.url + f"{API}/looks/{srv.looks.consented}/poster", headers=pin).status_code == 200
    share = httpx.post(srv.url + f"{API}/looks/{srv.looks.consented}/share", headers=pin)
    assert share.status_code == 201
    req = httpx.post(srv.url + f"{API}/assist", headers=pin, json={"kind": "size"}).json()
    assert httpx.post(srv.url + f"{API}/assist/{req['id']}/ack", headers=pin).status_code == 200
    assert httpx.get(srv.url + f"{API}/session", headers=pin).status_code == 200
    assert httpx.get(srv.url + "/console/api/overview", headers=pin).status_code == 200
    # no link revoked by itself, no look it does not see deleted
    refused = httpx.delete(srv.url + f"{API}/shares/{share.json()['token']}", headers=pin)
    assert refused.status_code == 403 and "store's API token" in refused.json()["message"]
    refused = httpx.delete(srv.url + f"{API}/looks/{srv.looks.private}", headers=pin)
    assert refused.status_code == 403 and "agreed to keep" in refused.json()["message"]
    assert httpx.get(share.json()["url"]).status_code == 200
    # the store token (or a sign-in made with it) may
    assert httpx.delete(srv.url + f"{API}/shares/{share.json()['token']}", headers=admin).status_code == 204
    listed = httpx.get(srv.url + f"{API}/looks", headers=admin).json()["looks"]
    assert {look["id"] for look in listed} == {srv.looks.consented, srv.looks.private}
    # a consented look, at the shopper's request (one who tapped no card has no other way): its links end
    again = httpx.post(srv.url + f"{API}/looks/{srv.looks.consented}/share", headers=pin).json()
    assert httpx.delete(srv.url + f"{API}/looks/{srv.looks.consented}", headers=pin).status_code == 204
    assert httpx.get(again["url"]).status_code == 410
    listed = httpx.get(srv.url + f"{API}/looks", headers=admin).json()["looks"]
    assert [look["id"] for look in listed] == [srv.looks.private]


def test_a_share_token_never_reaches_the_log(srv, caplog, monkeypatch):
    # A link is a bearer secret: the log (journald, and the last error the public health shows)
    # names the route, never the token, when opening a link fails.
    import logging

    from kiosk.library import LibraryError

    token = _share(srv, srv.looks.consented)["token"]
    caplog.set_level(logging.WARNING)

    def locked(_look_id):
        raise LibraryError("the look library cannot be read (database is locked)")

    def broken(_look_id):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(srv.library, "get", locked)
    assert httpx.get(f"{srv.url}/s/{token}").status_code == 503
    monkeypatch.setattr(srv.library, "get", broken)
    assert httpx.get(f"{srv.url}/s/{token}/video").status_code == 500
    monkeypatch.undo()
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name.startswith("kiosk"))
    assert "GET /s/{token}: " in logged and "GET /s/{token}/video failed: OSError" in logged
    assert token not in logged
    assert httpx.get(f"{srv.url}/s/{token}").status_code == 200, "the link itself still works"
