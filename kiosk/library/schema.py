"""The library's SQLite schema and its versioned migrations.

``PRAGMA user_version`` holds the number of migrations applied. Each migration runs in one
transaction together with the version bump, so a crash leaves the database at the old or the
new version, never between. A database newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

from kiosk.library.errors import LibraryError

MIGRATIONS: tuple[str, ...] = (
    # 1: looks with their files, session, customer and consent record.
    """
    CREATE TABLE looks (
        id              TEXT PRIMARY KEY,
        created         REAL NOT NULL,
        duration_s      REAL NOT NULL,
        width           INTEGER NOT NULL,
        height          INTEGER NOT NULL,
        bytes           INTEGER NOT NULL,
        stills_bytes    INTEGER NOT NULL DEFAULT 0,
        session_id      TEXT,
        customer_id     TEXT,
        consent         TEXT NOT NULL DEFAULT 'none' CHECK (consent IN ('none', 'granted')),
        consent_by      TEXT CHECK (consent_by IN ('customer', 'operator')),
        consent_at      REAL,
        consent_wording TEXT,
        reason          TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX looks_by_session ON looks(session_id);
    CREATE INDEX looks_by_created ON looks(created);
    CREATE INDEX looks_by_customer ON looks(customer_id);
    """,
    # 2: analysis results per look and kind (e.g. "turn": the per-frame yaw track), as JSON.
    """
    CREATE TABLE look_analysis (
        look_id TEXT NOT NULL REFERENCES looks(id) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        data    TEXT NOT NULL CHECK (json_valid(data)),
        updated REAL NOT NULL,
        PRIMARY KEY (look_id, kind)
    );
    """,
    # 3: rendered side-by-side comparisons of 2-4 looks. A comparison shows every one of its
    # looks, so deleting any of them (by the shopper, forget-me, retention, the session's end)
    # deletes it in the same transaction; its MP4 goes with the look's files.
    """
    CREATE TABLE comparisons (
        id       TEXT PRIMARY KEY,
        created  REAL NOT NULL,
        align    TEXT NOT NULL CHECK (align IN ('angle', 'time')),
        state    TEXT NOT NULL CHECK (state IN ('queued', 'rendering', 'ready', 'failed')),
        error    TEXT,
        bytes    INTEGER NOT NULL DEFAULT 0,
        width    INTEGER NOT NULL DEFAULT 0,
        height   INTEGER NOT NULL DEFAULT 0,
        report   TEXT CHECK (report IS NULL OR json_valid(report))
    );
    CREATE TABLE comparison_looks (
        comparison_id TEXT NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        look_id       TEXT NOT NULL REFERENCES looks(id) ON DELETE CASCADE,
        PRIMARY KEY (comparison_id, position)
    );
    CREATE INDEX comparison_looks_by_look ON comparison_looks(look_id);
    CREATE TRIGGER looks_take_their_comparisons BEFORE DELETE ON looks
    BEGIN
        DELETE FROM comparisons WHERE id IN (SELECT comparison_id FROM comparison_looks WHERE look_id = OLD.id);
    END;
    """,
)

VERSION = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Bring the database up to the newest schema; returns the version it ended at."""
    current = version(conn)
    if current > len(migrations):
        raise LibraryError(
            f"the look database is from a newer version of the kiosk (schema {current}, this one knows {len(migrations)})"
        )
    for number in range(current, len(migrations)):
        # executescript would commit on its own; run statements one by one inside our transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migrations[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(migrations)


def _statements(script: str) -> list[str]:
    """The statements of a script, whole (a trigger's body has semicolons of its own)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return [s for s in statements if s.rstrip(";").strip()]
