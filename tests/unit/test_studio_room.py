"""The studio's free-space check on a disk too full to record: it applies retention by itself (once as
the disk fills, then once a minute while it stays full), so Record comes back where the rules free room;
and the takes the turn detector asks for meanwhile are skipped, said once in the journal."""

from __future__ import annotations

import logging
import time

import pytest

from kiosk.events import EventBus
from kiosk.library import CONSENT_GRANTED, Library, RetentionPolicy
from kiosk.recording.events import RecordingAvailability
from kiosk.recording.recorder import Recorder, RecorderSettings
from kiosk.recording.sinks import LibrarySink
from kiosk.studio import RETENTION_RETRY_S, STORAGE_FULL_SHORT, Studio
from tests.unit.test_library_looks import add

DAY = 86400.0


class FakeRecorder:
    """A disk with room or without (``room``); ``make_room`` counts retention passes and frees room if ``frees``."""

    recording = False
    kept_left = None  # no take kept for the next start is known to wait

    def __init__(self) -> None:
        self.room = True
        self.frees = False
        self.passes = 0

    def room_to_record(self) -> bool:
        return self.room

    def cannot_write(self) -> str:
        return ""

    def make_room(self) -> None:
        self.passes += 1
        if self.frees:
            self.room = True


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


@pytest.fixture
def desk(library):
    """(studio over a fake recorder, the recorder, Record's availability as told to the screen)."""
    bus, told = EventBus(), []
    bus.subscribe(lambda e: told.append(e.why) if isinstance(e, RecordingAvailability) else None)
    recorder = FakeRecorder()
    return Studio(library, recorder, bus, RetentionPolicy()), recorder, told


def test_a_full_disk_applies_retention_as_it_fills_then_once_a_minute_not_every_second(desk):
    studio, recorder, told = desk
    studio.follow_room(0.0)
    assert recorder.passes == 0, "retention with room to spare"
    recorder.room = False  # nothing retention may delete: the disk stays full
    for second in range(1, int(RETENTION_RETRY_S)):
        studio.follow_room(float(second))
    assert recorder.passes == 1 and told == [STORAGE_FULL_SHORT]
    studio.follow_room(1.0 + RETENTION_RETRY_S)
    assert recorder.passes == 2
    recorder.room = True  # store IT freed space
    studio.follow_room(2.0 + RETENTION_RETRY_S)
    recorder.room = False  # full again: a new spell, retention at once
    studio.follow_room(3.0 + RETENTION_RETRY_S)
    assert recorder.passes == 3 and told == [STORAGE_FULL_SHORT, "", STORAGE_FULL_SHORT]


def test_retention_that_frees_room_brings_record_back_by_itself(desk):
    studio, recorder, told = desk
    recorder.room = False
    studio.follow_room(0.0)
    assert studio.record_blocked == STORAGE_FULL_SHORT
    recorder.frees = True  # a look has aged past library.max_age_days meanwhile
    studio.follow_room(RETENTION_RETRY_S / 2)
    assert recorder.passes == 1 and studio.record_blocked == STORAGE_FULL_SHORT
    studio.follow_room(RETENTION_RETRY_S)
    assert recorder.passes == 2 and studio.record_blocked == "" and told == [STORAGE_FULL_SHORT, ""]


def test_retention_that_frees_room_at_once_never_greys_record(desk):
    studio, recorder, told = desk
    recorder.room, recorder.frees = False, True
    studio.follow_room(0.0)
    assert recorder.passes == 1 and studio.record_blocked == "" and told == []


def test_the_check_deletes_only_what_retention_lets_go(library, monkeypatch):
    # The real recorder's retention (the one a refused tap applies), over a real library: a look
    # past library.max_age_days goes; a kept look and the session's look not kept yet stay.
    expired = add(library, session=None, created=time.time() - 40 * DAY)
    kept = add(library, session=None, consent_by="operator")
    current = add(library, session="s1")
    floor = 1 << 30
    recorder = Recorder(None, LibrarySink(library, RetentionPolicy(max_age_s=30 * DAY)), EventBus(),
                        RecorderSettings(min_free_bytes=floor))
    monkeypatch.setattr(recorder, "_free_bytes", lambda: floor if library.find(expired.id) is None else floor - 1)
    studio = Studio(library, recorder, EventBus(), RetentionPolicy(max_age_s=30 * DAY))
    studio.follow_room(0.0)
    assert studio.record_blocked == ""
    assert {look.id for look in library.list()} == {kept.id, current.id}
    assert library.get(kept.id).consent == CONSENT_GRANTED


def test_a_failing_retention_leaves_record_greyed_and_is_tried_again_later(desk, caplog):
    studio, recorder, told = desk
    recorder.room = False

    def broken() -> None:
        recorder.passes += 1
        raise OSError(5, "Input/output error")

    recorder.make_room = broken
    studio.follow_room(0.0)
    studio.follow_room(1.0)
    assert recorder.passes == 1 and told == [STORAGE_FULL_SHORT]
    studio.follow_room(RETENTION_RETRY_S)
    assert recorder.passes == 2
    assert "making room on the disk failed" in caplog.text


def test_turns_skipped_while_record_is_greyed_are_counted_and_said_once_per_spell(desk, caplog):
    studio, recorder, _ = desk
    caplog.set_level(logging.INFO, logger="kiosk.studio")
    recorder.room = False
    studio.follow_room(0.0)
    for _ in range(3):
        studio.skip_take("turn")
    said = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in said] == [
        (logging.INFO, "takes asked for by the turn are skipped while recording is unavailable: Storage full")]
    assert studio.skipped == 3
    recorder.room = True
    studio.follow_room(1.0)
    recorder.room = False
    studio.follow_room(2.0)  # a new spell: said again
    studio.skip_take("turn")
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 2 and studio.skipped == 4
