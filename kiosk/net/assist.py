"""Assistance requests ("another size, please"): raised on the mirror, acknowledged by an associate."""

from __future__ import annotations

import enum
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from kiosk.net.db import NetworkDatabase


class AssistKind(str, enum.Enum):
    SIZE = "size"
    ASSOCIATE = "associate"


# What the mirror's size buttons ask for, in the words the associate's console shows.
SIZE_WANTED = {"smaller": "one size smaller", "larger": "one size larger"}


def size_detail(size: str) -> str:
    """The request's detail for the mirror's "Smaller" / "Larger" buttons ("" for neither)."""
    if size and size not in SIZE_WANTED:
        raise ValueError(f"unknown size choice {size!r}: smaller or larger")
    return SIZE_WANTED.get(size, "")


@dataclass(frozen=True)
class AssistRequest:
    id: str
    kind: str
    detail: str
    session_id: str | None
    created_at: float
    acked_at: float | None
    acked_by: str | None

    @property
    def open(self) -> bool:
        return self.acked_at is None

    def as_dict(self) -> dict:
        return asdict(self) | {"open": self.open}


@dataclass(frozen=True)
class Acked:
    """What one "On my way" did: ``first`` when it took the request, else ``request.acked_by`` had it already."""

    request: AssistRequest
    first: bool


class AssistQueue:
    """The mirror's assistance requests, kept in the network database."""

    def __init__(self, db: NetworkDatabase, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    def request(self, kind: AssistKind, detail: str = "", session_id: str | None = None) -> AssistRequest:
        req = AssistRequest(secrets.token_hex(8), AssistKind(kind).value, detail, session_id, self._clock(), None, None)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO assist (id, kind, detail, session_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (req.id, req.kind, req.detail, req.session_id, req.created_at),
            )
        return req

    def ack(self, request_id: str, by: str | None = None) -> Acked | None:
        """Mark a request as being handled; None when the id is unknown. Acking twice keeps the first
        and says so (``first`` false), so that a second associate learns someone else is going."""
        with self._db.transaction() as conn:
            taken = conn.execute(
                "UPDATE assist SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL",
                (self._clock(), by, request_id),
            ).rowcount
            row = conn.execute("SELECT * FROM assist WHERE id = ?", (request_id,)).fetchone()
        return Acked(_from_row(row), taken == 1) if row else None

    def get(self, request_id: str) -> AssistRequest | None:
        rows = self._db.query("SELECT * FROM assist WHERE id = ?", (request_id,))
        return _from_row(rows[0]) if rows else None

    def recent(self, within_s: float = 4 * 3600, limit: int = 100) -> list[AssistRequest]:
        """Open requests and those acknowledged in the last ``within_s`` seconds, newest first."""
        rows = self._db.query(
            "SELECT * FROM assist WHERE acked_at IS NULL OR acked_at > ? ORDER BY created_at DESC LIMIT ?",
            (self._clock() - within_s, limit),
        )
        return [_from_row(r) for r in rows]

    def open_count(self) -> int:
        return self._db.query("SELECT COUNT(*) FROM assist WHERE acked_at IS NULL")[0][0]


def _from_row(row) -> AssistRequest:
    return AssistRequest(
        row["id"], row["kind"], row["detail"], row["session_id"], row["created_at"], row["acked_at"], row["acked_by"]
    )
