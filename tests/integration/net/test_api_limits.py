"""Limits that keep a shared LAN from hurting the mirror, against the real uvicorn server.

Raw sockets from several loopback addresses (127.0.0.N), so the tests see exactly what a
client sees: many live-event clients at once, one device holding too many of them, a client
trickling its headers, a device that opens too many connections, a device guessing tokens. Every load here is bounded in count and
in time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time

import httpx
import pytest

from kiosk.net.stream import MAX_PER_ADDRESS, MAX_SUBSCRIBERS

from .conftest import PIN, TOKEN, copy_library, from_address, server_config, start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh(recorded_library, tmp_path):
    """A server of the test's own (limits and counters start from zero)."""
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        yield srv
    finally:
        stop_server(srv)


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.exc_info or "Traceback" in r.getMessage()]


@pytest.fixture
def server_logs():
    handler = Collect()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn"), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


async def _open_events(
    port: int, source: str, token: str = TOKEN
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: mirror\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
    return reader, writer, head


def test_the_live_event_limit_holds_under_simultaneous_connections(fresh, server_logs):
    port = int(fresh.url.rsplit(":", 1)[1])
    extra = 16

    addresses = (MAX_SUBSCRIBERS + extra) // MAX_PER_ADDRESS  # each sends as many as it may hold

    async def main():
        # all at once, from ten addresses, before any of them has been answered
        tasks = [_open_events(port, f"127.0.0.{20 + i % addresses}") for i in range(MAX_SUBSCRIBERS + extra)]
        opened = await asyncio.gather(*tasks)
        heads = [head for _, _, head in opened]
        for _, writer, _ in opened:
            writer.close()
        return heads

    heads = asyncio.run(main())
    statuses = [int(h.split(b" ", 2)[1]) for h in heads]
    assert statuses.count(200) == MAX_SUBSCRIBERS, statuses
    assert statuses.count(503) == extra, statuses
    for head in heads:
        if b" 503 " in head.split(b"\r\n", 1)[0]:
            assert b"retry-after: 5" in head.lower()
    stream = fresh.service.ctx.stream
    deadline = time.monotonic() + 10
    while stream.subscribers and time.monotonic() < deadline:  # closed clients give their slots back
        time.sleep(0.05)
    assert stream.subscribers == 0
    assert server_logs.tracebacks() == []
    with httpx.stream("GET", fresh.url + "/api/v1/events", headers=fresh.auth, timeout=10) as again:
        assert again.status_code == 200


def test_one_address_cannot_take_every_live_event_slot(fresh, server_logs):
    """A leaked PIN (or a script) on one device must not hold every live-event slot: the
    store's tablets would get no live updates."""
    port = int(fresh.url.rsplit(":", 1)[1])
    with from_address(30) as device:
        token = device.post(fresh.url + "/console/api/sign-in", json={"secret": PIN}).json()["token"]

    async def main():
        held = [await _open_events(port, "127.0.0.30", token) for _ in range(MAX_PER_ADDRESS)]
        over = await _open_events(port, "127.0.0.30", token)
        length = int(next(line for line in over[2].lower().split(b"\r\n") if line.startswith(b"content-length:"))[15:])
        body = await asyncio.wait_for(over[0].readexactly(length), 10)  # the refusal is a whole answer
        tablet = await _open_events(port, "127.0.0.31")  # another device still follows the events
        for _, writer, _ in [*held, over, tablet]:
            writer.close()
        return [head for _, _, head in held], over[2], body, tablet[2]

    held, over, body, tablet = asyncio.run(main())
    assert all(head.startswith(b"HTTP/1.1 200 ") for head in held), held
    assert over.startswith(b"HTTP/1.1 429 ") and b"retry-after: 5" in over.lower(), over
    assert json.loads(body)["message"] == (
        f"Too many live event streams from this address (at most {MAX_PER_ADDRESS}); "
        "close the console in another tab or browser, then try again."
    )
    assert tablet.startswith(b"HTTP/1.1 200 "), tablet
    assert server_logs.tracebacks() == []


def test_a_client_trickling_its_headers_is_cut(fresh):
    from kiosk.net.http_server import REQUEST_TIMEOUT_S

    port = int(fresh.url.rsplit(":", 1)[1])
    request = b"GET /api/v1/status HTTP/1.1\r\nHost: mirror\r\n" + b"X-Slow: " + b"a" * 60 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.settimeout(0.5)
        started = time.monotonic()
        cut_after = None
        for byte in request:  # one byte every 0.25 s: the whole request would take 27 s
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1024) == b"":
                    cut_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue  # nothing to read yet: keep trickling
            except OSError:  # reset by the server
                cut_after = time.monotonic() - started
                break
            time.sleep(0.25)
    assert cut_after is not None, "the server waited for the whole trickled request"
    assert REQUEST_TIMEOUT_S - 1 <= cut_after <= REQUEST_TIMEOUT_S + 5, cut_after
    assert httpx.get(fresh.url + "/api/v1/status").status_code == 200  # everyone else is served


def test_one_address_cannot_take_every_connection(fresh):
    from kiosk.net.http_server import MAX_PER_CLIENT

    port = int(fresh.url.rsplit(":", 1)[1])
    held = []
    try:
        for _ in range(MAX_PER_CLIENT + 4):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.40", 0))
            held.append(sock)
        deadline = time.monotonic() + 5
        while (refused := sum(_closed(sock) for sock in held)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert refused == 4
        with from_address(41) as other:  # another device is still served
            assert other.get(fresh.url + "/api/v1/status").status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_a_client_that_stops_reading_its_answer_is_cut(fresh, monkeypatch):
    """A shopper's share link is enough to start a video; a device that then reads none of it must
    not keep the connection and its open file (64 such per address, 256 in all, shut the mirror's
    API for everyone)."""
    from kiosk.net import http_server

    monkeypatch.setattr(http_server, "WRITE_STALL_S", 1.0)
    look = fresh.looks.consented
    fresh.library.video_path(look).write_bytes(b"\0" * (32 * 2**20))  # a long look: more than any socket buffers
    token = httpx.post(f"{fresh.url}/api/v1/looks/{look}/share", headers=fresh.auth).json()["token"]
    port = int(fresh.url.rsplit(":", 1)[1])
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
        sock.bind(("127.0.0.44", 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(f"GET /s/{token}/video HTTP/1.1\r\nHost: mirror\r\n\r\n".encode())
        deadline = time.monotonic() + 15
        while "127.0.0.44" not in http_server._per_client and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "127.0.0.44" in http_server._per_client
        while "127.0.0.44" in http_server._per_client and time.monotonic() < deadline:
            time.sleep(0.1)  # reading nothing
        assert "127.0.0.44" not in http_server._per_client, "a client that reads nothing keeps its connection"
    assert httpx.get(fresh.url + "/api/v1/status").status_code == 200  # everyone else is served


def test_the_public_health_never_names_a_device(recorded_library, tmp_path, monkeypatch, server_logs):
    """Anyone on the LAN reads /api/v1/health: its last error says what failed, never which device
    (an address in the error's own words reads "an address" there); the log keeps the address."""
    from kiosk.net import http_server
    from kiosk.vitals import Readings, Vitals

    vitals = Vitals()  # the last error logged, as kiosk run hands it to health
    vitals.start()
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config(), Readings(errors=vitals.errors))
    device = "127.0.0.46"
    try:
        monkeypatch.setattr(http_server, "MAX_PER_CLIENT", 1)
        port = int(srv.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(device, 0)), \
                socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(device, 0)) as second:
            deadline = time.monotonic() + 5
            while not _closed(second) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _closed(second), "the device's connection over the limit was not refused"
        deadline = time.monotonic() + 5
        while device in http_server._per_client and time.monotonic() < deadline:
            time.sleep(0.05)

        def reset(_look_id):  # an error whose own words name the device, as a socket's can
            raise ConnectionResetError(104, f"Connection reset by peer ('{device}', 51234), then [::ffff:{device}]:51234")

        monkeypatch.setattr(srv.library, "get", reset)
        with from_address(46) as tablet:
            assert tablet.get(f"{srv.url}/api/v1/looks/{srv.looks.consented}", headers=srv.auth).status_code == 500
        monkeypatch.undo()
        last = httpx.get(srv.url + "/api/v1/health").json()["last_error"]
        assert f"kiosk.net.api: GET /looks/{srv.looks.consented} failed: ConnectionResetError" in last, last
        assert "Connection reset by peer ('an address', 51234), then an address" in last, last
        assert device not in last, last
        logged = [r.getMessage() for r in server_logs.records if r.name.startswith("kiosk.net")]
        assert any(m.startswith(f"refused a connection from {device}: ") for m in logged), logged
        assert any(" failed: ConnectionResetError" in m and device in m for m in logged), "the log keeps the address"
    finally:
        stop_server(srv)
        vitals.stop()


def test_the_public_health_names_no_host_url_or_file_and_a_sign_in_reads_it_whole(recorded_library, tmp_path):
    """Every free text of the public health (here a core fault's words, in its check, its problem and the
    reason a part is off) says what failed without an address, a host name, a URL or a file path; a valid
    token reads the same fields with the words whole, a wrong one reads them as the public does."""
    from kiosk.vitals import CoreStatus, Readings

    fault = ("could not handle a mail: SMTPConnectError: smtp.store.lan:25 (10.0.0.5) refused, "
             "see https://hooks.store.lan/events?token=s3cr3t-t0ken for /home/alice/mirror/net.db")
    masked = ("could not handle a mail: SMTPConnectError: a host (an address) refused, "
              "see https://a host for .../net.db")
    core = CoreStatus("running", 1, 1, fault, time.time(), {"mail": "smtp.store.lan does not answer"})
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config(), Readings(core=lambda: core))
    try:
        public = httpx.get(srv.url + "/api/v1/health").json()
        with from_address() as guesser:
            wrong = guesser.get(srv.url + "/api/v1/health", headers={"Authorization": "Bearer not-the-token"}).json()
        whole = httpx.get(srv.url + "/api/v1/health", headers=srv.auth).json()
    finally:
        stop_server(srv)
    assert public["status"] == "degraded" and not public["checks"]["core"]["ok"]
    for answer in (public, wrong):
        told = json.dumps(answer)
        for secret in ("10.0.0.5", "store.lan", "s3cr3t", "/events", "/home/alice"):
            assert secret not in told, (secret, told)
        assert masked in answer["checks"]["core"]["detail"]
        assert "the mail part could not start and is off (a host does not answer)" in answer["checks"]["core"]["detail"]
        assert any(p.startswith("core: ") and masked in p for p in answer["problems"]), answer["problems"]
    assert fault in whole["checks"]["core"]["detail"]
    assert any("(smtp.store.lan does not answer)" in p for p in whole["problems"]), whole["problems"]
    assert whole.keys() == public.keys() and whole["checks"].keys() == public["checks"].keys()


def _closed(sock: socket.socket) -> bool:
    """True when the server closed this connection (checked without waiting)."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_guessing_the_token_is_throttled_per_address(fresh):
    with from_address(50) as guesser, from_address(51) as tablet:
        for _ in range(5):
            assert guesser.get(fresh.url + "/api/v1/session", headers={"Authorization": "Bearer guess"}).status_code == 401
        blocked = guesser.get(fresh.url + "/api/v1/session", headers=fresh.auth)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert "Too many failed tokens" in blocked.json()["message"]
        assert tablet.get(fresh.url + "/api/v1/session", headers=fresh.auth).status_code == 200
        assert guesser.get(fresh.url + "/api/v1/status").status_code == 200  # public routes stay open


def test_guessing_the_pin_from_many_addresses_pauses_pin_sign_in(fresh, server_logs):
    from kiosk.net.throttle import MAX_FAILURES_ALL, PAUSE_S

    from .conftest import PIN

    assert httpx.get(fresh.url + "/api/v1/health").json()["checks"]["sign_in"] == {"ok": True, "detail": "PIN sign-in open"}
    # the review's attack: 60 guesses, 5 from each of 12 addresses, the right PIN last
    guesses = [f"{n:06d}" for n in range(59)] + [PIN]
    guessers = [from_address() for _ in range(12)]
    statuses = []
    for i, guess in enumerate(guesses):
        answer = guessers[i // 5].post(fresh.url + "/console/api/sign-in", json={"secret": guess})
        statuses.append(answer.status_code)
    for client in guessers:
        client.close()
    assert statuses == [401] * MAX_FAILURES_ALL + [429] * (len(guesses) - MAX_FAILURES_ALL)  # the PIN was not found
    with from_address() as tablet:
        refused = tablet.post(fresh.url + "/console/api/sign-in", json={"secret": PIN})
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= PAUSE_S + 1
        assert "paused for the whole store" in refused.json()["message"]
        assert tablet.post(fresh.url + "/console/api/sign-in", json={"secret": TOKEN}).status_code == 200

    health = httpx.get(fresh.url + "/api/v1/health")
    sign_in = health.json()["checks"]["sign_in"]
    assert health.json()["status"] == "degraded" and not sign_in["ok"]
    assert "PIN sign-in is paused" in sign_in["detail"] and "from 2 addresses" in sign_in["detail"]
    assert "127.0.0." not in health.text and PIN not in health.text
    metrics = httpx.get(fresh.url + "/api/v1/metrics").text
    assert "kiosk_pin_sign_in_paused 1" in metrics and "kiosk_pin_sign_in_pauses_total 1" in metrics
    assert "kiosk_pin_sign_in_paused_by_day_limit 0" in metrics and "kiosk_pin_wrong_last_day 10" in metrics
    assert "10 wrong PINs within 5 min" in sign_in["detail"]  # which limit paused it
    logged = [r.getMessage() for r in server_logs.records if "PIN sign-in paused" in r.getMessage()]
    assert len(logged) == 1, logged  # once per pause, however many refusals follow
    assert "127.0.0." not in logged[0] and PIN not in logged[0]


def test_a_pin_sign_in_pause_survives_a_restart_of_the_mirror(recorded_library, tmp_path):
    """A restart (systemd after a crash, a power cut) used to start the counts afresh and end the pause."""
    from kiosk.net.pin_counts import FILENAME
    from kiosk.net.throttle import MAX_FAILURES_ALL

    from .conftest import PIN

    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, server_config())
    try:
        guessers = [from_address() for _ in range(2)]
        for i in range(MAX_FAILURES_ALL):
            answer = guessers[i % 2].post(srv.url + "/console/api/sign-in", json={"secret": f"{i:06d}"})
            assert answer.status_code == 401
        for client in guessers:
            client.close()
        assert httpx.get(srv.url + "/api/v1/health").json()["checks"]["sign_in"]["ok"] is False
    finally:
        stop_server(srv)
    assert "127.0.0." not in (looks.root / FILENAME).read_text()

    srv = start_server(looks, server_config())  # the same data folder, a new process's worth of state
    try:
        with from_address() as tablet:
            refused = tablet.post(srv.url + "/console/api/sign-in", json={"secret": PIN})
            assert refused.status_code == 429 and "paused for the whole store" in refused.json()["message"]
            assert tablet.post(srv.url + "/console/api/sign-in", json={"secret": TOKEN}).status_code == 200
        sign_in = httpx.get(srv.url + "/api/v1/health").json()["checks"]["sign_in"]
        assert not sign_in["ok"] and "10 wrong PINs within 5 min from 2 addresses" in sign_in["detail"]
        metrics = httpx.get(srv.url + "/api/v1/metrics").text
        assert "kiosk_pin_sign_in_paused 1" in metrics and "kiosk_pin_wrong_last_day 10" in metrics
    finally:
        stop_server(srv)


def test_a_flood_of_hellos_from_one_address_is_refused_and_a_mirror_is_still_answered(recorded_library, tmp_path,
                                                                                      monkeypatch):
    """The hello is open to anyone and costs proof work and a nonce: one address sending as fast as
    it can used to be answered every time, taking 4096 nonces in a few seconds."""
    import uuid

    from kiosk.net import hello_limit
    from kiosk.net.trust import PeerTrust

    from .conftest import STORE_SECRET

    monkeypatch.setattr(hello_limit, "HELLO_WINDOW_S", 600.0)  # however slow this machine, the flood fits in it
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        hello = {"from": "rogue-1", "nonce": "ab" * 16}
        with from_address(60) as flooder:
            answers = [flooder.post(srv.url + "/api/v1/peer/hello", json=hello) for _ in range(hello_limit.HELLOS_PER_ADDRESS)]
            assert [a.status_code for a in answers] == [200] * hello_limit.HELLOS_PER_ADDRESS
            refused = flooder.post(srv.url + "/api/v1/peer/hello", json=hello)
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 601
        assert refused.json()["error"] == "too_many_requests" and "Too many hellos" in refused.json()["message"]
        assert "proof" not in refused.text and "nonce" not in refused.text  # no work done, no nonce issued

        # a mirror of the store at another address is answered, and its proof checks out
        mirror = PeerTrust(bytes.fromhex(STORE_SECRET), str(uuid.uuid4()))
        mine = mirror.new_nonce()
        with from_address(61) as peer:
            answer = peer.post(srv.url + "/api/v1/peer/hello", json={"from": mirror.mirror_id, "nonce": mine})
        assert answer.status_code == 200
        assert mirror.check_hello(mine, answer.json())[0] == httpx.get(srv.url + "/api/v1/status").json()["id"]
    finally:
        stop_server(srv)
