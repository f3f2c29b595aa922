"""What one database is: its numbered migrations and how it is opened, kept and recovered.

``PRAGMA user_version`` holds the number of migrations applied (the scheme every kiosk
database has used from its first version, so existing data folders upgrade in place). Each
migration runs in one transaction together with the version bump: a crash or an error leaves
the database at the old version or the new one, never between.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import KioskError, StorageError

_log = logging.getLogger(__name__)

Migration = str | Callable[[sqlite3.Connection], None]




@dataclass(frozen=True)
class Schema:
    """How one database is opened, upgraded and, when damaged, recovered."""

    label: str  # names the database in sentences, e.g. "the customer directory"
    migrations: tuple[Migration, ...]  # SQL scripts or callables, applied in order
    error: type[KioskError] = StorageError  # what the owning layer raises
    synchronous: str = "FULL"  # FULL: a committed transaction survives a power cut
    mode: int = 0o600  # the database file; SQLite gives its -wal and -shm the same
    busy_timeout_s: float = 10.0
    secure_delete: bool = False  # overwrite deleted rows instead of leaving them in free pages
    rebuildable: bool = False  # a damaged file may be moved aside and replaced by a fresh one
    salvage: tuple[str, ...] = ()  # tables copied (as far as readable) from a damaged file, in order
    recovery_hint: str = ""  # not rebuildable: what a person can do about a damaged file

    @property
    def version(self) -> int:
        return len(self.migrations)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, schema: Schema, where: str = "") -> int:
    """Apply the migrations the database lacks, one transaction each; returns the new version.

    The caller refuses a database newer than ``schema`` before calling this. ``sqlite3``
    errors propagate with the database left at the last version that completed.
    """
    current = user_version(conn)
    for number in range(current, schema.version):
        step = schema.migrations[number]
        # executescript() would commit by itself; statements go one by one inside our transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            if callable(step):
                step(conn)
            else:
                for statement in statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        if current:
            _log.info("%s upgraded to version %d", where or schema.label, number + 1)
    return max(current, schema.version)


def statements(script: str) -> list[str]:
    """The complete statements of a script (a ';' inside a string, comment or trigger is no end)."""
    found, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                found.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;") and not _only_comments(pending):
        raise ValueError(f"incomplete SQL statement in a migration: {pending.strip()[:60]!r}")
    return found


def _only_comments(text: str) -> bool:
    lines = (line.strip() for line in text.rstrip(";").splitlines())
    return all(not line or line.startswith("--") for line in lines)


def rollback(conn: sqlite3.Connection) -> None:
    """End a failed transaction; the error that caused it is the one worth reporting."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
