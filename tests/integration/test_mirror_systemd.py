"""The real mirror under Xvfb speaks to systemd: READY after the first paint, WATCHDOG while it answers.

A unix datagram socket stands in for systemd's ``$NOTIFY_SOCKET``; the mirror runs as a child
process with ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC`` in its environment, as under the kiosk unit.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time

import pytest

from tests.conftest import PYTHON, ui_env
from tests.integration.test_mirror_window import MirrorWindow

pytestmark = [pytest.mark.ui, pytest.mark.slow]

FREEZE_S = 12


class NotifiedMirror(MirrorWindow):
    """``kiosk run`` under a pretend systemd; its UI thread freezes on SIGUSR1 (test hook only)."""

    def __init__(self, display, tmp, notify: str, source: str = "synthetic:?width=640&height=360&fps=30", **kw) -> None:
        super().__init__(display, tmp, 640, 360, library=tmp / "lib", source=source, **kw)
        self.notify = notify

    def __enter__(self) -> "NotifiedMirror":
        env = ui_env(self.display, NOTIFY_SOCKET=self.notify, WATCHDOG_USEC="2000000")
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tests.integration.freezable_mirror", str(FREEZE_S), "run", "--windowed",
             "--config", str(self.config), "--source", self.source, "--library", str(self.library), "--no-network"],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log.open("w"),
        )
        self.window_id = self._find_window()
        return self

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)


class Systemd:
    """The receiving end of ``$NOTIFY_SOCKET``: every datagram, in order."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages: list[str] = []

    def next(self, timeout: float = 60.0) -> str:
        self.sock.settimeout(timeout)
        try:
            message = self.sock.recv(4096).decode()
        except TimeoutError:
            pytest.fail(f"systemd heard nothing for {timeout:g} s after {self.messages[-5:]}")
        self.messages.append(message)
        return message

    def until(self, predicate, what: str, timeout: float = 60.0) -> list[str]:
        """Messages up to and including the first that ``predicate`` accepts."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.next(max(0.1, deadline - time.monotonic()))
            seen.append(message)
            if predicate(message):
                return seen
        pytest.fail(f"{what} never came; heard {seen[-8:]}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def systemd(tmp_path):
    sd = Systemd(str(tmp_path / "notify.sock"))
    yield sd
    sd.close()


def test_ready_after_the_first_paint_pings_while_healthy_and_none_while_the_ui_is_frozen(xvfb, tmp_path, systemd):
    with NotifiedMirror(xvfb, tmp_path, systemd.path) as win:
        before = systemd.until(lambda m: m.startswith("READY=1"), "READY=1")
        assert "WATCHDOG=1" not in before, "pings before the mirror was ready"
        assert "STATUS=Ready: Mirror running: camera" in before[-1]
        # READY means something is on the screen: the attract screen, painted.
        assert win.grab().max() > 150
        pings = systemd.until(lambda m: m == "WATCHDOG=1", "the first ping")
        for _ in range(2):
            systemd.until(lambda m: m == "WATCHDOG=1", "pings while healthy")
        win.freeze()
        frozen = systemd.until(lambda m: m.startswith("STATUS=Not answering"), "the frozen UI noticed", timeout=30)
        assert "screen's thread has not answered" in frozen[-1]
        after = systemd.until(lambda m: m.startswith("STATUS=Mirror running"), "the UI thread answering again",
                              timeout=FREEZE_S + 30)
        assert "WATCHDOG=1" not in after[:-1], "pinged while the UI thread was frozen"
        systemd.until(lambda m: m == "WATCHDOG=1", "pings once the UI answers again")
        assert pings
    assert "STOPPING=1\nSTATUS=Stopping" in systemd.messages[-3:] or systemd.until(
        lambda m: m.startswith("STOPPING=1"), "STOPPING=1", timeout=10)


def test_a_dead_camera_keeps_the_mirror_up_showing_the_notice(xvfb, tmp_path, systemd):
    # A USB camera that is not there: its supervisor declares it unavailable and keeps
    # retrying; a restart would not bring it back, so the mirror is up and the pings go on.
    with NotifiedMirror(xvfb, tmp_path, systemd.path, source="v4l2:/dev/video99"):
        ready = systemd.until(lambda m: m.startswith("READY=1"), "READY=1")[-1]
        assert "Camera unavailable: camera /dev/video99 is not plugged in; retrying" in ready
        systemd.until(lambda m: m == "WATCHDOG=1", "a ping with the camera gone")
        systemd.until(lambda m: m == "WATCHDOG=1", "another ping with the camera gone")


def test_without_systemd_nothing_is_sent_and_the_mirror_runs(xvfb, tmp_path):
    with MirrorWindow(xvfb, tmp_path, 640, 360, library=tmp_path / "lib") as win:
        win.wait_for(lambda im: im.max() > 150, "the attract screen")
    assert "watchdog" not in win.log.read_text().lower()


def test_kiosk_serve_is_ready_once_its_api_answers_and_pings_while_it_does(tmp_path, systemd, free_port):
    import os
    import sys

    config = tmp_path / "serve.toml"
    config.write_text(f'[library]\ndata_dir = "{tmp_path / "lib"}"\n[api]\nport = {free_port}\nbind = "127.0.0.1"\n'
                      'announce = false\n')
    env = dict(os.environ, NOTIFY_SOCKET=systemd.path, WATCHDOG_USEC="2000000")
    env.pop("KIOSK_CONFIG", None)
    serve = subprocess.Popen([sys.executable, "-m", "kiosk", "serve", "--config", str(config)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = systemd.until(lambda m: m.startswith("READY=1"), "READY=1")[-1]
        assert f"STATUS=Ready: Serving the API on port {free_port}" in ready
        systemd.until(lambda m: m == "WATCHDOG=1", "a ping")
        systemd.until(lambda m: m == "WATCHDOG=1", "another ping")
    finally:
        serve.terminate()
        serve.wait(20)
    systemd.until(lambda m: m.startswith("STOPPING=1"), "STOPPING=1", timeout=10)
