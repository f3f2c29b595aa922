"""How far behind the webhook outbox is, in numbers and in one plain sentence.

``OutboxStatus`` is what the running kiosk reports (``Outbox.status()``: /api/v1/health,
/api/v1/metrics); ``stored_report`` reads the same numbers from the database of a kiosk that
may be running or not, for ``kiosk doctor``.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.words import duration

if TYPE_CHECKING:
    from kiosk.net.db import NetworkDatabase

#: The queue is "behind" when its oldest entry has waited longer than this.
LATE_S = 300.0


@dataclass(frozen=True)
class OutboxStatus:
    """How far behind the webhook is; ``problem`` is one plain sentence, or None when all is well."""

    enabled: bool
    running: bool
    queued: int
    oldest_age_s: float | None
    parked: int
    last_error: str | None
    last_error_at: float | None
    last_delivered_at: float | None
    problem: str | None

    def as_dict(self) -> dict:
        return asdict(self)

    def detail(self) -> str:
        """The health line: how many wait, and what is wrong if anything."""
        text = f"{self.queued} deliveries waiting"
        if self.queued and self.oldest_age_s is not None:
            text += f", the oldest for {duration(self.oldest_age_s)}"
        if self.parked:
            text += f"; {self.parked} parked"
        if self.problem:
            text += f"; {self.problem}"
        return text


def read_queue(db: NetworkDatabase, now: float) -> dict:
    """The outbox as stored: ``queued``, ``oldest_age_s``, ``parked``, ``park_reason``, ``head_error``.

    Works on any open network database, also from another process (``kiosk doctor``).
    """
    queued, oldest = db.query(
        "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE delivered_at IS NULL AND parked_at IS NULL"
    )[0]
    parked = db.query("SELECT COUNT(*) FROM outbox WHERE parked_at IS NOT NULL AND delivered_at IS NULL")[0][0]
    reason = db.query(
        "SELECT park_reason FROM outbox WHERE parked_at IS NOT NULL AND delivered_at IS NULL ORDER BY parked_at DESC LIMIT 1"
    )
    head = db.query(
        "SELECT last_error FROM outbox WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1"
    )
    return {
        "queued": queued,
        "oldest_age_s": round(max(0.0, now - oldest), 1) if oldest is not None else None,
        "parked": parked,
        "park_reason": reason[0][0] if reason else None,
        "head_error": head[0][0] if head else None,
    }


def stored_report(data_dir: Path, now: float | None = None) -> dict | None:
    """``read_queue`` plus ``problem`` for the outbox in ``data_dir``, read-only (for ``kiosk doctor``).

    None when there is no network database there. It says how far behind the queue is as
    stored; whether the delivery loop runs is only known to the running kiosk (its health).
    """
    from kiosk.net.db import FILENAME

    path = Path(data_dir) / FILENAME
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    try:
        queue = read_queue(_ReadOnly(conn), time.time() if now is None else now)
    finally:
        conn.close()
    return {**queue, "problem": queue_problem(queue)}


class _ReadOnly:
    """The one method of ``NetworkDatabase`` that ``read_queue`` uses, over a plain connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def query(self, sql: str, params: tuple = ()) -> list:
        return self._conn.execute(sql, params).fetchall()


def queue_problem(queue: dict, last_error: str | None = None) -> str | None:
    """What is wrong with the stored queue (behind, parked entries) in words, else None."""
    found = []
    age = queue["oldest_age_s"]
    if queue["queued"] and age is not None and age > LATE_S:
        error = last_error or queue["head_error"] or "none"
        found.append(f"the store service has not taken an event for {duration(age)} (last error: {error})")
    if queue["parked"]:
        n = queue["parked"]
        found.append(f"the store service refused {n} {'entry' if n == 1 else 'entries'} ({queue['park_reason']})")
    return "; ".join(found) or None


