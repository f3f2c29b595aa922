"""The studio on a disk too full to record: the takes the turn detector asks for meanwhile are
skipped, counted and said once per spell in the journal."""

from __future__ import annotations

import logging

import pytest

from kiosk.events import EventBus
from kiosk.library import Library, RetentionPolicy
from kiosk.recording.events import RecordingAvailability
from kiosk.studio import Studio


class FakeRecorder:
    """A disk with room or without (``room``); ``make_room`` counts retention passes and frees room if ``frees``."""

    def __init__(self) -> None:
        self.room = True
        self.frees = False
        self.passes = 0

    def room_to_record(self) -> bool:
        return self.room

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
