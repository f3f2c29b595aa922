"""Another program (a store technician's ``sqlite3`` shell) holding one of the kiosk's databases
locked, and the kiosk made to give up on such a lock in 0.2 s rather than its 10 s."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked(path: Path | str, begin: str = "EXCLUSIVE") -> Iterator[sqlite3.Connection]:
    """The database at ``path`` held under ``BEGIN <begin>`` by a connection of its own until the block ends."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"BEGIN {begin}")
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def short_busy_timeout(monkeypatch, *modules) -> None:
    """The databases opened with each module's ``SCHEMA`` wait 0.2 s for a lock instead of 10 s."""
    for module in modules:
        monkeypatch.setattr(module, "SCHEMA", dataclasses.replace(module.SCHEMA, busy_timeout_s=0.2))
