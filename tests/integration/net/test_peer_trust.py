"""Trust between mirrors on loopback: a rogue device announcing itself as a mirror learns nothing.

Three parties, all on 127.0.0.1 and announced by real zeroconf: the mirror whose console an
associate uses (A), a second real mirror of the store (B, same store secret), and a rogue HTTP
server that announces ``_smartmirror._tcp`` with TXT records of its choosing (a path of its
own, B's mirror id). The console must show B with the state B proves, list the rogue as an
unverified device, and the rogue must receive nothing but hellos: no token, no PIN, no session,
no signed request, nothing it could replay.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from kiosk.net.addresses import SERVICE_TYPE
from kiosk.net.trust import HEADER, PeerTrust, derive_peer_key

from tests.integration.faults.waiting import wait_for

from .conftest import PIN, STORE_SECRET, TOKEN, copy_library, server_config, start_server, stop_server, write_store_secret

pytestmark = pytest.mark.slow


class Rogue:
    """An HTTP server that records everything sent to it and answers every request with 200."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with outer.lock:
                    outer.received.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )
                # a plausible answer: an id, a nonce and a made-up "proof"
                answer = json.dumps({"id": outer.claimed_id, "nonce": "ab" * 16, "proof": "cd" * 32,
                                     "name": "Rogue", "state": "idle", "requests": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_DELETE = do_PUT = _any  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.claimed_id = str(uuid.uuid4())
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="test-rogue", daemon=True)
        self.thread.start()
        self.zc: Zeroconf | None = None

    def announce(self, name: str, txt: dict) -> None:
        self.zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        info = ServiceInfo(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}", port=self.port, properties=txt,
                           server="rogue-device.local.", addresses=[socket.inet_aton("127.0.0.1")])
        self.zc.register_service(info, allow_name_change=True)

    def requests(self) -> list[dict]:
        with self.lock:
            return list(self.received)

    def close(self) -> None:
        if self.zc is not None:
            self.zc.unregister_all_services()
            self.zc.close()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def store(recorded_library, tmp_path):
    a = start_server(copy_library(recorded_library, tmp_path / "lib-a"), server_config(name="Mirror Left", room="1"))
    b = start_server(
        copy_library(recorded_library, tmp_path / "lib-b"),
        server_config(announce=True, name="Mirror Middle", room="5", txt_interval_s=0.5),
    )
    rogue = Rogue()
    try:
        yield a, b, rogue
    finally:
        rogue.close()
        stop_server(b)
        stop_server(a)


def _overview(a, session: str) -> dict:
    r = httpx.get(a.url + "/console/api/overview", headers={"Authorization": f"Bearer {session}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_rogue_mirror_gets_hellos_and_nothing_else(store):
    a, b, rogue = store
    b_id = httpx.get(b.url + "/api/v1/status").json()["id"]
    # the rogue claims to be a mirror of the store, with an API path of its own choosing
    rogue.announce("Mirror Rogue", {"id": rogue.claimed_id, "api": "/steal", "room": "9", "state": "session"})
    session = httpx.post(a.url + "/console/api/sign-in", json={"secret": PIN}).json()["token"]
    req = httpx.post(b.url + "/api/v1/assist", headers=b.auth, json={"kind": "size", "detail": "jeans 32/34"}).json()

    def both_seen():
        mirrors = _overview(a, session)["mirrors"]
        return mirrors if len(mirrors) == 3 and rogue.requests() else None

    mirrors = wait_for(both_seen, 20, "the console did not list the second mirror and the rogue")
    _assert_rogue_learned_nothing(rogue, session)  # first of all
    by_name = {m["name"]: m for m in mirrors}
    middle = by_name["Mirror Middle"]
    assert middle["trusted"] is True and middle["id"] == b_id and middle["room"] == "5" and middle["state"] == "idle"
    unverified = [m for m in mirrors if m["trusted"] is False]
    assert len(unverified) == 1 and unverified[0]["name"] == f"Device at 127.0.0.1:{rogue.port}"
    assert "Rogue" not in json.dumps(mirrors) and unverified[0]["room"] == "" and unverified[0]["state"] == "unknown"
    queue = _overview(a, session)["queue"]
    assert [q["detail"] for q in queue if q["mirror_id"] == b_id] == ["jeans 32/34"]

    # the associate acknowledges B's request through A; and tries the rogue's made-up id
    acked = httpx.post(a.url + f"/console/api/assist/{b_id}/{req['id']}/ack", headers={"Authorization": f"Bearer {session}"})
    assert acked.status_code == 200 and acked.json()["open"] is False
    fake = httpx.post(a.url + f"/console/api/assist/{rogue.claimed_id}/0123456789abcdef/ack",
                      headers={"Authorization": f"Bearer {session}"})
    # no device proved that id (the rogue's hello did not): its TXT id alone is nowhere to send an ack
    assert fake.status_code == 404 and "not on the network" in fake.json()["message"]

    _assert_rogue_learned_nothing(rogue, session)
    _assert_nothing_replays(rogue, a, b)


def test_a_rogue_claiming_a_real_mirrors_id_gets_nothing_either(store):
    a, b, rogue = store
    b_id = httpx.get(b.url + "/api/v1/status").json()["id"]
    rogue.claimed_id = b_id
    rogue.announce("Mirror Middle", {"id": b_id, "api": "/api/v1", "room": "5", "state": "idle"})
    session = httpx.post(a.url + "/console/api/sign-in", json={"secret": PIN}).json()["token"]
    req = httpx.post(b.url + "/api/v1/assist", headers=b.auth, json={"kind": "associate"}).json()

    def rogue_asked():
        _overview(a, session)
        return rogue.requests()

    wait_for(rogue_asked, 20, "the console never reached the rogue")
    mirrors = wait_for(lambda: (m := _overview(a, session)["mirrors"]) and len(m) == 3 and m, 20, "not all listed")
    assert [m["id"] for m in mirrors].count(b_id) == 1  # the real one, shown once
    for _ in range(3):  # whichever record is tried first, the ack reaches B and only B
        r = httpx.post(a.url + f"/console/api/assist/{b_id}/{req['id']}/ack", headers={"Authorization": f"Bearer {session}"})
        assert r.status_code == 200, r.text
    _assert_rogue_learned_nothing(rogue, session)
    _assert_nothing_replays(rogue, a, b)


def _assert_rogue_learned_nothing(rogue: Rogue, session: str) -> None:
    got = rogue.requests()
    assert got, "the rogue was never contacted: the test proves nothing"
    secrets = [TOKEN, PIN, session, STORE_SECRET, derive_peer_key(bytes.fromhex(STORE_SECRET)).hex()]
    for r in got:
        blob = json.dumps({**r, "body": r["body"].decode("latin-1")})
        for secret in secrets:
            assert secret not in blob, f"the rogue received a secret: {blob}"
        assert not any(k.lower() in ("authorization", HEADER.lower(), "cookie") for k in r["headers"]), r["headers"]
        assert (r["method"], r["path"]) == ("POST", "/api/v1/peer/hello"), r  # never the path from its TXT
        assert set(json.loads(r["body"])) == {"from", "nonce"}


def _assert_nothing_replays(rogue: Rogue, a, b) -> None:
    """Everything the rogue received, sent again to the real mirrors, opens nothing."""
    for r in rogue.requests():
        for target in (a, b):
            again = httpx.request(r["method"], target.url + r["path"], content=r["body"],
                                  headers={"Content-Type": "application/json"})
            # a hello is public: it answers with a proof for the *sender's* nonce and nothing more
            assert again.status_code == 200 and set(again.json()) == {"id", "nonce", "proof", "at"}
            nonce = again.json()["nonce"]
            # the nonce is useless without the store secret: a guess at a signature is refused
            forged = f"v1; from={json.loads(r['body'])['from']}; nonce={nonce}; sig={'0' * 64}"
            refused = httpx.get(target.url + "/api/v1/peer/overview", headers={HEADER: forged})
            assert refused.status_code == 401


def test_a_signed_request_cannot_be_replayed(store, tmp_path):
    a, b, _ = store
    b_id = httpx.get(b.url + "/api/v1/status").json()["id"]
    me = PeerTrust(bytes.fromhex(STORE_SECRET), str(uuid.uuid4()))
    mine = me.new_nonce()
    hello = httpx.post(b.url + "/api/v1/peer/hello", json={"from": me.mirror_id, "nonce": mine}).json()
    peer, nonce = me.check_hello(mine, hello)
    assert peer == b_id
    header = {HEADER: me.request_header(peer, nonce, "GET", "/api/v1/peer/overview", b"")}
    first = httpx.get(b.url + "/api/v1/peer/overview", headers=header)
    assert first.status_code == 200 and first.json()["id"] == b_id
    me.check_response(peer, nonce, 200, first.content, first.headers["smartmirror-peer-proof"])
    replay = httpx.get(b.url + "/api/v1/peer/overview", headers=header)
    assert replay.status_code == 401 and "used" in replay.json()["message"]
    to_a = httpx.get(a.url + "/api/v1/peer/overview", headers=header)
    assert to_a.status_code == 401  # nor does it open another mirror
    # and a mirror of another store (another secret) proves nothing to B, nor B to it
    other = PeerTrust(bytes.fromhex(write_store_secret(tmp_path / "x", "6e" * 32).read_text().strip()), me.mirror_id)
    theirs = other.new_nonce()
    with pytest.raises(Exception, match="does not prove"):
        other.check_hello(theirs, httpx.post(b.url + "/api/v1/peer/hello", json={"from": other.mirror_id, "nonce": theirs}).json())
