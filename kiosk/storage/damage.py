"""Telling a damaged database from a busy one, and reading what is left of a damaged one.

Damage is what SQLite reports as ``SQLITE_CORRUPT`` ("database disk image is malformed") or
``SQLITE_NOTADB`` ("file is not a database"), or a failing ``PRAGMA quick_check``. A damaged
file can also fail a query with ``SQLITE_TOOBIG`` ("string or blob too big": a garbled record
claims a string of gigabytes), as a sound one does for a value over the length limit; such a
failure is damage when ``quick_check`` says so (``may_be_damage``). A locked
database, a full disk or a read-only file is never damage: moving such a file aside would
throw away good data. Salvage copies the rows it can still read, table by table, into the
fresh database; a row that breaks a constraint there is left out.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from kiosk.storage.schema import rollback
from kiosk.words import count

_log = logging.getLogger(__name__)

SQLITE_CORRUPT, SQLITE_TOOBIG, SQLITE_NOTADB = 11, 18, 26


def is_damage(exc: BaseException) -> bool:
    """True for the errors that mean the file itself is broken."""
    return _sqlite_error(exc, (SQLITE_CORRUPT, SQLITE_NOTADB), ("malformed", "not a database"))


def may_be_damage(exc: BaseException) -> bool:
    """True for the errors a damaged file gives (``is_damage``), and for those it can give like a
    sound one: only ``quick_check`` tells which."""
    return is_damage(exc) or _sqlite_error(exc, (SQLITE_TOOBIG,), ("too big",))


def _sqlite_error(exc: BaseException, codes: tuple[int, ...], words: tuple[str, ...]) -> bool:
    """Whether ``exc`` is an SQLite error with one of the primary ``codes``, or, where Python does
    not give the code, whose message has one of the ``words``."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in codes
    return any(word in str(exc) for word in words)


def quick_check(conn: sqlite3.Connection) -> str | None:
    """What ``PRAGMA quick_check`` finds wrong, or None when the file is sound."""
    rows = [row[0] for row in conn.execute("PRAGMA quick_check(20)").fetchall()]
    if rows == ["ok"]:
        return None
    problems = [line for row in rows for line in row.splitlines() if line and not line.startswith("***")]
    more = f", and {count(len(problems) - 1, 'more problem')}" if len(problems) > 1 else ""
    return (problems[0] if problems else "failed its check") + more


def salvage(source: Path, target: sqlite3.Connection, tables: tuple[str, ...]) -> dict[str, int]:
    """Copy what can be read of ``tables`` from the damaged ``source``; rows copied per table."""
    copied: dict[str, int] = {}
    if not tables:
        return copied
    try:
        damaged = sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        _log.debug("cannot read %s at all: %s", source, exc)
        return copied
    try:
        for table in tables:
            copied[table] = _copy_table(damaged, target, table)
    finally:
        damaged.close()
    return copied


def _copy_table(damaged: sqlite3.Connection, target: sqlite3.Connection, table: str) -> int:
    copied = 0
    try:
        theirs = [row[1] for row in damaged.execute(f'PRAGMA table_info("{table}")')]
        ours = {row[1] for row in target.execute(f'PRAGMA table_info("{table}")')}
        columns = [c for c in theirs if c in ours]
        if not columns:
            return 0
        names = ", ".join(f'"{c}"' for c in columns)
        insert = f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'
        rows = damaged.execute(f'SELECT {names} FROM "{table}"')
        target.execute("BEGIN IMMEDIATE")
        try:
            for row in rows:  # a broken page ends the walk: what came before it is kept
                try:
                    copied += target.execute(insert, tuple(row)).rowcount
                except sqlite3.IntegrityError:
                    pass
        except sqlite3.DatabaseError as exc:
            _log.debug("salvage of %s stopped after %d rows: %s", table, copied, exc)
        target.execute("COMMIT")
    except sqlite3.Error as exc:
        rollback(target)
        _log.debug("salvage of %s failed: %s", table, exc)
        return 0
    return copied
