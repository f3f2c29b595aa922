"""A take cut by a full disk (it filled as the take was written, or as it was finished) is kept for
its shopper when her visit's yes is in the library and the take is long enough: its work folder
stays, its lock free, she reads that it is kept, and it is stored as a consented look once there is
room and her visit is over. Without that yes, or too short, or for ``kiosk record --out``, it is
dropped as before: nothing she did not agree to is kept."""

from __future__ import annotations

import errno
import os
import queue
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from hardware.camera_synthetic import SyntheticSource
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.library import CONSENT_GRANTED, Library, RetentionPolicy, store, takes
from kiosk.recording import FileSink, LibrarySink, LookRecorded, Recorder, RecorderSettings, RecordingFailed
from kiosk.recording import finisher
from kiosk.recording.container import FragmentWriter, verify
from kiosk.recording.finisher import DISK_FULL, KEPT_WHEN_ROOM
from kiosk.recording.take import TAKE, lock_if_abandoned
from kiosk.studio import KEPT_RETRY_FIRST_S, STORAGE_FULL_SHORT, Studio
from tests.integration.faults.waiting import wait_until
from tests.unit.test_recorder_faults import next_of
from tests.unit.test_recording_recovery import free_space

ROOM = 1 << 40
FULL = 1000  # bytes free: under ``min_free_bytes``, and too few to finish a take


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """The studio with its real recorder on a synthetic camera; the disk has ``disk.free`` bytes free."""
    disk = SimpleNamespace(free=ROOM)
    free_space(monkeypatch, lambda: disk.free)
    hub, bus, events = FrameHub(), EventBus(), queue.Queue()
    bus.subscribe(events.put)
    source = SyntheticSource(320, 240, 30.0)
    library = Library(tmp_path / "lib").open()
    recorder = Recorder(hub, LibrarySink(library), bus, RecorderSettings(preroll_s=0.5, min_free_bytes=1 << 20),
                        fps=30.0)
    studio = Studio(library, recorder, bus, RetentionPolicy())
    source.start(hub.publish)
    studio.start()
    try:
        yield SimpleNamespace(studio=studio, recorder=recorder, library=library, events=events, disk=disk)
    finally:
        studio.stop()
        source.stop()
        library.close()


def disk_fills(monkeypatch) -> SimpleNamespace:
    """From ``cut.at`` (monotonic) on, the take file's writes fail as on a full disk (ENOSPC)."""
    cut, write = SimpleNamespace(at=None), FragmentWriter.write

    def full(self, packet):
        if cut.at is not None and packet.ts >= cut.at:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(self, packet)

    monkeypatch.setattr(FragmentWriter, "write", full)
    return cut


def take_of_her_visit(mirror, answer: bool | None) -> str:
    """She steps in (and answers, unless ``answer`` is None) and turns: a take of her visit starts."""
    if answer is not None:
        mirror.library.set_session_consent("s1", answer, "card-anna" if answer else None, "2026-11.1")
    mirror.studio.session_started("s1")
    wait_until(lambda: mirror.recorder.stats.encoded > 20, "the pre-roll filled", 15, every=0.02)
    return mirror.studio.begin("turn")


def work_folders(library: Library) -> list[str]:
    return sorted(p.name for p in library.layout.work.iterdir())


@pytest.mark.parametrize("filled", ["as it was written", "as it was finished"])
def test_a_consented_take_cut_by_a_full_disk_is_kept_and_stored_once_there_is_room(mirror, monkeypatch, filled):
    cut = disk_fills(monkeypatch)
    look_id = take_of_her_visit(mirror, True)
    if filled == "as it was written":
        cut.at = time.monotonic() + 2.5  # the take file's writes fail from here (ENOSPC)
    else:  # the free-space check stops the take; there is no room to finish it either
        encoded = mirror.recorder.stats.encoded
        wait_until(lambda: mirror.recorder.stats.encoded >= encoded + 45, "1.5 s recorded", 15, every=0.02)
        mirror.disk.free = FULL
    failed = next_of(mirror.events, RecordingFailed)
    assert (failed.look_id, failed.reason) == (look_id, KEPT_WHEN_ROOM)
    folder = mirror.library.layout.take_dir(look_id)
    assert folder.is_dir() and mirror.library.ids() == set()
    if filled == "as it was written":  # its last fragment torn, as the full disk left it
        with open(folder / TAKE, "r+b") as f:
            f.truncate(os.fstat(f.fileno()).st_size - 2000)
    fd = lock_if_abandoned(folder)  # released: the retry (or start-up) may take it
    assert fd is not None
    os.close(fd)
    assert mirror.recorder.kept_left == 1 and mirror.recorder.unfinished("s1") == 0  # her visit may end
    mirror.disk.free = FULL
    now = time.monotonic()
    mirror.studio.follow_room(now + 1.0)
    assert mirror.studio.record_blocked == STORAGE_FULL_SHORT

    # Her visit ends; nothing forgets her yes meanwhile: not its end, nor the purge of day-old answers.
    mirror.studio.session_ended("s1")
    assert mirror.studio.finalize("s1") == []
    monkeypatch.setattr(store, "SESSION_CONSENT_KEEP_S", 0.0)
    mirror.library.set_session_consent("s2", False)  # the next shopper's answer purges the old ones…
    assert "s1" in takes.sessions(mirror.library.layout)
    assert mirror.library.session_answer("s1") is True  # …but not hers: her take waits in work/

    mirror.studio.follow_room(now + 2.0 + KEPT_RETRY_FIRST_S)  # the retry: no room yet
    wait_until(lambda: mirror.recorder.kept_left is not None, "the kept takes tried", 15, every=0.02)
    assert mirror.recorder.kept_left == 1 and folder.is_dir() and mirror.library.ids() == set()

    mirror.disk.free = ROOM  # store IT freed space
    mirror.studio.follow_room(now + 3.0 + KEPT_RETRY_FIRST_S)  # Record works again: tried at once
    landed = next_of(mirror.events, LookRecorded)
    assert (landed.look_id, landed.session_id) == (look_id, "s1")
    look = mirror.library.get(look_id)
    assert (look.consent, look.customer_id) == (CONSENT_GRANTED, "card-anna")
    assert verify(Path(look.path)).duration_s >= 1.5  # what was written before the disk filled
    assert not folder.exists()
    wait_until(lambda: mirror.recorder.kept_left == 0, "nothing left waiting", 15, every=0.02)


@pytest.mark.parametrize("answer", [None, False], ids=["no answer", "a no"])
def test_a_take_without_a_yes_cut_by_a_full_disk_is_dropped(mirror, monkeypatch, answer):
    cut = disk_fills(monkeypatch)
    look_id = take_of_her_visit(mirror, answer)
    cut.at = time.monotonic() + 1.5
    failed = next_of(mirror.events, RecordingFailed)
    assert (failed.look_id, failed.reason) == (look_id, DISK_FULL)
    assert work_folders(mirror.library) == [] and mirror.library.ids() == set()
    assert mirror.recorder.kept_left is None  # nothing for the retry


@pytest.mark.parametrize("short", ["recorded", "on the disk"])
def test_a_consented_take_too_short_when_the_disk_filled_is_dropped(mirror, monkeypatch, short):
    cut = disk_fills(monkeypatch)
    look_id = take_of_her_visit(mirror, True)
    if short == "recorded":
        cut.at = time.monotonic() + 0.4  # under ``min_s`` (1 s) of her take
    else:  # 1.5 s recorded, but the full disk let one keyframe group of it reach the file
        monkeypatch.setattr(finisher, "whole_s", lambda path: 1.0)
        cut.at = time.monotonic() + 1.5
    failed = next_of(mirror.events, RecordingFailed)
    assert (failed.look_id, failed.reason) == (look_id, DISK_FULL)
    assert work_folders(mirror.library) == [] and mirror.library.ids() == set()
    assert mirror.recorder.kept_left is None


def test_kiosk_record_to_a_file_drops_a_take_cut_by_a_full_disk(tmp_path, monkeypatch):
    cut = disk_fills(monkeypatch)
    hub, bus, events = FrameHub(), EventBus(), queue.Queue()
    bus.subscribe(events.put)
    source = SyntheticSource(320, 240, 30.0)
    sink = FileSink(tmp_path / "look.mp4")
    recorder = Recorder(hub, sink, bus, RecorderSettings(preroll_s=0.0, min_free_bytes=1 << 20), fps=30.0)
    source.start(hub.publish)
    recorder.start()
    try:
        wait_until(lambda: recorder.stats.encoded > 5, "encoding", 15, every=0.02)
        look_id = recorder.begin(consent_by="operator", preroll_s=0.0)  # of no visit: kept in a library
        cut.at = time.monotonic() + 1.5
        failed = next_of(events, RecordingFailed)
        assert (failed.look_id, failed.reason) == (look_id, DISK_FULL)
        assert not (sink.work_root / look_id).exists() and not sink.out.exists()
        assert recorder.kept_left is None
    finally:
        recorder.stop()
        source.stop()
