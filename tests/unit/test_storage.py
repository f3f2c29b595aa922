"""The storage layer: opening, migrations, transactions, threads, file modes and damaged files."""

from __future__ import annotations

import json
import logging
import os
import random
import sqlite3
import stat
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.storage import Database, Schema, StorageError
from kiosk.storage.files import KEEP_DAMAGED
from kiosk.storage.schema import statements

ROOT = Path(__file__).resolve().parents[2]

MIGRATIONS = (
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL); -- a ';' in a comment",
    "ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT 'a;b'",
    lambda conn: conn.execute("UPDATE notes SET tag = upper(tag)"),
)


class NotesError(KioskError):
    """The layer's own error."""


def schema(migrations=MIGRATIONS, **kw) -> Schema:
    return Schema(label="the notes", migrations=migrations, error=NotesError, **kw)


def damaged_files(folder: Path, name: str) -> list[str]:
    """The moved-aside copies (their -wal and -shm not counted)."""
    prefix = f"{name}.damaged-"
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix) and not p.name.endswith(("-wal", "-shm")))


def fill(path: Path, rows: int = 400) -> None:
    """A database of several pages: notes with long texts."""
    with Database(path, schema()) as db, db.transaction() as conn:
        conn.executemany("INSERT INTO notes (text) VALUES (?)", [(f"note {i} " + "x" * 200,) for i in range(rows)])


def smash_middle(path: Path) -> None:
    """Write garbage over pages in the middle of the file (the header page stays intact)."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))


# -- opening and migrations -----------------------------------------------------------------------


def test_fresh_database_gets_every_migration_and_the_pragmas(tmp_path):
    with Database(tmp_path / "n.db", schema(synchronous="FULL", secure_delete=True)) as db:
        with db.reading() as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10000


@pytest.mark.parametrize("old", [0, 1, 2])
def test_every_older_version_is_upgraded_keeping_its_rows(tmp_path, old):
    path = tmp_path / "n.db"
    with Database(path, schema(MIGRATIONS[:old])) as db:
        if old:
            with db.transaction() as conn:
                conn.execute("INSERT INTO notes (text) VALUES ('kept')")
    with Database(path, schema()) as db:
        assert db.query("PRAGMA user_version")[0][0] == 3
        assert [tuple(r) for r in db.query("SELECT text, tag FROM notes")] == ([("kept", "A;B")] if old else [])


def test_a_failing_migration_leaves_the_version_before_it(tmp_path):
    path = tmp_path / "n.db"
    broken = (*MIGRATIONS[:1], "CREATE TABLE t (x); CREATE TABLE t (x)")
    with pytest.raises(NotesError, match=r"cannot upgrade from version 0 to 2 the notes .*already exists"):
        Database(path, schema(broken)).open()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()[0] == 0
    conn.close()


def test_a_database_from_a_newer_kiosk_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "n.db"
    Database(path, schema()).open().close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotesError) as refused:
        Database(path, schema()).open()
    assert str(refused.value) == (
        f"the notes {path} is from a newer version of the kiosk (database version 7, this version knows up to 3); "
        "upgrade the kiosk software to use it"
    )
    assert path.read_bytes() == before and damaged_files(tmp_path, "n.db") == []


def test_statements_split_on_semicolons_that_end_statements_only():
    script = """
        CREATE TABLE a (x TEXT DEFAULT 'one;two'); -- comment; still a comment
        CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; DELETE FROM a WHERE 0; END;
        CREATE TABLE b (y)
    """
    parts = statements(script)
    assert len(parts) == 3
    assert "CREATE TRIGGER" in parts[1] and parts[1].endswith("END;")
    assert parts[2].startswith("CREATE TABLE b (y)")
    with pytest.raises(ValueError, match="incomplete"):
        statements("CREATE TABLE c (x TEXT DEFAULT 'open;")


# -- transactions and threads ---------------------------------------------------------------------


def test_a_transaction_rolls_back_on_any_error(tmp_path):
    with Database(tmp_path / "n.db", schema()) as db:
        with pytest.raises(RuntimeError), db.transaction() as conn:
            conn.execute("INSERT INTO notes (text) VALUES ('a')")
            raise RuntimeError("boom")
        with pytest.raises(NotesError, match=r"could not be written \(NOT NULL constraint.*\); nothing was changed"):
            with db.transaction() as conn:
                conn.execute("INSERT INTO notes (text) VALUES ('b')")
                conn.execute("INSERT INTO notes (text) VALUES (NULL)")
        assert db.query("SELECT count(*) FROM notes")[0][0] == 0
        with db.transaction() as conn:  # the connection is usable after both
            conn.execute("INSERT INTO notes (text) VALUES ('c')")
        assert [r[0] for r in db.query("SELECT text FROM notes")] == ["c"]


def test_a_locked_database_is_reported_not_moved_aside(tmp_path):
    path = tmp_path / "n.db"
    with Database(path, schema(busy_timeout_s=0.2)) as db:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(NotesError, match=r"could not be written \(database is locked\); nothing was changed"):
                with db.transaction() as conn:
                    conn.execute("INSERT INTO notes (text) VALUES ('a')")
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert damaged_files(tmp_path, "n.db") == []


def test_threads_share_the_connection_without_losing_a_write(tmp_path):
    errors: list[BaseException] = []
    with Database(tmp_path / "n.db", schema()) as db:
        with db.transaction() as conn:
            conn.execute("INSERT INTO notes (id, text) VALUES (1, '0')")

        def work() -> None:
            try:
                for _ in range(100):
                    with db.transaction() as conn:
                        n = int(conn.execute("SELECT text FROM notes WHERE id = 1").fetchone()[0])
                        conn.execute("UPDATE notes SET text = ? WHERE id = 1", (str(n + 1),))
                    db.query("SELECT count(*) FROM notes")
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert db.query("SELECT text FROM notes WHERE id = 1")[0][0] == "800"


def test_a_closed_database_says_so(tmp_path):
    db = Database(tmp_path / "n.db", schema())
    with pytest.raises(NotesError, match="the notes is not open"):
        db.query("SELECT 1")


# -- file modes -----------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_and_shm_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        with Database(tmp_path / "n.db", schema()) as db:
            with db.transaction() as conn:
                conn.execute("INSERT INTO notes (text) VALUES ('a')")
            for name in ("n.db", "n.db-wal", "n.db-shm", "n.db.lock"):
                assert mode(tmp_path / name) == 0o600, name
    finally:
        os.umask(old)


def test_an_old_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "n.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE x (y)")
    os.chmod(path, 0o644)
    os.chmod(tmp_path / "n.db-wal", 0o644)
    with Database(path, schema()):
        assert mode(path) == 0o600 and mode(tmp_path / "n.db-wal") == 0o600
    conn.close()


def test_a_folder_named_as_the_database_is_refused_and_left_as_it_was(tmp_path):
    # A configuration naming a folder (identity.database = "/tmp") once took the folder's
    # permissions off (/tmp became 0600) and left NAME.lock beside it.
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o1777)
    with pytest.raises(NotesError) as caught:
        Database(folder, schema()).open()
    assert str(caught.value) == f"cannot open the notes {folder}: it is a folder or a device, not a database file"
    assert mode(folder) == 0o1777 and sorted(p.name for p in tmp_path.iterdir()) == ["shared"]


def test_the_schema_may_allow_the_group_to_read(tmp_path):
    old = os.umask(0o022)
    try:
        with Database(tmp_path / "n.db", schema(mode=0o640)):
            assert mode(tmp_path / "n.db") == 0o640 and mode(tmp_path / "n.db-shm") == 0o640
    finally:
        os.umask(old)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can create files for another user")
def test_files_root_creates_belong_to_the_folders_owner(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    os.chown(folder, 4321, 4321)  # the kiosk's user owns its data folder
    with Database(folder / "n.db", schema()) as db, db.transaction() as conn:
        conn.execute("INSERT INTO notes (text) VALUES ('a')")
        owners = {name: (folder / name).stat().st_uid for name in ("n.db", "n.db-wal", "n.db-shm", "n.db.lock")}
    assert owners == dict.fromkeys(owners, 4321)


# -- damaged files --------------------------------------------------------------------------------


def test_a_garbage_file_is_moved_aside_and_a_fresh_database_started(tmp_path, caplog):
    path = tmp_path / "n.db"
    path.write_bytes(b"this is not a database at all " * 300)
    with caplog.at_level(logging.WARNING), Database(path, schema(rebuildable=True)) as db:
        assert db.query("SELECT count(*) FROM notes")[0][0] == 0
    (moved,) = damaged_files(tmp_path, "n.db")
    assert (tmp_path / moved).read_bytes().startswith(b"this is not a database")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and f"the notes {path} was damaged (file is not a database): moved it to {moved}" in lines[0]


def test_damaged_pages_are_moved_aside_and_readable_rows_saved(tmp_path, caplog):
    path = tmp_path / "n.db"
    fill(path)
    smash_middle(path)
    with caplog.at_level(logging.WARNING), Database(path, schema(rebuildable=True, salvage=("notes",))) as db:
        saved = db.query("SELECT count(*) FROM notes")[0][0]
        assert 0 < saved < 400  # the rows before the broken pages came over
        with db.reading() as conn:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    (moved,) = damaged_files(tmp_path, "n.db")
    assert f"rows saved: {saved} notes" in caplog.text


def test_the_wal_of_a_damaged_file_moves_with_it(tmp_path):
    path = tmp_path / "n.db"
    fill(path, rows=50)
    writer = sqlite3.connect(path, isolation_level=None)  # a crashed process: its commits only in the WAL
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO notes (text, tag) VALUES ('only in the wal', 'B')")
    path.write_bytes(b"garbage " * 4096)
    try:
        with Database(path, schema(rebuildable=True, salvage=("notes",))):
            pass
        (moved,) = damaged_files(tmp_path, "n.db")
        assert (tmp_path / f"{moved}-wal").stat().st_size > 0  # kept for whoever examines the copy
    finally:
        writer.close()


def test_a_damaged_irreplaceable_database_is_refused_and_left_in_place(tmp_path):
    path = tmp_path / "n.db"
    fill(path)
    smash_middle(path)
    before = path.read_bytes()
    hint = "restore it from a backup"
    with pytest.raises(NotesError) as refused:
        Database(path, schema(rebuildable=False, recovery_hint=hint)).open()
    message = str(refused.value)
    assert message.startswith(f"the notes {path} is damaged (") and message.endswith(
        "the kiosk will not go on with an empty one: restore it from a backup"
    )
    assert path.read_bytes() == before and damaged_files(tmp_path, "n.db") == []


def test_damage_found_in_a_query_is_repaired_at_once(tmp_path):
    path = tmp_path / "n.db"
    fill(path)
    rebuilt = []
    db = Database(path, schema(rebuildable=True, salvage=("notes",)), on_rebuilt=lambda: rebuilt.append(1) or "ok")
    with db:
        smash_middle(path)
        with db.reading() as conn:
            conn.execute("PRAGMA shrink_memory")  # read the pages from the disk again, as after a while
        with pytest.raises(NotesError, match="was damaged and has been rebuilt; try again"):
            db.query("SELECT count(*), sum(length(text)) FROM notes")
        assert rebuilt == [1]
        with db.transaction() as conn:  # usable again
            conn.execute("INSERT INTO notes (text) VALUES ('after')")
        assert db.query("SELECT text FROM notes ORDER BY id DESC LIMIT 1")[0][0] == "after"
    assert len(damaged_files(tmp_path, "n.db")) == 1


def test_a_damaged_record_read_as_a_huge_string_is_repaired_too(tmp_path):
    """Garbage over a page can make a record claim a string of gigabytes: the query then fails
    with "string or blob too big", not "malformed" (2 of 3000 random smashes; CI met one).
    The file is damaged all the same (quick_check says so) and is rebuilt like any other."""
    path = tmp_path / "n.db"
    fill(path)
    garbage = random.Random(2184).randbytes(8192)  # one such garbage for this file's pages
    plain = tmp_path / "plain.db"
    plain.write_bytes(path.read_bytes())
    with open(plain, "r+b") as f:
        f.seek(plain.stat().st_size // 2)
        f.write(garbage)
    with closing(sqlite3.connect(plain)) as conn, pytest.raises(sqlite3.DataError) as raw:
        conn.execute("SELECT count(*), sum(length(text)) FROM notes").fetchall()
    assert raw.value.sqlite_errorname == "SQLITE_TOOBIG", f"pick another seed for SQLite {sqlite3.sqlite_version}"
    rebuilt = []
    db = Database(path, schema(rebuildable=True, salvage=("notes",)), on_rebuilt=lambda: rebuilt.append(1) or "ok")
    with db:
        with open(path, "r+b") as f:
            f.seek(path.stat().st_size // 2)
            f.write(garbage)
        with db.reading() as conn:
            conn.execute("PRAGMA shrink_memory")
        with pytest.raises(NotesError, match="was damaged and has been rebuilt; try again"):
            db.query("SELECT count(*), sum(length(text)) FROM notes")
        assert rebuilt == [1]
        assert db.query("SELECT count(*) FROM notes")[0][0] > 0  # what could be read was saved
    assert len(damaged_files(tmp_path, "n.db")) == 1


def test_a_value_over_the_length_limit_of_a_sound_file_is_no_damage(tmp_path):
    path = tmp_path / "n.db"
    fill(path)
    with Database(path, schema(rebuildable=True)) as db:
        with db.reading() as conn:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 100)  # the notes are 200 characters long
        with pytest.raises(NotesError, match=r"could not be read \(string or blob too big\)"):
            db.query("SELECT text FROM notes LIMIT 1")
        with db.reading() as conn:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)
        assert db.query("SELECT count(*) FROM notes")[0][0] == 400  # untouched, not moved aside
    assert damaged_files(tmp_path, "n.db") == []


def test_a_damaged_file_another_process_has_open_is_not_moved(tmp_path):
    path = tmp_path / "n.db"
    fill(path)
    code = (
        "import sys; from kiosk.storage import Database, Schema\n"
        "from tests.unit.test_storage import schema\n"
        "db = Database(sys.argv[1], schema()).open(); print('open', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        smash_middle(path)
        with pytest.raises(NotesError, match="is damaged .* and another kiosk process has it open; stop the kiosk"):
            Database(path, schema(rebuildable=True)).open()
        assert damaged_files(tmp_path, "n.db") == []
    finally:
        holder.communicate("", timeout=30)
    with Database(path, schema(rebuildable=True)):  # alone now: it is rebuilt
        pass
    assert len(damaged_files(tmp_path, "n.db")) == 1


def test_only_the_newest_damaged_copies_are_kept(tmp_path):
    path = tmp_path / "n.db"
    for _ in range(KEEP_DAMAGED + 2):
        path.write_bytes(b"garbage " * 1000)
        Database(path, schema(rebuildable=True)).open().close()
    assert len(damaged_files(tmp_path, "n.db")) == KEEP_DAMAGED


def test_the_default_error_is_a_storage_error(tmp_path):
    (tmp_path / "n.db").mkdir()  # a folder where the file should be
    with pytest.raises(StorageError, match="cannot open the notes"):
        Database(tmp_path / "n.db", Schema(label="the notes", migrations=MIGRATIONS)).open()


def test_a_small_file_is_replaced_whole_when_the_disk_takes_a_few_bytes_at_a_time(tmp_path, monkeypatch):
    # os.write may write fewer bytes than asked (a nearly full disk, a signal): the look's record
    # and the wrong-PIN counts must still be written whole, not cut off at the first short write.
    from kiosk.library import records
    from kiosk.net.pin_counts import KeptCounts, PinCountFile
    from kiosk.storage.files import replace_whole

    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    data = bytes(range(256)) * 40
    replace_whole(tmp_path / "blob", data, 0o600)
    assert (tmp_path / "blob").read_bytes() == data
    assert stat.S_IMODE((tmp_path / "blob").stat().st_mode) == 0o600
    assert not (tmp_path / "blob.part").exists()

    counts = PinCountFile(tmp_path / "pin-counts.json", wall=lambda: 1_000_000.0)
    assert counts.save(KeptCounts(day_ages=(30.0, 20.0, 10.0)))
    assert counts.load() == KeptCounts(day_ages=(30.0, 20.0, 10.0)), counts.problem

    row = {name: None for name in records.FIELDS}
    records.write(tmp_path / "look.json", {**row, "id": "Ab3xY9abcdefghijKLMN"}, {"turn": {"yaw": [[0.1, 5.0, 0.9]] * 50}})
    assert json.loads((tmp_path / "look.json").read_text())["analysis"]["turn"]["yaw"] == [[0.1, 5.0, 0.9]] * 50
