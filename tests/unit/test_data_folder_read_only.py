"""A data folder the kernel made read-only (an SD card remounted after errors): the shopper reads a
plain sentence, never a path or an error number; Record is greyed while it lasts and comes back by
itself; ``/api/v1/health`` fails its ``data_folder`` check meanwhile.

The read-only mount is simulated by the mount's flag (``statvfs``'s ``ST_RDONLY``, what the kernel
sets), since these tests run as root, whom ``chmod`` does not stop."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from kiosk.events import EventBus
from kiosk.library import Library, RetentionPolicy
from kiosk.net.health_checks import data_folder_check
from kiosk.recording import LibrarySink, Recorder, RecorderSettings, RecordingFailed, RecordingStarted
from kiosk.recording.events import RecordingAvailability
from kiosk.recording.finisher import CANNOT_KEEP, failure_reason
from kiosk.recording.take import Take
from kiosk.storage.writable import unwritable
from kiosk.studio import STORAGE_UNAVAILABLE_SHORT, Studio
from tests.integration.faults.waiting import wait_until
from tests.unit.test_recorder_faults import next_of, rig  # noqa: F401 - the fixture


def read_only(monkeypatch, folder: Path) -> None:
    """The file system holding ``folder`` says it is mounted read-only (everything else is as it is)."""
    real = os.statvfs

    def statvfs(path):
        result = real(path)
        if not Path(path).resolve().is_relative_to(folder.resolve()):
            return result
        fields = list(result)
        fields[8] |= os.ST_RDONLY  # f_flag
        return os.statvfs_result(fields)

    monkeypatch.setattr(os, "statvfs", statvfs)


def erofs(path: Path) -> OSError:
    return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))


def shown_plainly(text: str) -> None:
    assert "Errno" not in text and "/" not in text and "Read-only" not in text, text


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def test_a_read_only_data_folder_greys_record_and_record_comes_back_by_itself(library, monkeypatch, caplog):
    bus, told = EventBus(), []
    bus.subscribe(lambda e: told.append(e.why) if isinstance(e, RecordingAvailability) else None)
    recorder = Recorder(None, LibrarySink(library), bus, RecorderSettings(min_free_bytes=1 << 20))
    studio = Studio(library, recorder, bus, RetentionPolicy())
    studio.follow_room(0.0)
    assert studio.record_blocked == "" and told == []
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="kiosk.studio"):
        read_only(m, library.layout.root)  # there is free space: only writability can grey Record
        for second in range(1, 5):
            studio.follow_room(float(second))
        assert studio.record_blocked == STORAGE_UNAVAILABLE_SHORT and told == [STORAGE_UNAVAILABLE_SHORT]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1 and str(recorder.sink.work_root) in said[0] and "read-only" in said[0], said
    studio.follow_room(5.0)  # remounted read-write: nobody has to tap anything
    assert studio.record_blocked == "" and told == [STORAGE_UNAVAILABLE_SHORT, ""]


def test_a_take_that_cannot_be_written_is_refused_in_plain_words_and_the_journal_has_why(rig, monkeypatch, caplog):  # noqa: F811
    recorder, events = rig
    wait_until(lambda: recorder.stats.encoded > 5, "recorder.stats.encoded > 5", 15, every=0.02)

    def refused(self):
        raise erofs(self.folder)  # as Take.open's mkdir on a read-only SD card

    monkeypatch.setattr(Take, "open", refused)
    with caplog.at_level(logging.WARNING, logger="kiosk.recording.recorder"):
        look_id = recorder.begin(session_id="S1")
        failed = next_of(events, (RecordingFailed, RecordingStarted))
    assert isinstance(failed, RecordingFailed) and failed.look_id == look_id
    assert failed.reason == CANNOT_KEEP
    shown_plainly(failed.reason)
    logged = [r.getMessage() for r in caplog.records if look_id in r.getMessage()]
    assert logged and "Read-only file system" in logged[0] and str(recorder.sink.work_root) in logged[0], logged
    wait_until(lambda: not recorder.recording, "not recorder.recording", 15, every=0.02)


def test_a_take_cut_short_by_a_read_only_card_is_told_without_its_path(tmp_path):
    reason = failure_reason(erofs(tmp_path / "work" / "take" / "take.mp4"))
    assert reason.endswith(CANNOT_KEEP)
    shown_plainly(reason)


def test_the_health_check_fails_while_the_data_folder_is_read_only(tmp_path, monkeypatch):
    data = tmp_path / "lib"
    data.mkdir()
    assert data_folder_check(data).ok
    with monkeypatch.context() as m:
        read_only(m, data)
        check = data_folder_check(data)
        assert not check.ok and str(data) in check.detail and "read-only file system" in check.detail
    assert data_folder_check(data).ok


def test_a_folder_not_made_yet_is_judged_by_the_one_it_would_be_made_in(tmp_path, monkeypatch):
    assert unwritable(tmp_path / "lib" / "work") == ""
    read_only(monkeypatch, tmp_path)
    assert unwritable(tmp_path / "lib" / "work") == "it is on a read-only file system"


@pytest.fixture
def core(tmp_path):
    from kiosk.wiring import build_core
    from tests.unit._cores import CAMERA, core_config

    config = core_config(tmp_path, api=True)
    core = build_core(config, CAMERA, network=True)
    told: list[str] = []
    core.bus.subscribe(lambda e: told.append(e.why) if isinstance(e, RecordingAvailability) else None)
    core.start()
    yield core, Path(config.library.data_dir), told
    core.stop()


def test_the_running_mirror_greys_record_and_fails_its_health_while_the_data_folder_is_read_only(core, monkeypatch):
    import httpx

    core, data, told = core
    url = core.parts.network.url + "/api/v1/health"
    assert httpx.get(url).json()["checks"]["data_folder"]["ok"]
    with monkeypatch.context() as m:
        read_only(m, data)
        wait_until(lambda: told == [STORAGE_UNAVAILABLE_SHORT], "Record greyed", 15, every=0.05)
        health = httpx.get(url).json()
        assert health["status"] == "degraded" and not health["checks"]["data_folder"]["ok"]
        assert any(p.startswith("data_folder: ") and "read-only" in p for p in health["problems"]), health["problems"]
        assert health["checks"]["disk"]["ok"], "the disk check alone says nothing: there is free space"
    wait_until(lambda: told == [STORAGE_UNAVAILABLE_SHORT, ""], "Record offered again", 15, every=0.05)
    assert httpx.get(url).json()["checks"]["data_folder"]["ok"]
