"""Storage faults on the running mirror: the look database locked by another program, the data folder full.

One kiosk runs for the module with its data folder on a small tmpfs the test mounts (root
only; without it the full-disk test is skipped and says why). First, another process holds
``BEGIN EXCLUSIVE`` on ``looks.db`` (as a store technician's ``sqlite3`` shell would) while a
take lands and while the shopper answers the consent question: the take must land once the
lock is gone, the answer must either count or be asked again in plain words, and the mirror
keeps painting throughout. Then the disk fills up to the last byte in the middle of a take:
the shopper is told, new takes are refused in plain words, the consented look stays, nothing
half-written stays behind, and recording works again once space is freed. Last, the disk fills
while a look is past its time: the mirror's own free-space check lets retention delete it, with
nobody tapping anything, and the other consented looks stay.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.faults.kiosk_process import KioskProcess, Setup
from tests.integration.faults.waiting import wait_until

pytestmark = [pytest.mark.ui, pytest.mark.slow]

LOCK = textwrap.dedent("""
    import sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
    db.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    sys.stdin.readline()
    db.execute("ROLLBACK")
""")
LOAD_SLACK_S = 30.0
FLOOR = 16 * 2**20  # recording.min_free_mb below
DAY = 86400.0


class DatabaseLock:
    """Another process holding an exclusive transaction on a SQLite file until released."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", LOCK, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked", "the lock was not taken"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(30)


@pytest.fixture(scope="module")
def data_disk(tmp_path_factory):
    """A 48 MB tmpfs for the data folder, or None (with the reason) where mounting is not allowed."""
    mount = tmp_path_factory.mktemp("storage") / "data"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m,mode=0755", "tmpfs", str(mount)],
                              capture_output=True, text=True, timeout=20)
        reason = done.stderr.strip() if done.returncode else ""
    except (OSError, subprocess.SubprocessError) as exc:
        reason = str(exc)
    yield mount, reason
    if not reason:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


@pytest.fixture(scope="module")
def mirror(xvfb, person_clip, data_disk):
    mount, _ = data_disk
    setup = Setup(library=mount / "library", source=f"file:{person_clip}?loop=1",
                  toml=f"[recording]\nmin_free_mb = {FLOOR // 2**20}\n")
    with KioskProcess(xvfb, mount.parent, setup) as kiosk:
        kiosk.touch()
        kiosk.warm_up()
        yield kiosk
        assert kiosk.stop() == 0, kiosk.tail()


def api_looks(mirror) -> dict[str, dict]:
    return {look["id"]: look for look in mirror.api("GET", "/api/v1/looks").json()["looks"]}


def integrity(db: Path) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_a_locked_look_database_delays_a_take_and_an_answer_but_loses_neither(mirror):
    library = mirror.setup.library
    mirror.live(timeout=60)
    before = mirror.resources()
    since = mirror.mark()
    lock = DatabaseLock(library / "looks.db")
    try:
        look_id = mirror.record()
        mirror.wait_shown("taking longer than usual", since, timeout=LOAD_SLACK_S)
        mirror.live(timeout=LOAD_SLACK_S)  # the mirror paints on while the database is held
        assert look_id not in api_looks(mirror)
        lock.release()
        wait_until(lambda: look_id in api_looks(mirror), "the look landing once the lock is gone", LOAD_SLACK_S)

        asked = mirror.mark()
        lock = DatabaseLock(library / "looks.db")
        mirror.touch_replay(3)  # Keep: the consent question
        mirror.answer(0, timeout=LOAD_SLACK_S)  # yes, while the database is held (10 s busy timeout)
        told = mirror.wait_shown("could not save your answer", asked, timeout=LOAD_SLACK_S)
        assert "/" not in told, "a file path on the shopper's screen"
        assert not api_looks(mirror)[look_id]["consent"] == "granted"
    finally:
        lock.release()
    mirror.touch_replay(3)  # asked again, answered again: now it counts
    mirror.answer(0, timeout=LOAD_SLACK_S)
    mirror.wait_shown("Your looks from this visit are kept", asked)
    [look] = mirror.looks()
    assert look["id"] == look_id and look["consent"] == "granted"
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=30)
    mirror.settles_to(before, timeout=30)
    assert integrity(library / "looks.db") == "ok"
    assert not list((library / "work").iterdir())
    assert not mirror.tracebacks(since)


def consented_looks(mirror) -> set[str]:
    """The library's consented looks; with none yet (this test run alone), one recorded and kept now."""
    kept = {look["id"] for look in mirror.looks() if look["consent"] == "granted"}
    if kept:
        return kept
    mirror.live(timeout=60)
    asked = mirror.mark()
    look_id = mirror.record()
    wait_until(lambda: look_id in api_looks(mirror), "the look landing", LOAD_SLACK_S)
    mirror.touch_replay(3)  # Keep: the consent question
    mirror.answer(0, timeout=LOAD_SLACK_S)
    mirror.wait_shown("Your looks from this visit are kept", asked)
    mirror.touch_replay(0, kept=True)
    kept = {look["id"] for look in mirror.looks() if look["consent"] == "granted"}
    assert kept == {look_id}
    return kept


def fill(disk: Path, leave_bytes: int = 0) -> Path:
    """Use up the disk until ``leave_bytes`` are free (fallocate: real and instant)."""
    path = disk / "filler"
    with open(path, "ab") as f:
        for _ in range(20):  # the kiosk writes meanwhile: what was free a moment ago may not be
            free = shutil.disk_usage(disk).free
            if free <= leave_bytes:
                break
            try:
                os.posix_fallocate(f.fileno(), os.fstat(f.fileno()).st_size, free - leave_bytes)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return path


def on_the_small_disk(mirror, data_disk) -> tuple[Path, Path, set[str]]:
    """The mirror live on its small data disk (skipped where one cannot be mounted): the disk's mount,
    the library folder and the consented looks already there."""
    mount, reason = data_disk
    if reason:
        pytest.skip(f"cannot mount a small tmpfs as the data folder here ({reason})")
    kept = consented_looks(mirror)
    mirror.live(timeout=60)
    return mount, mirror.setup.library, kept


def test_the_data_folder_filling_up_mid_take(mirror, data_disk):
    mount, library, kept = on_the_small_disk(mirror, data_disk)
    before = mirror.resources()
    since = mirror.mark()
    mirror.touch(*mirror.record_button)
    doomed = mirror.wait_log(r"recording (\S+) started", since, 30).group(1)
    start = mirror.camera_frames()
    wait_until(lambda: mirror.camera_frames() >= start + 30, "a second of the take", 60)
    filler = fill(mount)  # to the last byte, while the take is being written
    try:
        told = wait_until(lambda: next((m for m in mirror.shown(since) if "disk is full" in m or "longer than" in m),
                                       None), "the screen saying what happened to the take", LOAD_SLACK_S)
        assert "/" not in told
        # This visit said yes: what was written before the disk filled waits in work/ for its end.
        kept_for_her = "kept for you" in told
        mirror.live(timeout=LOAD_SLACK_S)  # a replay may open if the take fitted; the mirror is back either way
        refused = mirror.mark()
        mirror.touch(*mirror.record_button)
        told = mirror.wait_shown("storage is full", refused, timeout=LOAD_SLACK_S)
        assert "MB" not in told, "the figures are for the journal, not the shopper"
        mirror.wait_log(r"recording refused: The disk is almost full \(\d+ MB free, \d+ MB needed\)", refused,
                        timeout=LOAD_SLACK_S)
        assert not mirror.tracebacks(since)
    finally:
        filler.unlink()  # store IT (or retention) frees space
    freed = mirror.mark()
    look_id = mirror.record()
    wait_until(lambda: look_id in api_looks(mirror), "a take landing once space is free again", LOAD_SLACK_S)
    looks = {look["id"]: look for look in mirror.looks()}
    assert kept <= set(looks), "a consented look was lost"
    assert all(look["consent"] == "granted" for look in looks.values()), looks  # this visit said yes
    assert set(looks) - kept - {look_id} <= {doomed}
    for look in looks.values():
        assert Path(look["path"]).stat().st_size > 0
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=30)
    mirror.settles_to(before, timeout=30)
    assert integrity(library / "looks.db") == "ok"
    left = [p.name for p in (library / "work").iterdir()]
    assert left == ([doomed] if kept_for_her else []), "half-written takes left behind"
    assert not mirror.tracebacks(freed)


def test_a_full_disk_lets_retention_free_what_it_may_by_itself(mirror, data_disk):
    mount, library, kept = on_the_small_disk(mirror, data_disk)
    aged = mirror.record(frames=300)  # 10 s: the room a short take needs once it is deleted
    wait_until(lambda: aged in api_looks(mirror), "the look landing", LOAD_SLACK_S)
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=30)
    size = sum(path.stat().st_size for path in (library / "looks").glob(f"{aged}*"))
    # As if recorded 40 days ago: past library.max_age_days (30), which retention lets go, kept or not.
    with sqlite3.connect(library / "looks.db", timeout=30) as db:
        db.execute("UPDATE looks SET created = created - ? WHERE id = ?", (40 * DAY, aged))
    others = set(api_looks(mirror)) - {aged}
    assert kept <= others
    since = mirror.mark()
    filler = fill(mount, leave_bytes=FLOOR - size // 4)  # below the floor; deleting the old look is enough
    try:
        wait_until(lambda: aged not in api_looks(mirror), "the look past its time deleted without a tap",
                   LOAD_SLACK_S)
        mirror.wait_log(r"retention deleted 1 look", since, timeout=LOAD_SLACK_S)
        assert set(api_looks(mirror)) == others, "retention deleted more than the look past its time"
        look_id = mirror.record(frames=45)  # Record works: the space came back by itself
        wait_until(lambda: look_id in api_looks(mirror), "a take landing on the freed space", LOAD_SLACK_S)
        told = [m for m in mirror.shown(since) if "storage" in m or "disk" in m]
        assert not told, "the shopper was told of a full disk that made room by itself"
    finally:
        filler.unlink()
    assert kept <= {look["id"] for look in mirror.looks()}, "a consented look was lost"
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=30)
    assert integrity(library / "looks.db") == "ok"
    assert not mirror.tracebacks(since)
