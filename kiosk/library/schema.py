"""The look database: its numbered migrations and how the storage layer keeps it.

``PRAGMA user_version`` counts the migrations applied (``kiosk.storage`` runs them, one
transaction each, and refuses a database newer than this code). ``synchronous=FULL``: a
committed look must survive a power cut. A damaged file is rebuilt, because nothing in it is
irreplaceable: rows that can still be read are copied over, and every look whose video is on
disk comes back from its record file (``kiosk.library.records``) with its consent.
"""

from __future__ import annotations

from kiosk.library.errors import LibraryError
from kiosk.storage import Schema

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
    # 3: the consent answer of each recent session, so a take that lands (or is salvaged after
    #    a crash) once its session has ended still gets the shopper's yes.
    """
    CREATE TABLE session_consent (
        session_id  TEXT PRIMARY KEY,
        consent     TEXT NOT NULL CHECK (consent IN ('none', 'granted')),
        consent_by  TEXT CHECK (consent_by IN ('customer', 'operator')),
        customer_id TEXT,
        wording     TEXT,
        at          REAL NOT NULL
    );
    CREATE INDEX session_consent_by_customer ON session_consent(customer_id);
    """,
    # 4: rendered side-by-side comparisons of 2-4 looks. A comparison shows every one of its
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
    # 5: associates' notes on a consented look: ``text`` for the staff, ``product`` (what the
    #    shopper wore or was offered) also shown on the shopper's share page. They go with the look.
    """
    CREATE TABLE look_notes (
        id      TEXT PRIMARY KEY,
        look_id TEXT NOT NULL REFERENCES looks(id) ON DELETE CASCADE,
        created REAL NOT NULL,
        text    TEXT NOT NULL DEFAULT '',
        product TEXT NOT NULL DEFAULT '',
        CHECK (text <> '' OR product <> '')
    );
    CREATE INDEX look_notes_by_look ON look_notes(look_id, created);
    """,
)

VERSION = len(MIGRATIONS)

SCHEMA = Schema(
    label="the look database",
    migrations=MIGRATIONS,
    error=LibraryError,
    synchronous="FULL",
    secure_delete=True,  # "forget me" and retention delete notes and customer keys: overwritten, not left in free pages
    rebuildable=True,
    salvage=("looks", "look_analysis", "session_consent", "comparisons", "comparison_looks", "look_notes"),
)
