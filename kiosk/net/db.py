"""The network layer's SQLite database: share links, assistance requests, webhook outbox, id.

One file (``network.sqlite3`` beside the looks), opened by the storage layer
(``kiosk.storage``): WAL, ``synchronous=FULL`` (an outbox entry the API acknowledged survives
a power cut), ``secure_delete``, mode 0600, numbered migrations, one connection behind a lock. Every query here
is a few rows, so callers on the API's worker threads and on the loop share it without a pool.

A damaged file is moved aside and replaced, keeping every row that can still be read: share
links, assistance requests and undelivered webhook entries are worth keeping but none is
irreplaceable (the looks themselves live in the look library), and the mirror's id is copied
over when readable. Refusing to start would instead take sharing and help requests away from
the shop floor until someone repairs a file by hand.
"""

from __future__ import annotations

import uuid

from kiosk.errors import NetworkDatabaseError
from kiosk.storage import Database, Schema

FILENAME = "network.sqlite3"

MIGRATIONS = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE shares (
        token TEXT PRIMARY KEY,
        look_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE INDEX shares_look ON shares (look_id);
    CREATE TABLE assist (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        session_id TEXT,
        created_at REAL NOT NULL,
        acked_at REAL,
        acked_by TEXT
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        body BLOB NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at REAL NOT NULL,
        last_error TEXT,
        delivered_at REAL
    );
    CREATE INDEX outbox_due ON outbox (delivered_at, next_at);
    """,
    # 2: a link can also share a rendered comparison of looks (look_id then holds its id).
    """
    ALTER TABLE shares ADD COLUMN kind TEXT NOT NULL DEFAULT 'look' CHECK (kind IN ('look', 'comparison'))
    """,
    # 3: the outbox parks entries the store service refuses for good, with the reason
    """
    ALTER TABLE outbox ADD COLUMN parked_at REAL;
    ALTER TABLE outbox ADD COLUMN park_reason TEXT;
    CREATE INDEX outbox_waiting ON outbox (delivered_at, parked_at, seq);
    """,
)


SCHEMA = Schema(
    label="the network database",
    migrations=MIGRATIONS,
    error=NetworkDatabaseError,
    synchronous="FULL",
    secure_delete=True,  # "forget me" purges outbox and share rows: overwritten, not left in free pages
    rebuildable=True,
    salvage=("meta", "shares", "assist", "outbox"),
)


class NetworkDatabase(Database):
    """The shared connection; ``open()`` creates the file and applies migrations."""

    def __init__(self, path) -> None:
        super().__init__(path, SCHEMA)

    def mirror_id(self) -> str:
        """This mirror's stable UUID, created on first use."""
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key='mirror_id'").fetchone()
            if row:
                return row[0]
            value = str(uuid.uuid4())
            conn.execute("INSERT INTO meta (key, value) VALUES ('mirror_id', ?)", (value,))
            return value
