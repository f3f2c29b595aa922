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


def test_a_take_finished_while_the_next_is_recorded_leaves_stop_and_her_mirror_alone(make):
    # The finisher stores a take a second or two after its Stop; by then the turn detector (or her
    # tap) may have started the next one. Its LookRecorded turned Stop back into Record mid-take and
    # opened its replay over her turn.
    from kiosk.events import TrayChanged
    from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingStarted, RecordingStopped

    bridge = make()
    replayed = []
    bridge._core.replaying = replayed.append
    tray = TrayChanged(session_id="s1", looks=tuple(SimpleNamespace(id=i, path=f"/x/{i}.mp4") for i in ("A", "B")))
    bridge.on_event(tray)
    bridge.on_event(RecordingStarted(look_id="A", reason="turn", session_id="s1"))
    bridge.on_event(RecordingStopped(look_id="A", reason="turned once"))
    assert not bridge.property("recording")
    bridge.on_event(RecordingStarted(look_id="B", reason="turn", session_id="s1"))
    bridge.on_event(LookRecorded(look_id="A", path="/x/A.mp4", duration_s=6.0, session_id="s1"))
    assert bridge.property("recording"), "B is still being recorded: Stop stays"
    assert bridge.property("replayId") == "" and replayed == [], "no replay over her turn"
    bridge.on_event(RecordingDiscarded(look_id="A", reason="too short"))
    assert bridge.property("recording")
    bridge.on_event(RecordingStopped(look_id="B", reason="turned once"))
    bridge.on_event(LookRecorded(look_id="B", path="/x/B.mp4", duration_s=6.0, session_id="s1"))
    assert not bridge.property("recording")
    assert bridge.property("replayId") == "B" and replayed == ["B"], "her own take plays once it is done"


def test_a_take_of_another_visit_never_opens_a_replay_on_her_mirror(make):
    # A kept take stored while the mirror runs (``recovery.store_kept``), or one that landed after
    # its shopper left, is announced as LookRecorded of its own, earlier visit. Where the shopper now
    # at the mirror tapped the same card, her kept looks list it: its replay opened by itself, at
    # once or at the tray's next change, over whatever she was doing.
    from kiosk.events import TrayChanged
    from kiosk.recording.events import LookRecorded

    bridge = make()
    replayed = []
    bridge._core.replaying = replayed.append
    own, old = SimpleNamespace(id="N", path="/x/N.mp4"), SimpleNamespace(id="OLD", path="/x/OLD.mp4")
    bridge.on_event(TrayChanged(session_id="s2", looks=(), kept=(old,)))
    bridge.on_event(LookRecorded(look_id="OLD", path="/x/OLD.mp4", duration_s=6.0, session_id="s1"))
    assert bridge.property("replayId") == "" and replayed == [], "a look of her earlier visit is not replayed by itself"
    bridge.on_event(LookRecorded(look_id="N", path="/x/N.mp4", duration_s=6.0, session_id="s2"))
    bridge.on_event(LookRecorded(look_id="OLD", path="/x/OLD.mp4", duration_s=6.0, session_id="s1"))
    bridge.on_event(TrayChanged(session_id="s2", looks=(own,), kept=(old,)))
    assert bridge.property("replayId") == "N" and replayed == ["N"], "her own take plays, not the earlier visit's"
    bridge.closeReplay()
    # a take of this visit that lands after she left is not kept for the next visit's tray either
    bridge.on_event(LookRecorded(look_id="LATE", path="/x/LATE.mp4", duration_s=6.0, session_id="s2"))
    bridge.on_event(TrayChanged(session_id=None, looks=()))
    bridge.on_event(TrayChanged(session_id="s3", looks=(), kept=(SimpleNamespace(id="LATE", path="/x/LATE.mp4"),)))
    assert bridge.property("replayId") == "" and replayed == ["N"]
    bridge.on_event(LookRecorded(look_id="N3", path="/x/N3.mp4", duration_s=6.0, session_id="s3"))
    bridge.on_event(TrayChanged(session_id="s3", looks=(SimpleNamespace(id="N3", path="/x/N3.mp4"),)))
    assert bridge.property("replayId") == "N3" and replayed == ["N", "N3"], "her own take still plays once listed"
