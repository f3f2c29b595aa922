"""The comparison bridge's progress: the panes whose video fails are passed on, however late."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.events import EventBus  # noqa: E402
from ui.compare_bridge import CompareBridge  # noqa: E402


class FakeCore:
    def __init__(self) -> None:
        self.bus = EventBus()


class FakeSession:
    """Three panes of 100 frames each, decoded as the test says."""

    def __init__(self) -> None:
        self.progress, self.ready, self.failed = 0.0, False, (False, False, False)


@pytest.fixture
def app():
    return QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])


def test_a_pane_that_fails_in_its_last_frames_is_still_said_to_have_failed(app):
    bridge = CompareBridge(FakeCore(), pump=None)
    try:
        session = FakeSession()
        bridge._session, bridge._failed = session, [False] * 3
        bridge._progress_timer.start()
        session.progress = 299 / 300  # the third look decodes all but its last frame...
        bridge._refresh_progress()
        session.failed, session.progress = (False, False, True), 1.0  # ...which turns out damaged
        if bridge._progress_timer.isActive():
            bridge._refresh_progress()  # the timer's next tick
        assert bridge.property("failed") == [False, False, True]
        assert bridge.property("progress") == 1.0
        assert not bridge._progress_timer.isActive()  # all done: the timer stops then
    finally:
        bridge.close()
