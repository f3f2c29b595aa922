"""Schema migrations: versioned, atomic, and newer databases refused."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.library import Library, LibraryError
from kiosk.library import schema


def connect(path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_fresh_database_reaches_the_newest_version(tmp_path):
    conn = connect(tmp_path / "a.db")
    assert schema.migrate(conn) == schema.VERSION
    assert schema.version(conn) == schema.VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"looks", "look_analysis"} <= tables
    assert schema.migrate(conn) == schema.VERSION  # running again changes nothing


def test_version_1_database_is_upgraded_and_keeps_its_rows(tmp_path):
    conn = connect(tmp_path / "old.db")
    schema.migrate(conn, schema.MIGRATIONS[:1])
    assert schema.version(conn) == 1
    conn.execute("INSERT INTO looks (id, created, duration_s, width, height, bytes) VALUES ('a' , 1, 2, 3, 4, 5)")
    conn.close()
    conn = connect(tmp_path / "old.db")
    schema.migrate(conn)
    assert schema.version(conn) == schema.VERSION
    assert conn.execute("SELECT id, bytes FROM looks").fetchall() == [("a", 5)]
    conn.execute("INSERT INTO look_analysis VALUES ('a', 'turn', '{\"yaw\": []}', 0)")


def test_a_failing_migration_leaves_the_old_version(tmp_path):
    conn = connect(tmp_path / "b.db")
    broken = schema.MIGRATIONS[:1] + ("CREATE TABLE t (x INTEGER); CREATE TABLE t (x INTEGER)",)
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(conn, broken)
    assert schema.version(conn) == 1
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "t" not in tables


def test_database_from_a_newer_kiosk_is_refused(tmp_path):
    lib = Library(tmp_path / "lib").open()
    lib.close()
    conn = connect(tmp_path / "lib" / "looks.db")
    conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    conn.close()
    with pytest.raises(LibraryError, match="newer version"):
        Library(tmp_path / "lib").open()


def test_library_uses_wal(tmp_path):
    with Library(tmp_path / "lib") as lib:
        mode = lib._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_damaged_database_is_one_clear_error(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "looks.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LibraryError, match="cannot be used"):
        Library(tmp_path / "lib").open()
