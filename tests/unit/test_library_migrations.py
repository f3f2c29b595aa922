"""The look database's migrations: every older version upgrades in place, newer ones are refused."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.library import Library, LibraryError
from kiosk.library import schema

ROW = "INSERT INTO looks (id, created, duration_s, width, height, bytes) VALUES ('aaaaaaaaaaaaaaaa', 1, 2, 3, 4, 5)"


def older(path, version: int) -> None:
    """A look database as a kiosk that knew ``version`` migrations left it, with one look."""
    conn = sqlite3.connect(path, isolation_level=None)
    for script in schema.MIGRATIONS[:version]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {version}")
    if version:
        conn.execute(ROW)
    conn.close()


def upgraded(path, version: int) -> sqlite3.Connection:
    """A database migrated the storage layer's way to ``version``, with look 'a', then to the
    newest version; returned open, with foreign keys on, to check what the newer migrations added."""
    import dataclasses

    from kiosk.storage.schema import migrate

    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, dataclasses.replace(schema.SCHEMA, migrations=schema.MIGRATIONS[:version]))  # a library of before
    conn.execute("INSERT INTO looks (id, created, duration_s, width, height, bytes) VALUES ('a', 0, 1, 2, 2, 1)")
    assert migrate(conn, schema.SCHEMA) == schema.VERSION == 5
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def tables(library: Library) -> set[str]:
    with library._db.reading() as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_fresh_database_reaches_the_newest_version(tmp_path):
    with Library(tmp_path / "lib") as lib:
        assert lib._db.query("PRAGMA user_version")[0][0] == schema.VERSION == 5
        assert {"looks", "look_analysis", "session_consent", "comparisons", "comparison_looks", "look_notes"} <= tables(lib)


@pytest.mark.parametrize("version", range(1, schema.VERSION))
def test_an_older_database_is_upgraded_and_keeps_its_looks(tmp_path, version):
    (tmp_path / "lib").mkdir()
    older(tmp_path / "lib" / "looks.db", version)
    with Library(tmp_path / "lib") as lib:
        assert lib._db.query("PRAGMA user_version")[0][0] == schema.VERSION
        assert [(row[0], row[5]) for row in lib._db.query("SELECT * FROM looks")] == [("aaaaaaaaaaaaaaaa", 5)]
        lib.set_analysis("aaaaaaaaaaaaaaaa", "turn", {"yaw": []})
        assert lib.session_consented("s1") is False


def test_database_from_a_newer_kiosk_is_refused(tmp_path):
    Library(tmp_path / "lib").open().close()
    conn = sqlite3.connect(tmp_path / "lib" / "looks.db")
    conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    conn.close()
    with pytest.raises(LibraryError, match="newer version of the kiosk .* upgrade the kiosk software"):
        Library(tmp_path / "lib").open()


def test_library_uses_wal_and_full_sync(tmp_path):
    with Library(tmp_path / "lib") as lib, lib._db.reading() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2

