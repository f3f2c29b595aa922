"""The network layer's SQLite database: share links, assistance requests, webhook outbox, id.

One file (``network.sqlite3`` beside the looks), WAL mode, one connection guarded by a lock:
every query here is a few rows, so callers on the API's worker threads and on the loop share
it without a pool. Schema changes are numbered migrations applied in order at open.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.errors import KioskError

_log = logging.getLogger(__name__)

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
    # 2: the outbox parks entries the store service refuses for good, with the reason
    """
    ALTER TABLE outbox ADD COLUMN parked_at REAL;
    ALTER TABLE outbox ADD COLUMN park_reason TEXT;
    CREATE INDEX outbox_waiting ON outbox (delivered_at, parked_at, seq);
    """,
)


class NetworkDatabaseError(KioskError):
    """The network database cannot be opened or written."""


class NetworkDatabase:
    """The shared connection; ``open()`` creates the file and applies migrations."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # an acknowledged outbox entry survives power loss
            conn.row_factory = sqlite3.Row
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                conn.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")
        except sqlite3.Error as exc:
            raise NetworkDatabaseError(f"cannot open the network database {self.path}: {exc}") from None
        self._conn = conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside BEGIN IMMEDIATE … COMMIT (rolled back on error)."""
        with self._lock:
            conn = self._require()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._require().execute(sql, params).fetchall()

    def mirror_id(self) -> str:
        """This mirror's stable UUID, created on first use."""
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key='mirror_id'").fetchone()
            if row:
                return row[0]
            value = str(uuid.uuid4())
            conn.execute("INSERT INTO meta (key, value) VALUES ('mirror_id', ?)", (value,))
            return value

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise NetworkDatabaseError("the network database is not open")
        return self._conn
