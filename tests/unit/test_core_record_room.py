"""Record is offered only while a take can start: with the disk below ``recording.min_free_mb`` the
core says why (the screen greys the button with it), and offers it again by itself once there is room."""

from __future__ import annotations

import dataclasses

from kiosk.recording.events import RecordingAvailability, RecordingFailed
from kiosk.studio import STORAGE_FULL_SHORT
from tests.unit.test_core_intents import core, of, wait_for  # noqa: F401 - the fixture


def floor(core, min_free_bytes: int) -> None:
    """Set the recorder's free-space floor: 1 << 60 reads as a full disk, 0 as plenty of room."""
    recorder = core.parts.studio._recorder
    recorder.settings = dataclasses.replace(recorder.settings, min_free_bytes=min_free_bytes)


def availability(events) -> list[str]:
    return [e.why for e in of(events, RecordingAvailability)]


def test_a_full_disk_takes_record_away_with_its_reason_and_freed_space_brings_it_back(core):  # noqa: F811
    core, events = core
    floor(core, 0)
    assert core.flush() and core.parts.studio.record_blocked == ""
    floor(core, 1 << 60)
    assert wait_for(lambda: availability(events) == [STORAGE_FULL_SHORT]), availability(events)
    assert core.parts.studio.record_blocked == STORAGE_FULL_SHORT
    floor(core, 0)  # space freed: nobody has to tap anything
    assert wait_for(lambda: availability(events) == [STORAGE_FULL_SHORT, ""]), availability(events)
    assert core.parts.studio.record_blocked == ""


def test_a_refused_take_greys_record_at_once(core, monkeypatch):  # noqa: F811
    core, events = core
    floor(core, 0)
    assert core.flush()
    monkeypatch.setattr(core.parts.studio, "follow_room", lambda now: None)  # no periodic check to help
    floor(core, 1 << 60)
    core.start_recording()
    assert wait_for(lambda: of(events, RecordingFailed))
    assert availability(events) == [STORAGE_FULL_SHORT]
