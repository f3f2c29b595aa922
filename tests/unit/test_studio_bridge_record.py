"""Record's availability on the mirror's screen: the bridge shows the core's reason, and nothing once it works again."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.events import EventBus  # noqa: E402
from kiosk.recording.events import RecordingAvailability  # noqa: E402
from ui.studio_bridge import StudioBridge  # noqa: E402


class FakeCore:
    def __init__(self, blocked: str) -> None:
        self.bus = EventBus()
        self.parts = SimpleNamespace(studio=SimpleNamespace(available=True, record_blocked=blocked))


@pytest.fixture
def make():
    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841
    made = []

    def bridge(blocked: str = "") -> StudioBridge:
        made.append(StudioBridge(FakeCore(blocked)))
        return made[-1]

    yield bridge
    for one in made:
        one.close()


def test_record_says_why_it_cannot_work_and_comes_back(make):
    bridge = make()
    changes = []
    bridge.recordBlockedChanged.connect(lambda: changes.append(bridge.property("recordBlocked")))
    assert bridge.property("recordBlocked") == ""
    bridge.on_event(RecordingAvailability(why="Storage full"))
    bridge.on_event(RecordingAvailability(why="Storage full"))  # said once
    assert bridge.property("recordBlocked") == "Storage full"
    bridge.on_event(RecordingAvailability(why=""))
    assert changes == ["Storage full", ""]


def test_a_screen_opened_on_a_full_disk_starts_greyed(make):
    assert make("Storage full").property("recordBlocked") == "Storage full"
