"""systemd's watchdog: the pure verdicts (tables) and the ``sd-watchdog`` thread against a real socket."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import pytest

from kiosk.liveness import (
    Liveness,
    MirrorSigns,
    ServerProbe,
    Verdict,
    Watch,
    assess_mirror,
    assess_server,
    local_address,
    mirror_ready,
)
from kiosk.sdnotify import Notifier

FINE = MirrorSigns(ui_age_s=0.1, frame_age_s=0.03, camera_state="running", painted=True)


@pytest.mark.parametrize(
    "signs, alive, words",
    [
        (FINE, True, "frames flow"),
        (replace(FINE, ui_age_s=6.0), False, "screen's thread has not answered for 6 s"),
        (replace(FINE, ui_age_s=None), False, "has not answered for ever"),
        # a capture path stuck while the camera still says "running": restart
        (replace(FINE, frame_age_s=9.0), False, "capture path is stuck"),
        (replace(FINE, frame_age_s=None), False, "capture path is stuck"),
        (replace(FINE, frame_age_s=4.9), True, "frames flow"),  # within watchdog_s + margin
        # a dead USB camera its supervisor keeps retrying: no restart loop
        (replace(FINE, frame_age_s=600.0, camera_state="unavailable", camera_reason="unplugged"), True, "retrying"),
        (replace(FINE, frame_age_s=None, camera_state="starting"), True, "frames flow"),
        (replace(FINE, frame_age_s=600.0, camera_state="ended"), True, "frames flow"),
        # a frozen UI wins over a dead camera
        (replace(FINE, ui_age_s=30.0, camera_state="unavailable"), False, "has not answered"),
    ],
)
def test_assess_mirror(signs, alive, words):
    verdict = assess_mirror(signs)
    assert verdict.alive is alive and words in verdict.why


@pytest.mark.parametrize(
    "signs, ready",
    [
        (FINE, True),
        (replace(FINE, painted=False), False),
        (replace(FINE, frame_age_s=None, camera_state="starting"), False),
        (replace(FINE, frame_age_s=None, camera_state="unavailable"), True),  # up, showing the notice
    ],
)
def test_ready_once_painted_and_the_camera_answered(signs, ready):
    assert mirror_ready(signs) is ready


def test_assess_server():
    assert assess_server(1.0).alive
    assert not assess_server(None, "refused").alive and "refused" in assess_server(None, "refused").why
    assert not assess_server(60.0).alive


@pytest.mark.parametrize("bind, host", [("0.0.0.0", "127.0.0.1"), ("", "127.0.0.1"), ("::", "::1"),
                                        ("127.0.0.1", "127.0.0.1"), ("10.1.2.3", "10.1.2.3")])
def test_the_server_is_asked_where_this_device_reaches_it(bind, host):
    assert local_address(bind, 8080) == (host, 8080)


class FakeWatch:
    """Signs a test sets; counts how often the thread looked."""

    def __init__(self) -> None:
        self.alive, self.is_ready, self.text = True, False, "Mirror running"
        self.looked = 0
        self.cond = threading.Condition()

    def watch(self) -> Watch:
        return Watch(self._verdict, lambda: self.is_ready, lambda: self.text)

    def _verdict(self) -> Verdict:
        with self.cond:
            self.looked += 1
            self.cond.notify_all()
        return Verdict(self.alive, "fine" if self.alive else "frozen")

    def wait_looks(self, n: int) -> None:
        with self.cond:
            target = self.looked + n
            assert self.cond.wait_for(lambda: self.looked >= target, 30)


def _drain(sock) -> list[str]:
    sock.setblocking(False)
    out = []
    try:
        while True:
            out.append(sock.recv(4096).decode())
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(30)
    return out


def test_ready_once_then_pings_only_while_alive(notify_socket):
    sock, path = notify_socket
    fake = FakeWatch()
    live = Liveness(Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}), fake.watch(), check_s=0.02)
    live.start()
    try:
        assert sock.recv(4096) == b"STATUS=Starting: opening the camera and the screen"
        fake.wait_looks(5)
        assert _drain(sock) == [], "nothing but the start status before the kiosk is ready"
        fake.is_ready = True
        assert sock.recv(4096) == b"READY=1\nSTATUS=Ready: Mirror running"
        pings = [sock.recv(4096) for _ in range(3)]
        assert pings == [b"WATCHDOG=1"] * 3
        fake.alive = False
        message = sock.recv(4096)
        while message == b"WATCHDOG=1":  # one may have been on its way
            message = sock.recv(4096)
        assert message == b"STATUS=Not answering: frozen"
        fake.wait_looks(10)
        assert b"WATCHDOG=1" not in [m.encode() for m in _drain(sock)]
        fake.alive = True
        assert sock.recv(4096) == b"STATUS=Mirror running"
        assert sock.recv(4096) == b"WATCHDOG=1"
    finally:
        live.stop()
    assert sock.recv(4096) == b"STOPPING=1\nSTATUS=Stopping"
    assert live.pings >= 4


def test_a_screen_still_being_built_is_no_error_but_a_frozen_one_is(notify_socket, caplog):
    sock, path = notify_socket
    fake = FakeWatch()
    fake.alive = False  # the UI thread has not stamped its heartbeat yet: the window is loading
    live = Liveness(Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}), fake.watch(), check_s=0.02)
    with caplog.at_level(logging.INFO, logger="kiosk.liveness"):
        live.start()
        try:
            fake.wait_looks(5)
            assert [r.levelno for r in caplog.records] == [logging.INFO]
            assert "starting (frozen)" in caplog.records[0].message
            fake.alive = fake.is_ready = True
            assert sock.recv(4096) == b"STATUS=Starting: opening the camera and the screen"
            assert sock.recv(4096).startswith(b"READY=1")
            fake.alive = False
            fake.wait_looks(5)
        finally:
            live.stop()
    assert [r.message for r in caplog.records if r.levelno == logging.ERROR] == ["watchdog: frozen"]


def test_without_notify_socket_no_thread_runs():
    live = Liveness(Notifier({}), FakeWatch().watch())
    live.start()
    assert not live.enabled and live._thread is None
    live.stop()


def test_the_server_probe_asks_the_api(free_port):
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/api/v1/status" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    probe = ServerProbe(lambda: ("127.0.0.1", free_port), timeout_s=5)
    refused = probe.verdict()
    assert not refused.alive and "ConnectionRefusedError" in refused.why
    server = http.server.HTTPServer(("127.0.0.1", free_port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert probe.verdict().alive
        assert probe.watch().ready() and probe.status() == f"Serving the API on port {free_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_signs_that_cannot_be_read_pass_after_pass_log_one_traceback(notify_socket, caplog):
    _, path = notify_socket
    fake = FakeWatch()
    broken = {"on": True}

    def verdict() -> Verdict:
        fake._verdict()  # counts the look
        if broken["on"]:
            raise OSError("the camera's status is unreadable")
        return Verdict(True, "fine")

    live = Liveness(Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}),
                    Watch(verdict, lambda: False, lambda: "Mirror running"), check_s=0.01)
    with caplog.at_level(logging.DEBUG, logger="kiosk.liveness"):
        live.start()
        try:
            fake.wait_looks(20)  # twenty failing passes: the thread carries on
            broken["on"] = False
            fake.wait_looks(3)
        finally:
            live.stop()
    failures = [r for r in caplog.records if "could not read the kiosk's signs" in r.message]
    assert len(failures) == 1, "one traceback, not one per pass (repeats are summed up once a minute)"
    assert failures[0].levelno == logging.ERROR and failures[0].exc_info is not None
    assert len([r for r in caplog.records if "reads the kiosk's signs again" in r.message]) == 1
