"""Record is offered only while a take can start: with the disk below ``recording.min_free_mb`` the
core says why (the screen greys the button with it), and offers it again by itself once there is room;
meanwhile the turn detector's takes are not tried (the shopper is told once, not at each turn);
and the card reader's notice points to Keep only where there is a look to keep."""

from __future__ import annotations

import dataclasses

from kiosk.effects import STORAGE_FULL
from kiosk.events import Notice
from kiosk.identity.events import ReaderStateChanged
from kiosk.recording.events import LookRecorded, RecordingAvailability, RecordingFailed, RecordingStarted, TakeRequested
from kiosk.studio import STORAGE_FULL_SHORT
from tests.unit.test_core_intents import core, of, recorded, session_id, wait_for  # noqa: F401 - the fixture

DOWN = ReaderStateChanged(state="unavailable", reason="card reader /dev/ttyUSB0 disconnected", protocol="pn532")
KEEP = "The card reader is not working right now. You can still keep your looks: tap Keep while one plays."


def floor(core, min_free_bytes: int) -> None:
    """Set the recorder's free-space floor: 1 << 60 reads as a full disk, 0 as plenty of room."""
    recorder = core.parts.studio._recorder
    recorder.settings = dataclasses.replace(recorder.settings, min_free_bytes=min_free_bytes)


def availability(events) -> list[str]:
    return [e.why for e in of(events, RecordingAvailability)]


def told(core, events) -> list[str]:
    assert core.flush()
    return [n.text for n in of(events, Notice) if "card reader" in n.text]


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


def test_with_record_greyed_a_turn_starts_no_take_and_tells_the_shopper_nothing(core):  # noqa: F811
    core, events = core
    floor(core, 1 << 60)
    assert wait_for(lambda: availability(events) == [STORAGE_FULL_SHORT])
    core.touch()
    session_id(core)
    for _ in range(3):
        core.bus.emit(TakeRequested(reason="turn"))
    assert core.flush()
    assert not of(events, RecordingFailed) and not of(events, RecordingStarted)
    assert core.parts.studio.skipped == 3
    core.start_recording()  # a tap on the greyed Record still gets the whole sentence
    assert wait_for(lambda: of(events, RecordingFailed))
    assert [e.reason for e in of(events, RecordingFailed)] == [STORAGE_FULL]


def test_turns_on_a_disk_that_has_just_filled_are_told_once(core, monkeypatch):  # noqa: F811
    core, events = core
    floor(core, 0)
    core.touch()
    session_id(core)
    monkeypatch.setattr(core.parts.studio, "follow_room", lambda now: None)  # the first turn finds out
    floor(core, 1 << 60)
    for _ in range(3):
        core.bus.emit(TakeRequested(reason="turn"))
    assert core.flush()
    assert [e.reason for e in of(events, RecordingFailed)] == [STORAGE_FULL]
    assert availability(events) == [STORAGE_FULL_SHORT] and core.parts.studio.skipped == 2


def test_with_the_disk_full_the_reader_notice_does_not_point_to_keep(core):  # noqa: F811
    core, events = core
    floor(core, 1 << 60)
    assert wait_for(lambda: availability(events) == [STORAGE_FULL_SHORT])
    core.bus.emit(DOWN)
    core.touch()
    session_id(core)
    assert told(core, events) == ["The card reader is not working right now."]


def test_a_look_recorded_before_the_disk_filled_can_still_be_kept(core):  # noqa: F811
    core, events = core
    floor(core, 0)
    core.touch()
    recorded(core, events)
    assert of(events, LookRecorded)
    floor(core, 1 << 60)
    assert wait_for(lambda: availability(events) == [STORAGE_FULL_SHORT])
    core.bus.emit(DOWN)
    assert told(core, events) == [KEEP]


def test_a_mirror_that_starts_on_a_full_disk_never_offers_record(tmp_path):
    from kiosk.config import Config
    from kiosk.wiring import build_core

    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    config.recording.min_free_mb = 1_000_000
    core = build_core(config, "synthetic:?width=320&height=240&fps=15")
    try:
        core.start()
        assert core.parts.studio.record_blocked == STORAGE_FULL_SHORT  # before the core's first tick
    finally:
        core.stop()
