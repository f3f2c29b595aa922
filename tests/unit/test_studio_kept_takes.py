"""A take kept for the next start (start-up could not store it: a full disk, a locked database) is stored
while the mirror runs, once it can be: at once when Record works again, else every few minutes. Only a
take certainly to be kept, in an abandoned work folder; nothing is deleted on the way."""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.library import CONSENT_GRANTED, Library, RetentionPolicy
from kiosk.recording import LibrarySink, LookRecorded, Recorder, RecorderSettings
from kiosk.recording import sinks
from kiosk.recording.recovery import store_kept
from kiosk.recording.take import lock_if_abandoned
from kiosk.studio import KEPT_RETRY_MAX_S, STORAGE_FULL_SHORT, Studio
from tests.integration.faults.waiting import wait_until
from tests.unit.test_recorder_faults import next_of
from tests.unit.test_recording_recovery import crashed_take, free_space

ROOM = 1 << 40


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


@contextmanager
def running(library: Library, monkeypatch):
    """The mirror started on a disk too full to finish a take (its free space is ``disk.free``): the
    studio, its real recorder (no camera needed), every bus event, and the time start-up ended."""
    disk = SimpleNamespace(free=1000)
    free_space(monkeypatch, lambda: disk.free)
    bus, events = EventBus(), queue.Queue()
    bus.subscribe(events.put)
    recorder = Recorder(FrameHub(), LibrarySink(library), bus, RecorderSettings(min_free_bytes=1 << 20))
    studio = Studio(library, recorder, bus, RetentionPolicy())
    studio.start()
    try:
        yield SimpleNamespace(studio=studio, recorder=recorder, events=events, disk=disk, started=time.monotonic())
    finally:
        studio.stop()


def snapshot(folders: list[Path]) -> dict:
    """Every file of the work folders, by name, with a digest of its bytes."""
    return {f"{folder.name}/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders for path in sorted(folder.iterdir())}


def looks_recorded(events: queue.Queue) -> list[str]:
    seen = []
    while not events.empty():
        event = events.get_nowait()
        if isinstance(event, LookRecorded):
            seen.append(event.look_id)
    return seen


def test_a_consented_kept_take_is_stored_while_the_mirror_runs_once_room_returns(library, monkeypatch, caplog):
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    look_id = crashed_take(library, 2.0, session="s1")
    caplog.set_level(logging.INFO, logger="kiosk.recording.recovery")
    with running(library, monkeypatch) as mirror:
        assert library.layout.take_dir(look_id).is_dir() and library.ids() == set()
        assert mirror.studio.record_blocked == STORAGE_FULL_SHORT
        mirror.disk.free = ROOM  # store IT freed space; nobody restarts the mirror
        mirror.studio.follow_room(mirror.started + 2.0)
        assert mirror.studio.record_blocked == ""
        landed = next_of(mirror.events, LookRecorded)  # as a freshly finished take is told: the tablets hear of it
        assert (landed.look_id, landed.session_id) == (look_id, "s1")
        look = library.get(look_id)
        assert (look.consent, look.customer_id, look.consent_wording) == (CONSENT_GRANTED, "card-anna", "2026-11.1")
        assert landed.path == look.path and Path(look.path).is_file()
        assert not library.layout.take_dir(look_id).exists()
        wait_until(lambda: mirror.recorder.kept_left == 0, "nothing left waiting", 15, every=0.02)
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("kept recording")]
    assert said == [f"kept recording {look_id} stored now"]
    assert "card-anna" not in caplog.text


def test_only_takes_certainly_kept_are_stored_and_nothing_is_deleted(library, monkeypatch):
    library.set_session_consent("s-live", True, "card-anna", "2026-11.1")
    live = crashed_take(library, 2.0, session="s-live")
    carried = crashed_take(library, 2.0, session="s-lost", consent_by="customer")  # its visit's answer is gone
    with running(library, monkeypatch) as mirror:
        mirror.studio.session_started("s-live")  # she is back in front of the mirror: her answer may change
        # Takes the recorder's thread could not finish, left in work/ while the mirror runs:
        unanswered = crashed_take(library, 2.0, session="s-none")
        library.set_session_consent("s-no", False)
        refused = crashed_take(library, 2.0, session="s-no")
        others = [library.layout.take_dir(i) for i in (carried, unanswered, refused)]
        before = snapshot([library.layout.take_dir(live), *others])
        mirror.disk.free = ROOM
        mirror.studio.follow_room(mirror.started + 2.0)
        wait_until(lambda: mirror.recorder.kept_left is not None, "the kept takes tried", 15, every=0.02)
        assert mirror.recorder.kept_left == 1, "her visit's take waits for its end"
        assert snapshot([library.layout.take_dir(live), *others]) == before
        assert library.ids() == set() and looks_recorded(mirror.events) == []
        mirror.studio.session_ended("s-live")
        mirror.studio.follow_room(mirror.started + 3.0 + KEPT_RETRY_MAX_S)  # the next try
        assert next_of(mirror.events, LookRecorded).look_id == live
        wait_until(lambda: mirror.recorder.kept_left == 0, "nothing left waiting", 15, every=0.02)
        assert library.ids() == {live} and library.get(live).consent == CONSENT_GRANTED
        assert snapshot(others) == {k: v for k, v in before.items() if not k.startswith(live)}


def test_a_kept_take_of_the_visit_in_front_of_the_mirror_is_stored_as_soon_as_the_visit_ends(library, monkeypatch):
    # Not after the backoff (up to KEPT_RETRY_MAX_S): the mirror may stand idle for hours after.
    library.set_session_consent("s-live", True, "card-anna", "2026-11.1")
    live = crashed_take(library, 2.0, session="s-live")
    with running(library, monkeypatch) as mirror:
        mirror.studio.session_started("s-live")
        mirror.disk.free = ROOM
        mirror.studio.follow_room(mirror.started + 2.0)
        wait_until(lambda: mirror.recorder.kept_left is not None, "the kept takes tried", 15, every=0.02)
        assert mirror.recorder.kept_left == 1 and library.ids() == set(), "her visit's take waits for its end"
        mirror.studio.follow_room(mirror.started + 4.0)  # the backoff's next try is a minute or more away
        assert library.ids() == set()
        mirror.studio.session_ended("s-live")
        mirror.studio.follow_room(mirror.started + 6.0)  # the next look at the data folder, a second or two on
        assert next_of(mirror.events, LookRecorded).look_id == live
        wait_until(lambda: mirror.recorder.kept_left == 0, "nothing left waiting", 15, every=0.02)
        assert library.ids() == {live}


def test_a_kept_take_whose_folder_is_locked_is_left_alone(library):
    look_id = crashed_take(library, 2.0, consent_by="operator")
    folder = library.layout.take_dir(look_id)
    before = snapshot([folder])
    holder = lock_if_abandoned(folder)  # a recorder (or the finisher) working on it
    assert holder is not None
    try:
        kept = store_kept(library)
        assert (kept.stored, kept.waiting) == ([], 0)
        assert snapshot([folder]) == before and library.ids() == set()
    finally:
        os.close(holder)
    assert [look.id for look in store_kept(library).stored] == [look_id]
    assert library.get(look_id).consent_by == "operator" and not folder.exists()


def test_the_recorder_thread_survives_a_failing_try_says_so_and_tries_again(library, monkeypatch, caplog):
    look_id = crashed_take(library, 2.0, consent_by="operator")
    real, calls = sinks.store_kept, []

    def broken_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("injected fault")
        return real(*args, **kwargs)

    with running(library, monkeypatch) as mirror:
        monkeypatch.setattr(sinks, "store_kept", broken_once)
        mirror.disk.free = ROOM
        mirror.studio.follow_room(mirror.started + 2.0)
        wait_until(lambda: mirror.recorder.kept_left is not None, "the kept takes tried", 15, every=0.02)
        assert mirror.recorder.kept_left == 1 and library.ids() == set()
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert [r.getMessage() for r in errors] == ["storing the recordings kept for the next start failed"]
        mirror.studio.follow_room(mirror.started + 3.0 + KEPT_RETRY_MAX_S)
        wait_until(lambda: library.find(look_id) is not None, "the kept take stored", 15, every=0.02)
        assert not library.layout.take_dir(look_id).exists() and len(calls) == 2
