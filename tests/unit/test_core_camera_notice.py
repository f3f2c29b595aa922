"""The core tells the screen when the camera notice comes and goes: at once when the camera is
lost, and only once a camera that came back has given pictures steadily for ``STEADY_S``."""

from __future__ import annotations

import os
import threading

import pytest

from kiosk.camera_notice import STEADY_S
from kiosk.config import Config
from kiosk.core import TICK_S, KioskCore
from kiosk.events import CameraNoticeChanged, CameraStateChanged
from kiosk.wiring import Switches, build_parts


class Heard:
    """The camera's states and the notice's changes on the bus, with the time each came."""

    def __init__(self) -> None:
        self.events: list[CameraStateChanged | CameraNoticeChanged] = []
        self.cond = threading.Condition()

    def __call__(self, event) -> None:
        if isinstance(event, (CameraStateChanged, CameraNoticeChanged)):
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()

    def wait(self, predicate, what: str, timeout: float = 20.0):
        with self.cond:
            found = self.cond.wait_for(lambda: next((e for e in self.events if predicate(e)), None), timeout)
        assert found, f"{what} never came: {self.events}"
        return found


def camera_is(state: str):
    return lambda e: isinstance(e, CameraStateChanged) and e.state == state


def notice_is(shows: str, after: float = 0.0):
    return lambda e: isinstance(e, CameraNoticeChanged) and e.shows == shows and e.at > after


def stalling_kiosk(tmp_path, source: str, watchdog_s: float):
    """A started kiosk on a synthetic camera ``source`` (analysis off), and what its bus said; stopped after."""
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    config.camera.watchdog_s = watchdog_s
    core = KioskCore(build_parts(config, Switches(source=source, record=False)))
    heard = Heard()
    core.bus.subscribe(heard)
    core.start()
    try:
        yield core, heard
    finally:
        core.stop()


@pytest.fixture
def stalling(tmp_path):
    """A kiosk whose synthetic camera freezes once for 1.5 s, 1 s in (watchdog 0.5 s)."""
    yield from stalling_kiosk(tmp_path, "synthetic:?width=160&height=120&fps=15&stall_at=1&stall_for=1.5", 0.5)


def test_the_notice_over_a_camera_that_came_back_goes_only_after_the_hold(stalling):
    core, heard = stalling
    lost = heard.wait(notice_is("unavailable"), "the notice over the lost camera")
    assert core.camera_notice == "unavailable"
    back = heard.wait(lambda e: camera_is("running")(e) and e.at > lost.at, "the camera coming back")
    gone = heard.wait(notice_is("", after=lost.at), "the picture after the hold", timeout=STEADY_S + 10)
    assert gone.at - back.at >= STEADY_S - TICK_S, f"the notice went {gone.at - back.at:.1f} s after the camera came back"
    assert core.camera_notice == ""


def test_the_bridge_shows_the_notice_the_core_holds_and_logs_it_once(tmp_path, caplog):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QtCore = pytest.importorskip("PySide6.QtCore")
    from kiosk.metrics import RateMeter
    from ui.bridge import MirrorBridge

    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841 - Qt objects need one
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    bridge = MirrorBridge(KioskCore(build_parts(config, Switches(camera=False))), RateMeter())
    try:
        assert bridge.property("cameraNotice") == "starting"
        with caplog.at_level("INFO", logger="ui.bridge"):
            for event in (CameraStateChanged(state="unavailable", reason="gone"), CameraNoticeChanged(shows="unavailable"),
                          CameraStateChanged(state="running", reason="ok"),
                          CameraStateChanged(state="unavailable", reason="gone"),
                          CameraStateChanged(state="running", reason="ok")):
                bridge.on_event(event)
        assert bridge.property("cameraState") == "running"
        assert bridge.property("cameraNotice") == "unavailable", "the notice followed the camera, not the core"
        assert caplog.text.count("shown to the shopper: Camera unavailable") == 1, caplog.text
        bridge.on_event(CameraNoticeChanged(shows=""))
        assert bridge.property("cameraNotice") == ""
    finally:
        bridge.close()


@pytest.fixture
def slow_stalling(tmp_path):
    """A kiosk whose synthetic camera gives one picture a second and freezes once for 2.5 s, 1.5 s in
    (watchdog 1.5 s, longer than its frame interval)."""
    yield from stalling_kiosk(tmp_path, "synthetic:?width=160&height=120&fps=1&stall_at=1.5&stall_for=2.5", 1.5)


def test_the_notice_over_a_slow_camera_that_came_back_goes_after_the_hold(slow_stalling):
    """Its newest picture is up to a second old at any look of the core: that is no freeze."""
    core, heard = slow_stalling
    lost = heard.wait(notice_is("unavailable"), "the notice over the lost camera")
    back = heard.wait(lambda e: camera_is("running")(e) and e.at > lost.at, "the camera coming back")
    gone = heard.wait(notice_is("", after=lost.at), "the picture of the slow camera after the hold", timeout=STEADY_S + 8)
    assert gone.at - back.at >= STEADY_S - TICK_S
    assert core.camera_notice == ""
