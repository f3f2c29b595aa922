"""The mirror's HTTP API against the real uvicorn server on 127.0.0.1, with httpx."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass

import httpx
import pytest

from kiosk import __version__
from kiosk.events import Event, LookDeleted, SessionStateChanged
from kiosk.identity.events import CardTapped
from kiosk.recording.events import LookRecorded, RecordingStarted
from kiosk.release import read_release
from tests.integration.faults.waiting import wait_for

from .conftest import TOKEN, from_address

API = "/api/v1"


def test_status_is_public_and_names_the_mirror(server):
    r = httpx.get(server.url + f"{API}/status")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"id", "name", "state", "version", "release"}
    assert body["name"] == "Smart Mirror" and body["state"] == "idle"
    assert body["release"] == read_release() and body["release"].startswith("dev")  # a checkout, not an installed release
    assert len(body["id"]) == 36
    assert r.headers["x-content-type-options"] == "nosniff"


def test_health_and_metrics_are_public(server):
    health = httpx.get(server.url + f"{API}/health").json()
    assert health["status"] == "ok", health
    assert health["checks"]["library"]["ok"] and health["checks"]["database"]["ok"]
    r = httpx.get(server.url + f"{API}/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert f'kiosk_build_info{{version="{__version__}",release="{read_release()}"}} 1' in r.text
    values = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name.split("{")[0]] = float(value)
    for name in ("kiosk_camera_up", "kiosk_recordings_total", "kiosk_looks", "kiosk_disk_free_bytes", "kiosk_sessions_total"):
        assert name in values, name
    assert values["kiosk_looks"] >= 1
    assert values["kiosk_disk_free_bytes"] > 0


def test_health_and_metrics_say_when_the_analysis_process_died(server):
    from kiosk.analysis.events import AnalysisStatus

    reason = "the pose process was killed by SIGKILL; restarting in 1 s"
    try:
        server.bus.emit(AnalysisStatus(state="running", reason="analysing up to 15 frames a second (process)"))
        health = httpx.get(server.url + f"{API}/health").json()
        assert health["checks"]["analysis"]["ok"]
        server.bus.emit(AnalysisStatus(state="restarting", reason=reason))
        health = httpx.get(server.url + f"{API}/health").json()
        assert health["status"] == "degraded" and not health["checks"]["analysis"]["ok"]
        assert reason in health["checks"]["analysis"]["detail"]
        assert any(p.startswith("analysis: restarting: the pose process was killed") for p in health["problems"])
        metrics = httpx.get(server.url + f"{API}/metrics").text
        assert "kiosk_analysis_up 0" in metrics and "kiosk_analysis_restarts_total 1" in metrics
    finally:
        server.bus.emit(AnalysisStatus(state="running", reason="analysing up to 15 frames a second (process)"))
    health = httpx.get(server.url + f"{API}/health").json()
    assert health["checks"]["analysis"]["ok"] and "1 restart so far" in health["checks"]["analysis"]["detail"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/looks"),
        ("GET", "/looks/whatever"),
        ("GET", "/looks/whatever/video"),
        ("POST", "/looks/whatever/share"),
        ("DELETE", "/looks/whatever"),
        ("GET", "/session"),
        ("GET", "/events"),
        ("POST", "/assist"),
        ("POST", "/assist/x/ack"),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_protected_routes_need_the_token(server, method, path, header):
    headers = {"Authorization": header} if header else {}
    with from_address() as client:  # wrong tokens are counted per address: one of its own
        r = client.request(method, server.url + API + path, headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"] == "unauthorized" and r.json()["message"]
    assert "Traceback" not in r.text


def test_looks_list_and_detail_without_file_paths(server):
    r = httpx.get(server.url + f"{API}/looks", headers=server.auth)
    assert r.status_code == 200
    looks = {look["id"]: look for look in r.json()["looks"]}
    assert {server.looks.consented, server.looks.private} <= set(looks)
    consented, private = looks[server.looks.consented], looks[server.looks.private]
    assert consented["consent"] == "granted" and consented["consent_by"] == "operator"
    assert consented["video_url"] == f"{API}/looks/{server.looks.consented}/video"
    assert private["consent"] == "none" and private["video_url"] is None
    assert not any("path" in key for key in consented)  # no file system paths leave the device
    one = httpx.get(server.url + f"{API}/looks/{server.looks.consented}", headers=server.auth).json()
    assert one == consented


@pytest.mark.parametrize(
    "path",
    [
        "/looks/AAAAAAAAAAAAAAAAAAAAAA",
        "/looks/AAAAAAAAAAAAAAAAAAAAAA/video",
        "/looks/..%2F..%2F..%2Fetc%2Fpasswd/video",
        "/looks/%2e%2e/video",
        "/looks/looks.db/video",
    ],
)
def test_unknown_or_hostile_ids_are_404_json(server, path):
    r = httpx.get(server.url + API + path, headers=server.auth)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "not_found"
    assert "root:" not in r.text


def test_nothing_private_leaves_the_device(server):
    video = httpx.get(server.url + f"{API}/looks/{server.looks.private}/video", headers=server.auth)
    assert video.status_code == 403 and "agreed" in video.json()["message"]
    share = httpx.post(server.url + f"{API}/looks/{server.looks.private}/share", headers=server.auth)
    assert share.status_code == 403 and share.json()["error"] == "forbidden"
    # there is no route for the live camera at all
    for path in ("/camera", "/stream", "/preview", "/live"):
        assert httpx.get(server.url + API + path, headers=server.auth).status_code == 404


def test_video_has_the_right_type_and_the_whole_file(server):
    r = httpx.get(server.url + f"{API}/looks/{server.looks.consented}/video", headers=server.auth)
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.content == (server.looks.root / "looks" / f"{server.looks.consented}.mp4").read_bytes()


def test_errors_are_json_with_a_clear_message(server):
    too_big = httpx.post(server.url + f"{API}/assist", headers=server.auth, content=b"{" + b" " * 70000 + b"}")
    assert too_big.status_code == 413 and "larger than" in too_big.json()["message"]

    def chunked():  # no Content-Length: the limit must hold while the body streams in
        yield b'{"detail": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    streamed = httpx.post(server.url + f"{API}/assist", headers={**server.auth, "Content-Type": "application/json"}, content=chunked())
    assert streamed.status_code == 413
    bad_json = httpx.post(
        server.url + f"{API}/assist", headers={**server.auth, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert bad_json.status_code == 422 and bad_json.json()["message"]
    bad_kind = httpx.post(server.url + f"{API}/assist", headers=server.auth, json={"kind": "pizza"})
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["message"]
    wrong_method = httpx.put(server.url + f"{API}/status")
    assert wrong_method.status_code == 405 and "PUT" in wrong_method.json()["message"]
    missing = httpx.post(server.url + f"{API}/assist/nope/ack", headers=server.auth)
    assert missing.status_code == 404 and "nope" in missing.json()["message"]


def test_cors_is_closed_by_default(server):
    origin = {"Origin": "http://evil.example"}
    pre = httpx.options(
        server.url + f"{API}/looks",
        headers={**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"},
    )
    assert "access-control-allow-origin" not in pre.headers
    get = httpx.get(server.url + f"{API}/status", headers=origin)
    assert "access-control-allow-origin" not in get.headers


@dataclass
class SseReader:
    """Reads /api/v1/events on a thread and collects (event, data) pairs."""

    url: str
    headers: dict

    def __post_init__(self):
        self.events: list[tuple[str, dict]] = []
        self.connected = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="test-sse", daemon=True)
        self._thread.start()
        assert self.connected.wait(5), "the event stream did not open"

    def _run(self):
        try:
            self._read()
        except httpx.HTTPError:
            pass  # the server stopped while we were still listening: the stream just ends

    def _read(self):
        with httpx.stream("GET", self.url, headers=self.headers, timeout=httpx.Timeout(5, read=30)) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            name = None
            for line in r.iter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.events.append((name, json.loads(line[6:])))
                if self._stop:
                    return

    def wait_for(self, name: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev, data in self.events:
                if ev == name:
                    return data
            time.sleep(0.02)
        raise AssertionError(f"no {name} event; got {[e for e, _ in self.events]}")

    def close(self):
        self._stop = True


@dataclass(frozen=True)
class SomethingElse(Event):
    """An event the network layer does not know: it must be ignored."""

    x: int = 0


def test_event_stream_carries_sessions_looks_cards_and_assistance(server):
    from kiosk.net.events import AssistAcknowledged, AssistRequested

    on_bus = []
    unsubscribe = server.bus.subscribe(on_bus.append)
    reader = SseReader(server.url + f"{API}/events", server.auth)
    try:
        server.bus.emit(SomethingElse())
        server.bus.emit(SessionStateChanged(state="session", session_id="s-1"))
        assert reader.wait_for("session_started")["session_id"] == "s-1"
        assert reader.wait_for("state")["state"] == "session"
        status = httpx.get(server.url + f"{API}/status").json()
        assert status["state"] == "session"
        session = httpx.get(server.url + f"{API}/session", headers=server.auth).json()
        assert session["state"] == "session"

        server.bus.emit(RecordingStarted(look_id="L" * 22, reason="turn", session_id="s-1"))
        server.bus.emit(LookRecorded(look_id="L" * 22, path="/nowhere.mp4", duration_s=6.5, session_id="s-1"))
        assert reader.wait_for("look_recorded") == {
            "mirror_id": status["id"], "look_id": "L" * 22, "session_id": "s-1", "duration_s": 6.5
        }
        server.bus.emit(
            CardTapped(card_key="k" * 32, first_name="Ana", known=True, staff_role=None, session_id="s-1",
                       next_step="welcome", protocol="line")
        )
        tapped = reader.wait_for("card_tapped")
        assert tapped["customer_id"] == "k" * 32 and tapped["known"] is True
        assert "first_name" not in tapped

        created = httpx.post(server.url + f"{API}/assist", headers=server.auth, json={"kind": "size", "detail": "32/34"})
        assert created.status_code == 201
        req = created.json()
        requested = reader.wait_for("assist_requested")
        assert requested["request"]["id"] == req["id"] and requested["request"]["detail"] == "32/34"
        acked = httpx.post(server.url + f"{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "Sam"})
        assert acked.status_code == 200 and acked.json()["open"] is False and acked.json()["acked_by"] == "Sam"
        assert reader.wait_for("assist_acked")["request"]["id"] == req["id"]
        # the mirror's own screen hears it on the core bus: "someone is on the way"
        assert AssistRequested(request_id=req["id"], kind="size", detail="32/34", at=0) in [
            AssistRequested(request_id=e.request_id, kind=e.kind, detail=e.detail, at=0)
            for e in on_bus if isinstance(e, AssistRequested)
        ]
        assert [(e.request_id, e.by) for e in on_bus if isinstance(e, AssistAcknowledged)] == [(req["id"], "Sam")]

        server.bus.emit(SessionStateChanged(state="idle", session_id=None))
        assert reader.wait_for("session_ended")["session_id"] == "s-1"
        metrics = httpx.get(server.url + f"{API}/metrics").text
        assert "kiosk_sessions_total 1" in metrics and "kiosk_recordings_total 1" in metrics
    finally:
        unsubscribe()
        reader.close()


def test_a_second_ack_is_told_someone_else_is_already_on_the_way(server):
    req = httpx.post(server.url + f"{API}/assist", headers=server.auth, json={"kind": "associate"}).json()
    ack = f"{server.url}{API}/assist/{req['id']}/ack"
    first = httpx.post(ack, headers=server.auth, json={"by": "Sam"})
    second = httpx.post(ack, headers=server.auth, json={"by": "Alex"})
    assert (first.status_code, second.status_code) == (200, 200)  # as before: both are answered 200
    assert first.json()["first"] is True and first.json()["acked_by"] == "Sam"
    assert second.json()["first"] is False and second.json()["acked_by"] == "Sam"  # who is going: Sam, not Alex
    assert second.json()["acked_at"] == first.json()["acked_at"]
    assert {k: v for k, v in second.json().items() if k != "first"} == {
        r["id"]: r for r in httpx.get(server.url + f"{API}/assist", headers=server.auth).json()["requests"]}[req["id"]]

    # the console's own ack route says the same; a console answers as "associate"
    session = httpx.post(server.url + "/console/api/sign-in", json={"secret": TOKEN}).json()["token"]
    console = {"Authorization": f"Bearer {session}"}
    mirror_id = httpx.get(server.url + f"{API}/status").json()["id"]
    other = httpx.post(server.url + f"{API}/assist", headers=server.auth, json={"kind": "size"}).json()
    answers = [httpx.post(server.url + f"/console/api/assist/{mirror_id}/{other['id']}/ack", headers=console).json()
               for _ in range(2)]
    assert [(a["first"], a["acked_by"]) for a in answers] == [(True, "associate"), (False, "associate")]


def test_of_many_acks_at_once_exactly_one_takes_the_request(server):
    req = httpx.post(server.url + f"{API}/assist", headers=server.auth, json={"kind": "associate"}).json()
    start = threading.Barrier(6)
    answers: list[dict] = []

    def press(n: int) -> None:
        with httpx.Client(timeout=10) as client:
            start.wait()
            r = client.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": f"A{n}"})
            answers.append(r.json())

    threads = [threading.Thread(target=press, args=(n,), name=f"test-press-{n}") for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(answers) == 6
    winners = [a["acked_by"] for a in answers if a["first"]]
    assert len(winners) == 1, answers
    assert {a["acked_by"] for a in answers} == set(winners)  # everyone else is told who took it


def test_share_link_expires_and_can_be_revoked(server):
    r = httpx.post(server.url + f"{API}/looks/{server.looks.consented}/share", headers=server.auth)
    assert r.status_code == 201
    share = r.json()
    assert share["url"] == f"{server.url}/s/{share['token']}"
    assert len(share["token"]) >= 22  # ≥ 128 bits in URL-safe base64
    assert 23.9 * 3600 < share["expires_at"] - time.time() <= 24 * 3600
    page = httpx.get(share["url"])
    assert page.status_code == 200 and "Maison Test" in page.text

    revoke = httpx.delete(server.url + f"{API}/shares/{share['token']}", headers=server.auth)
    assert revoke.status_code == 204
    gone = httpx.get(share["url"])
    assert gone.status_code == 410 and "withdrawn" in gone.text
    assert httpx.get(share["url"] + "/video").status_code == 410

    second = httpx.post(server.url + f"{API}/looks/{server.looks.consented}/share", headers=server.auth).json()
    with sqlite3.connect(server.looks.root / "network.sqlite3") as db:  # as if a day had passed
        db.execute("UPDATE shares SET expires_at = 1000")
    expired = httpx.get(second["url"])
    assert expired.status_code == 410 and "expired" in expired.text
    assert httpx.get(server.url + "/s/not-a-token").status_code == 404


def test_delete_look_revokes_its_links(server, recorded_library):
    from .conftest import record_look

    look_id = record_look(server.looks.root, consent=True, seconds=2.0)
    share = httpx.post(server.url + f"{API}/looks/{look_id}/share", headers=server.auth).json()
    assert httpx.get(share["url"]).status_code == 200
    assert httpx.delete(server.url + f"{API}/looks/{look_id}", headers=server.auth).status_code == 204
    assert httpx.get(server.url + f"{API}/looks/{look_id}", headers=server.auth).status_code == 404
    assert httpx.delete(server.url + f"{API}/looks/{look_id}", headers=server.auth).status_code == 404
    gone = httpx.get(share["url"])  # the shopper who asked for it is told it was deleted, not withdrawn
    assert gone.status_code == 410 and "This look was deleted." in gone.text and "withdrawn" not in gone.text
    assert not (server.looks.root / "looks" / f"{look_id}.mp4").exists()


def test_a_withdrawn_link_answers_its_page_while_the_library_cannot_be_read(server, monkeypatch):
    # Telling "deleted" from "withdrawn" reads the library: locked or unreadable just then, the
    # public page must still answer 410 in words, not 500.
    from kiosk.errors import LibraryError

    share = httpx.post(server.url + f"{API}/looks/{server.looks.consented}/share", headers=server.auth).json()
    assert httpx.delete(server.url + f"{API}/shares/{share['token']}", headers=server.auth).status_code == 204

    def unreadable(look_id):
        raise LibraryError("the look database could not be read (database is locked)")

    monkeypatch.setattr(server.library, "get", unreadable)
    page = httpx.get(share["url"])
    assert page.status_code == 410 and "This link was withdrawn." in page.text and "locked" not in page.text


def test_an_associate_deletes_a_consented_look_and_its_links_end(server, caplog):
    # A shopper who tapped no card asks the staff to delete her looks: the PIN sign-in may, and
    # the deletion is logged with ids only; a look she did not keep stays out of its reach.
    import logging

    from .conftest import PIN, record_look

    pin = {"Authorization": f"Bearer {httpx.post(server.url + '/console/api/sign-in', json={'secret': PIN}).json()['token']}"}
    look_id = record_look(server.looks.root, consent=True, seconds=2.0)
    share = httpx.post(server.url + f"{API}/looks/{look_id}/share", headers=pin).json()
    note = httpx.post(server.url + f"{API}/looks/{look_id}/notes", headers=pin, json={"text": "wants it in navy"})
    assert note.status_code == 201 and httpx.get(share["url"]).status_code == 200
    caplog.set_level(logging.INFO, logger="kiosk.net.api_delete")
    assert httpx.delete(server.url + f"{API}/looks/{look_id}", headers=pin).status_code == 204
    assert httpx.get(share["url"]).status_code == 410
    with sqlite3.connect(server.looks.root / "network.sqlite3") as db:
        assert db.execute("SELECT revoked_at FROM shares WHERE look_id = ?", (look_id,)).fetchone()[0] is not None
    assert httpx.get(server.url + f"{API}/looks/{look_id}", headers=server.auth).status_code == 404
    assert not (server.looks.root / "looks" / f"{look_id}.mp4").exists()
    logged = [r.getMessage() for r in caplog.records if r.name == "kiosk.net.api_delete"]
    assert any(look_id in line and "an associate sign-in" in line for line in logged), logged
    assert not any("navy" in line for line in logged)
    assert httpx.delete(server.url + f"{API}/looks/{look_id}", headers=pin).status_code == 404
    # not a look the shopper did not keep: refused as reading it is, and it stays
    refused = httpx.delete(server.url + f"{API}/looks/{server.looks.private}", headers=pin)
    assert refused.status_code == 403
    assert httpx.get(server.url + f"{API}/looks/{server.looks.private}", headers=server.auth).status_code == 200


def test_an_associate_deletes_a_visits_kept_looks_in_one_request_its_older_ones_too(server, caplog):
    # The console lists the visit by its latest look (a minute ago); its first look, 5 h old, is hers too and
    # goes in the same request, its link with it. A look she did not keep is left to the visit's end.
    import logging

    from .conftest import PIN
    from .test_console_looks import add_look

    pin = {"Authorization": f"Bearer {httpx.post(server.url + '/console/api/sign-in', json={'secret': PIN}).json()['token']}"}
    now = time.time()
    first, last = (add_look(server.library, server.looks.consented, now - t, "visit-whole") for t in (5 * 3600, 60))
    unkept = add_look(server.library, server.looks.consented, now - 120, "visit-whole")
    server.library.set_consent(unkept, False)
    other = add_look(server.library, server.looks.consented, now - 30, "visit-other")
    link = httpx.post(server.url + f"{API}/looks/{first}/share", headers=pin).json()["url"]
    on_bus = []
    unsubscribe = server.bus.subscribe(on_bus.append)
    caplog.set_level(logging.INFO, logger="kiosk.net.api_delete")
    try:
        r = httpx.delete(server.url + f"{API}/visits/visit-whole/looks", headers=pin)
    finally:
        unsubscribe()
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": [first, last], "first_created": pytest.approx(now - 5 * 3600),
                        "share_links_revoked": 1}
    assert httpx.get(link).status_code == 410
    listed = {look["id"] for look in httpx.get(server.url + f"{API}/looks", headers=server.auth).json()["looks"]}
    assert first not in listed and last not in listed and {unkept, other} <= listed
    assert [(e.look_id, e.by) for e in on_bus if isinstance(e, LookDeleted)] == [(first, "associate"), (last, "associate")]
    logged = [r.getMessage() for r in caplog.records if r.name == "kiosk.net.api_delete"]
    assert all(any(i in line and "an associate sign-in" in line for line in logged) for i in (first, last)), logged
    assert not any("visit-whole" in line for line in logged)
    gone = httpx.delete(server.url + f"{API}/visits/visit-whole/looks", headers=pin)
    assert gone.status_code == 404 and gone.json()["message"]


def test_a_pin_deletes_only_the_visits_its_console_lists(server):
    # A leaked PIN must not wipe every shopper's kept looks: a visit whose latest look is over 4 hours old is
    # not on the console, and only the store token (or kiosk looks delete) deletes its looks.
    from .conftest import PIN
    from .test_console_looks import add_look

    pin = {"Authorization": f"Bearer {httpx.post(server.url + '/console/api/sign-in', json={'secret': PIN}).json()['token']}"}
    now = time.time()
    stale = [add_look(server.library, server.looks.consented, now - t, "visit-stale") for t in (4 * 3600 + 60, 5 * 3600)]
    alone = add_look(server.library, server.looks.consented, now - 5 * 3600, None)
    for path in (f"{API}/visits/visit-stale/looks", f"{API}/looks/{stale[0]}", f"{API}/looks/{alone}"):
        refused = httpx.delete(server.url + path, headers=pin)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["message"].startswith("this visit is older than 4 hours; ask the store manager"), refused.text
    listed = {look["id"] for look in httpx.get(server.url + f"{API}/looks", headers=server.auth).json()["looks"]}
    assert {*stale, alone} <= listed
    # the store token may
    assert httpx.delete(server.url + f"{API}/looks/{alone}", headers=server.auth).status_code == 204
    r = httpx.delete(server.url + f"{API}/visits/visit-stale/looks", headers=server.auth)
    assert r.status_code == 200 and r.json()["deleted"] == [stale[1], stale[0]], r.text


def test_a_deleted_look_is_told_to_live_clients_and_the_mirrors_screen_with_ids_only(server):
    # Other tablets drop it at once (they refreshed only every 3 s); the event names no shopper.
    from .conftest import PIN, record_look

    pin = {"Authorization": f"Bearer {httpx.post(server.url + '/console/api/sign-in', json={'secret': PIN}).json()['token']}"}
    by_pin, by_token = (record_look(server.looks.root, consent=True, seconds=1.0) for _ in range(2))
    on_bus = []
    unsubscribe = server.bus.subscribe(on_bus.append)
    reader = SseReader(server.url + f"{API}/events", server.auth)
    try:
        before = time.time()
        assert httpx.delete(server.url + f"{API}/looks/{by_pin}", headers=pin).status_code == 204
        assert httpx.delete(server.url + f"{API}/looks/{by_token}", headers=server.auth).status_code == 204
        wait_for(lambda: len([e for e, _ in reader.events if e == "look_deleted"]) == 2, 5, "no look_deleted event")
        told = [data for e, data in reader.events if e == "look_deleted"]
        mirror_id = httpx.get(server.url + f"{API}/status").json()["id"]
        assert [{k: v for k, v in data.items() if k != "deleted_at"} for data in told] == [
            {"mirror_id": mirror_id, "look_id": by_pin, "by": "associate"},
            {"mirror_id": mirror_id, "look_id": by_token, "by": "store token"},
        ]
        assert all(before <= data["deleted_at"] <= time.time() for data in told)
        assert [(e.look_id, e.by) for e in on_bus if isinstance(e, LookDeleted)] == [
            (by_pin, "associate"), (by_token, "store token")]
    finally:
        unsubscribe()
        reader.close()


def test_console_sign_in_with_pin_is_throttled(server):
    from .conftest import PIN

    url = server.url + "/console/api/sign-in"
    ok = httpx.post(url, json={"secret": PIN})
    assert ok.status_code == 200
    session = ok.json()["token"]
    assert httpx.get(server.url + f"{API}/session", headers={"Authorization": f"Bearer {session}"}).status_code == 200
    for _ in range(5):
        assert httpx.post(url, json={"secret": "000000"}).status_code == 401
    throttled = httpx.post(url, json={"secret": PIN})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0


def test_a_broken_library_gives_a_plain_503_not_a_traceback(recorded_library, tmp_path):
    from .conftest import copy_library, server_config, start_server, stop_server

    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        srv.library.close()  # as if its database had gone away
        r = httpx.get(srv.url + f"{API}/looks", headers=srv.auth)
        assert r.status_code == 503
        assert r.json()["error"] == "unavailable" and r.json()["message"]
        assert "Traceback" not in r.text
        assert httpx.get(srv.url + f"{API}/status").status_code == 200
    finally:
        stop_server(srv)
