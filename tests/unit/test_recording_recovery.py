"""Recovery: every way a crash can leave a take, and the consistency it restores."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.library import CONSENT_GRANTED, Library
from kiosk.library import store
from kiosk.recording.container import verify
from kiosk.recording.recovery import recover
from kiosk.recording.take import FINAL, LOCK, META, TAKE, TakeMeta, finish, lock_if_abandoned
from tests.unit.test_recording_media import FPS, H, W, encode, write_take


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def crashed_take(library: Library, seconds: float, session: str | None = None, consent_by: str | None = None) -> str:
    """A work folder as a killed recorder leaves it: metadata, a fragmented take, a free lock."""
    look_id = library.new_id()
    folder = library.layout.take_dir(look_id)
    folder.mkdir(parents=True)
    meta = TakeMeta(look_id, time.time(), W, H, FPS, "turn", session, None, consent_by)
    (folder / META).write_text(json.dumps(asdict(meta)))
    (folder / LOCK).touch()
    write_take(folder / TAKE, encode([i / FPS for i in range(round(seconds * FPS))]))
    return look_id


def assert_consistent(library: Library) -> None:
    """Every row has its files, every file has its row, and no work is left behind."""
    ids = library.ids()
    for look in library.list():
        assert all(Path(p).is_file() for p in (look.path, look.poster_path, look.strip_path))
        verify(Path(look.path))
    for path in library.layout.looks.iterdir():
        assert path.name.split(".")[0] in ids, f"orphan file {path.name}"


def test_interrupted_take_with_enough_video_is_salvaged(library):
    look_id = crashed_take(library, 2.0)
    report = recover(library)
    assert report.salvaged == [look_id]
    look = library.get(look_id)
    assert look.duration_s == pytest.approx(2.0, abs=1 / FPS)
    assert (look.session_id, look.reason, look.width) == (None, "turn", W)
    assert not library.layout.take_dir(look_id).exists()
    assert_consistent(library)


def test_too_short_take_is_removed(library):
    look_id = crashed_take(library, 0.5)
    report = recover(library)
    assert report.removed_takes == [look_id] and library.ids() == set()
    assert list(library.layout.work.iterdir()) == [] and list(library.layout.looks.iterdir()) == []


def test_crash_between_rename_and_row_adopts_the_video(library):
    look_id = crashed_take(library, 1.5)
    folder = library.layout.take_dir(look_id)
    new = finish(folder, json_meta(folder), 0.0, stills=True)
    os.replace(new.video, library.layout.video(look_id))  # moved into place, row never committed
    report = recover(library)
    assert report.salvaged == [look_id]
    assert library.get(look_id).duration_s == pytest.approx(1.5, abs=1 / FPS)
    assert_consistent(library)


def test_leftover_work_folder_of_a_stored_look_is_tidied(library):
    look_id = crashed_take(library, 1.5)
    folder = library.layout.take_dir(look_id)
    library.add_look(finish(folder, json_meta(folder), 0.0, stills=True))  # crash before rmtree
    report = recover(library)
    assert report.salvaged == [] and report.removed_takes == []
    assert not folder.exists() and library.ids() == {look_id}
    assert_consistent(library)


def test_unreadable_leftovers_are_removed(library):
    no_meta = library.layout.take_dir(library.new_id())
    no_meta.mkdir()
    (no_meta / TAKE).write_bytes(b"\x00" * 100)
    junk_take = crashed_take(library, 2.0)
    (library.layout.take_dir(junk_take) / TAKE).write_bytes(b"garbage" * 100)
    (library.layout.work / "stray.tmp").write_text("x")
    report = recover(library)
    assert sorted(report.removed_takes) == sorted([no_meta.name, junk_take])
    assert list(library.layout.work.iterdir()) == []


def test_rows_without_video_and_files_without_rows_are_removed(library):
    kept = crashed_take(library, 1.5)
    recover(library)
    lost = crashed_take(library, 1.5)
    recover(library)
    library.layout.video(lost).unlink()  # someone deleted the video by hand
    (library.layout.looks / "Zz0123456789abcdefghij.mp4").write_bytes(b"x")
    (library.layout.looks / f"{kept}.json.part").write_bytes(b"{")  # a record cut off mid-write
    report = recover(library)
    assert report.missing_rows == [lost]
    assert report.orphan_files == ["Zz0123456789abcdefghij.mp4"]
    assert not (library.layout.looks / f"{kept}.json.part").exists()
    assert library.ids() == {kept}
    assert_consistent(library)


def test_a_take_still_being_recorded_is_left_alone(library):
    look_id = crashed_take(library, 1.5)
    folder = library.layout.take_dir(look_id)
    holder = lock_if_abandoned(folder)  # the live recorder's lock
    assert holder is not None
    try:
        assert lock_if_abandoned(folder) is None
        report = recover(library)
        assert report.busy == [look_id]
        assert (folder / TAKE).exists()
    finally:
        os.close(holder)
    assert recover(library).salvaged == [look_id]


def json_meta(folder: Path) -> TakeMeta:
    return TakeMeta(**json.loads((folder / META).read_text()))


def test_final_file_left_in_work_is_reused(library):
    look_id = crashed_take(library, 1.5)
    folder = library.layout.take_dir(look_id)
    finish(folder, json_meta(folder), 0.0, stills=False)
    (folder / TAKE).unlink()  # only the finished file survived
    assert (folder / FINAL).exists()
    assert recover(library).salvaged == [look_id]
    assert_consistent(library)


# -- consent: a take of a shopper's session is kept only after their yes ---------------------------


def test_a_take_of_a_session_without_a_yes_is_not_kept(library):
    look_id = crashed_take(library, 2.0, session="s1")
    report = recover(library)
    assert report.unconsented == [look_id] and report.salvaged == []
    assert library.ids() == set() and list(library.layout.work.iterdir()) == []
    assert list(library.layout.looks.iterdir()) == []


def test_a_take_of_a_session_that_said_yes_comes_back_kept_and_tied_to_the_card(library):
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    look_id = crashed_take(library, 2.0, session="s1")
    assert recover(library).salvaged == [look_id]
    look = library.get(look_id)
    assert (look.consent, look.consent_by, look.customer_id, look.consent_wording) == (
        CONSENT_GRANTED, "customer", "card-anna", "2026-11.1")
    assert library.end_stale_sessions() == []  # start-up keeps it
    assert library.ids() == {look_id}


def test_an_operator_take_is_kept_without_a_session(library):
    look_id = crashed_take(library, 2.0, session="s9", consent_by="operator")
    assert recover(library).salvaged == [look_id]
    assert library.get(look_id).consent_by == "operator"


# -- a take that cannot be stored now is kept for the next run ------------------------------------


def start_up(library: Library, policy=None) -> None:
    """Start-up as the mirror runs it (Studio.start): recover, end stale sessions, retention."""
    from types import SimpleNamespace

    from kiosk.events import EventBus
    from kiosk.library.retention import RetentionPolicy
    from kiosk.studio import Studio

    recorder = SimpleNamespace(start=lambda: None, room_to_record=lambda: True, cannot_write=lambda: "", kept_left=None)
    Studio(library, recorder, EventBus(), policy or RetentionPolicy()).start()


def free_space(monkeypatch, free) -> None:
    """The disk reports ``free()`` bytes free (as the SD card of a mirror that filled up would)."""
    import shutil

    import kiosk.recording.container as container

    real = shutil.disk_usage
    monkeypatch.setattr(container.shutil, "disk_usage", lambda path: real(path)._replace(free=free()))


def test_a_failed_store_keeps_the_take_for_the_next_run(library, monkeypatch):
    look_id = crashed_take(library, 2.0)
    real_insert = store.insert
    calls = []

    def locked_once(conn, row):
        calls.append(row["id"])
        if len(calls) == 1:  # the files are in looks/ by now; the row cannot be written
            raise sqlite3.OperationalError("database is locked")
        real_insert(conn, row)

    monkeypatch.setattr(store, "insert", locked_once)
    first = recover(library)
    assert first.kept_for_retry == [look_id] and first.salvaged == [] and first.orphan_files == []
    assert library.ids() == set() and library.layout.take_dir(look_id).is_dir()
    second = recover(library)
    assert second.salvaged == [look_id] and second.kept_for_retry == [] and calls == [look_id, look_id]
    assert library.get(look_id).duration_s == pytest.approx(2.0, abs=1 / FPS)
    assert_consistent(library)
    assert list(library.layout.work.iterdir()) == []


def test_a_full_disk_while_finishing_keeps_the_take(library, monkeypatch):
    look_id = crashed_take(library, 2.0)
    import kiosk.recording.recovery as recovery

    def disk_full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recovery, "finish", disk_full)
    assert recover(library).kept_for_retry == [look_id]
    monkeypatch.undo()
    assert recover(library).salvaged == [look_id]
    assert_consistent(library)


def test_a_disk_without_room_for_the_copy_keeps_a_consented_take(library, monkeypatch):
    # The copy's free-space check said so as a MediaError, which recovery takes for an unreadable
    # take: a take its shopper had said yes to was deleted because the disk was full.
    import hashlib
    import shutil

    import kiosk.recording.container as container

    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    look_id = crashed_take(library, 2.0, session="s1")
    take = library.layout.take_dir(look_id) / TAKE
    digest = hashlib.sha256(take.read_bytes()).hexdigest()
    real = shutil.disk_usage
    monkeypatch.setattr(container.shutil, "disk_usage", lambda path: real(path)._replace(free=0))
    report = recover(library)
    assert report.kept_for_retry == [look_id] and report.removed_takes == []
    assert hashlib.sha256(take.read_bytes()).hexdigest() == digest
    assert not (take.parent / FINAL).exists()
    monkeypatch.undo()
    assert recover(library).salvaged == [look_id]
    assert library.get(look_id).consent == CONSENT_GRANTED
    assert_consistent(library)


def test_a_consented_take_kept_for_the_next_start_keeps_its_yes_through_start_up(library, monkeypatch):
    # Start-up (Studio.start) recovers, then ends the sessions the crash cut short, dropping
    # their answers: not the answer a take kept for the next start still needs.
    import kiosk.recording.recovery as recovery

    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    library.set_session_consent("s2", True, "card-bob", "2026-11.1")  # a session with nothing waiting
    look_id = crashed_take(library, 2.0, session="s1")

    def disk_full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recovery, "finish", disk_full)
    start_up(library)
    assert library.layout.take_dir(look_id).is_dir() and library.session_consented("s1")
    assert not library.session_consented("s2")
    monkeypatch.undo()
    start_up(library)  # room again
    look = library.get(look_id)
    assert (look.consent, look.customer_id) == (CONSENT_GRANTED, "card-anna")
    assert not library.session_consented("s1"), "once stored, its answer goes like any other"
    assert_consistent(library)


def test_a_disk_too_full_to_finish_a_consented_take_keeps_it_for_a_later_start(library, monkeypatch):
    # Finishing is not begun without room for the copy (remux_faststart); that refusal is a full
    # disk, not an unreadable take: a power cut on a nearly full card must not cost a kept look.
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    kept = crashed_take(library, 1.5, consent_by="operator")
    assert recover(library).salvaged == [kept]
    look_id = crashed_take(library, 2.0, session="s1")
    free_space(monkeypatch, lambda: 1000)
    first = recover(library)
    assert (first.kept_for_retry, first.removed_takes, first.salvaged) == ([look_id], [], [])
    assert "kept for the next try" in first.summary() and "1 too short" not in first.summary()
    start_up(library)  # still full at the next start: kept again, its shopper's yes with it
    assert library.layout.take_dir(look_id).is_dir() and library.session_consented("s1")
    assert library.ids() == {kept}
    monkeypatch.undo()
    start_up(library)  # room again
    look = library.get(look_id)
    assert (look.consent, look.customer_id) == (CONSENT_GRANTED, "card-anna")
    assert look.duration_s == pytest.approx(2.0, abs=1 / FPS)
    assert library.ids() == {kept, look_id}
    assert list(library.layout.work.iterdir()) == []
    assert_consistent(library)


def test_start_up_on_a_full_disk_applies_retention_then_finishes_the_take(library, monkeypatch):
    # Retention makes room by its own rules (here a look past the age limit); it deletes stored
    # looks only, never a take in work/, which is then finished in the same start.
    from kiosk.library.retention import RetentionPolicy

    old = crashed_take(library, 1.5, consent_by="operator")
    kept = crashed_take(library, 1.5, consent_by="operator")
    assert sorted(recover(library).salvaged) == sorted([old, kept])
    with library._db.transaction() as conn:
        conn.execute("UPDATE looks SET created = ? WHERE id = ?", (time.time() - 40 * 86400, old))
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    look_id = crashed_take(library, 2.0, session="s1")
    old_video = library.layout.video(old)
    free_space(monkeypatch, lambda: 1000 if old_video.exists() else 1 << 40)
    start_up(library, RetentionPolicy(max_age_s=30 * 86400.0))
    assert library.ids() == {kept, look_id}
    assert library.get(look_id).consent == CONSENT_GRANTED
    assert not library.session_consented("s1"), "once stored, its answer goes like any other"
    assert list(library.layout.work.iterdir()) == []
    assert_consistent(library)


def a_day_later(monkeypatch, seconds: float = 86400.0 + 60.0) -> None:
    """The library's clock (its answers' times) moves on by ``seconds``."""
    import kiosk.library.library as library_module

    later = time.time() + seconds
    monkeypatch.setattr(library_module, "time", SimpleNamespace(time=lambda: later))


def keep_for_the_next_start(library: Library, monkeypatch) -> None:
    """Start-up on a disk too full to finish any take: each is kept in work/ for the next start."""
    import kiosk.recording.recovery as recovery

    def disk_full(*_a, **_k):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(recovery, "finish", disk_full)
        start_up(library)


def test_a_take_waiting_a_day_for_room_keeps_its_shoppers_yes(library, monkeypatch):
    # Every answer purged the answers over a day old, the one start-up kept for a take still
    # waiting in work/ too: at the next start that take was deleted as unconsented.
    library.set_session_consent("s-waiting", True, "card-anna", "2026-11.1")
    look_id = crashed_take(library, 2.0, session="s-waiting")
    keep_for_the_next_start(library, monkeypatch)
    assert library.layout.take_dir(look_id).is_dir()
    a_day_later(monkeypatch)
    library.set_session_consent("s-next", False)  # the next shopper's answer, a day on
    library.set_session_consent("s-other", True, "card-bob")
    assert library.session_consented("s-waiting")
    a_day_later(monkeypatch, 2 * 86400.0 + 120.0)
    library.set_session_consent("s-later", False)
    assert not library.session_consented("s-other"), "an answer with nothing waiting still goes after a day"
    start_up(library)  # room again
    look = library.get(look_id)
    assert (look.consent, look.customer_id, look.consent_wording) == (CONSENT_GRANTED, "card-anna", "2026-11.1")
    assert list(library.layout.work.iterdir()) == []
    assert_consistent(library)


def test_a_waiting_take_carries_the_yes_given_during_it(library, monkeypatch):
    # The yes is written into the take's metadata: it is stored as consented even when its
    # session's answer is no longer in the database (here: lost with a damaged database).
    look_id = crashed_take(library, 2.0, session="s1")
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    meta = json.loads((library.layout.take_dir(look_id) / META).read_text())
    assert (meta["consent_by"], meta["customer_id"]) == ("customer", "card-anna")
    keep_for_the_next_start(library, monkeypatch)
    with library._db.transaction() as conn:
        conn.execute("DELETE FROM session_consent")
    start_up(library)
    look = library.get(look_id)
    assert (look.consent, look.consent_by, look.customer_id) == (CONSENT_GRANTED, "customer", "card-anna")
    assert_consistent(library)


@pytest.mark.parametrize("lost", [False, True], ids=["answer-kept", "answer-lost"])
def test_a_no_after_the_yes_a_take_carries_still_deletes_it(library, lost):
    # The take started after the yes and carries it; the shopper then took it back while the
    # finisher held it (a waiting take nobody holds goes at once: the test above), and the kiosk
    # stopped before it landed.
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    look_id = crashed_take(library, 2.0, session="s1", consent_by="customer")
    fd = lock_if_abandoned(library.layout.take_dir(look_id))
    library.set_session_consent("s1", False)
    os.close(fd)
    meta = json.loads((library.layout.take_dir(look_id) / META).read_text())
    assert (meta["consent_by"], meta["customer_id"]) == (None, None)
    if lost:
        with library._db.transaction() as conn:
            conn.execute("DELETE FROM session_consent")
    report = recover(library)
    assert report.unconsented == [look_id] and library.ids() == set()
    assert list(library.layout.work.iterdir()) == [] and list(library.layout.looks.iterdir()) == []


def test_forget_me_deletes_a_waiting_take_that_carries_their_yes(library, monkeypatch):
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    waiting = crashed_take(library, 2.0, session="s1", consent_by="customer")
    keep_for_the_next_start(library, monkeypatch)
    library.forget_customer("card-anna")
    # Its metadata written just after the forget (a recorder opening its take): the session's
    # answer, now a no tied to nobody, still wins over the yes it carries.
    late = crashed_take(library, 2.0, session="s1", consent_by="customer")
    with library._db.reading() as conn:
        assert [tuple(row) for row in conn.execute("SELECT session_id, consent, customer_id FROM session_consent")] \
            == [("s1", "none", None)]
    start_up(library)
    assert library.ids() == set() and list(library.layout.work.iterdir()) == []
    assert late not in library.ids() and waiting not in library.ids()
    with library._db.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM session_consent").fetchone()[0] == 0


def test_a_take_started_after_the_yes_carries_it(library):
    from kiosk.events import EventBus
    from kiosk.library.retention import RetentionPolicy
    from kiosk.studio import Studio

    begun = []
    recorder = SimpleNamespace(begin=lambda **kw: begun.append(kw) or "look")
    studio = Studio(library, recorder, EventBus(), RetentionPolicy())
    studio.session_started("s1")
    studio.begin("turn")
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    studio.begin("turn")
    assert [kw.get("consent_by") for kw in begun] == [None, "customer"]
    assert begun[1]["customer_id"] == "card-anna" and begun[1]["session_id"] == "s1"


# -- videos without a row ---------------------------------------------------------------------------


def test_a_video_without_a_row_comes_back_from_its_record_file(library):
    look_id = crashed_take(library, 1.5, consent_by="operator")
    recover(library)
    before = library.get(look_id)
    with library._db.transaction() as conn:
        conn.execute("DELETE FROM looks")  # the row was lost, the files and the record are there
    report = recover(library)
    assert report.adopted == [look_id] and report.orphan_files == []
    assert library.get(look_id) == before
    assert_consistent(library)


def durable_writes(monkeypatch) -> list[tuple]:
    """The fsyncs and renames made from now on, in order: ("fsync", what the fd is) / ("replace", target name)."""
    log: list[tuple] = []
    fsync, replace = os.fsync, os.replace

    def traced_fsync(fd):
        log.append(("fsync", os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1]))
        return fsync(fd)

    def traced_replace(src, dst, **kw):
        log.append(("replace", Path(src).name, Path(dst).name))
        return replace(src, dst, **kw)

    monkeypatch.setattr(os, "fsync", traced_fsync)
    monkeypatch.setattr(os, "replace", traced_replace)
    return log


def test_the_yes_written_into_a_waiting_take_survives_a_power_cut(library, monkeypatch):
    # Recovery after a power cut knows the take's yes only from its meta.json when the session's
    # answer is lost: written to a side file, flushed, renamed, and the folder flushed.
    look_id = crashed_take(library, 2.0, session="s1")
    log = durable_writes(monkeypatch)
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    mine = [entry for entry in log if entry[0] == "replace" and entry[2] == META]
    assert mine, log
    at = log.index(mine[0])
    assert ("fsync", META + ".part") in log[:at], "the yes must be on disk before it replaces the old metadata"
    assert ("fsync", look_id) in log[at:], "the rename must be on disk too"
    meta = json.loads((library.layout.take_dir(look_id) / META).read_text())
    assert (meta["consent_by"], meta["customer_id"]) == ("customer", "card-anna")
    assert not (library.layout.take_dir(look_id) / (META + ".part")).exists()


def test_a_new_takes_metadata_is_on_disk_before_its_video(library, monkeypatch):
    from kiosk.recording.take import Take
    log = durable_writes(monkeypatch)
    look_id = library.new_id()
    take = Take(library.layout.take_dir(look_id), TakeMeta(look_id, time.time(), W, H, FPS, "turn", "s1", None, None))
    take.open()
    try:
        assert log[:3] == [("fsync", META + ".part"), ("replace", META + ".part", META), ("fsync", look_id)], log
        assert json.loads((take.folder / META).read_text())["session_id"] == "s1"
    finally:
        take.discard()


@pytest.mark.parametrize("how", ["no", "forget-me"])
def test_a_waiting_take_goes_at_once_when_its_shopper_takes_her_yes_back(library, how):
    # A take a full disk (or a locked database) left waiting in work/ for room was kept there until
    # the next start after she said no or asked to be forgotten: weeks on a mirror.
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    waiting = crashed_take(library, 2.0, session="s1", consent_by="customer")
    held = crashed_take(library, 2.0, session="s1", consent_by="customer")
    other = crashed_take(library, 2.0, session="s2", consent_by="customer")
    fd = lock_if_abandoned(library.layout.take_dir(held))  # the finisher is working on this one
    try:
        if how == "no":
            library.set_session_consent("s1", False)
            assert library.layout.take_dir(waiting).is_dir(), "not before her no is saved in the directory too"
            library.drop_waiting("s1")  # the studio, told the no was saved (core: ConsentChanged)
        else:
            library.forget_customer("card-anna")
        assert not library.layout.take_dir(waiting).exists(), "nothing of hers kept till the next start"
        assert library.layout.take_dir(held).is_dir(), "the finisher's own: it lands and is discarded then"
        assert library.layout.take_dir(other).is_dir(), "another visit's take is not hers"
    finally:
        os.close(fd)
    report = recover(library)  # and start-up still deletes the held one as unconsented
    assert held in report.unconsented and library.ids() - {other} == set()
