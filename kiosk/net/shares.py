"""Share links: unguessable tokens for one consented look (or comparison), with an expiry and revocation.

Tokens carry 192 random bits (``secrets.token_urlsafe(24)``). Only their SHA-256 is stored,
so a copy of the database does not hand out working links; that digest is also the link's
``share_id`` wherever a link must be named without being usable (the webhook). Revocation is
for good: nothing un-revokes a link, and a look whose consent is withdrawn loses its links even
if the shopper agrees again later (they get a new link).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.net.db import NetworkDatabase

TOKEN_BYTES = 24


class ShareState(str, enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Share:
    """One share link; ``token`` is only known right after ``create``."""

    look_id: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    token: str | None = None
    kind: str = "look"  # or "comparison": look_id then holds the comparison's id

    def state(self, now: float) -> ShareState:
        if self.revoked_at is not None:
            return ShareState.REVOKED
        return ShareState.EXPIRED if now >= self.expires_at else ShareState.VALID


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_id(token: str) -> str:
    """The name of a link that does not open it: the SHA-256 the database keeps."""
    return _digest(token)


class ShareStore:
    """Creates, looks up and revokes share links in the network database."""

    def __init__(self, db: NetworkDatabase, expiry_s: float, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._expiry_s = expiry_s
        self._clock = clock

    @property
    def database(self) -> NetworkDatabase:
        return self._db

    def create(self, look_id: str, kind: str = "look") -> Share:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        share = Share(look_id, now, now + self._expiry_s, None, token, kind)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO shares (token, look_id, created_at, expires_at, kind) VALUES (?, ?, ?, ?, ?)",
                (_digest(token), look_id, share.created_at, share.expires_at, kind),
            )
        return share

    def find(self, token: str) -> Share | None:
        """The share behind a token (in any state), or None for a token never issued."""
        if not token or len(token) > 128:
            return None
        rows = self._db.query(
            "SELECT look_id, created_at, expires_at, revoked_at, kind FROM shares WHERE token = ?", (_digest(token),)
        )
        if not rows:
            return None
        row = rows[0]
        return Share(row["look_id"], row["created_at"], row["expires_at"], row["revoked_at"], kind=row["kind"])

    def opens(self, token: str) -> bool:
        """Whether the link opens now: issued, not revoked, not expired."""
        share = self.find(token)
        return share is not None and share.state(self._clock()) == ShareState.VALID

    def revoke(self, token: str) -> bool:
        """Revoke one link; False when the token is unknown."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE shares SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL", (self._clock(), _digest(token))
            )
            return cur.rowcount > 0 or bool(conn.execute("SELECT 1 FROM shares WHERE token = ?", (_digest(token),)).fetchone())

    def revoke_look(self, look_id: str) -> int:
        """Revoke every link to a look (it was deleted or consent was withdrawn)."""
        with self._db.transaction() as conn:
            cur = conn.execute(
                "UPDATE shares SET revoked_at = ? WHERE look_id = ? AND revoked_at IS NULL", (self._clock(), look_id)
            )
            return cur.rowcount

    def revoke_looks(self, look_ids: list[str]) -> int:
        """Revoke every link to any of ``look_ids``; returns how many were still open."""
        return sum(self.revoke_look(look_id) for look_id in look_ids)

    def forget_looks(self, keep: set[str]) -> set[str]:
        """Revoke links to looks not in ``keep`` and erase which look they named (forget-me).

        Returns the ids of the looks whose links were erased.
        """
        now = self._clock()
        with self._db.transaction() as conn:
            rows = conn.execute("SELECT token, look_id FROM shares WHERE look_id != ''").fetchall()
            gone = [(row["token"], row["look_id"]) for row in rows if row["look_id"] not in keep]
            conn.executemany(
                "UPDATE shares SET look_id = '', revoked_at = COALESCE(revoked_at, ?) WHERE token = ?",
                [(now, token) for token, _ in gone],
            )
        return {look_id for _, look_id in gone}

    def active_count(self, look_id: str) -> int:
        rows = self._db.query(
            "SELECT COUNT(*) FROM shares WHERE look_id = ? AND revoked_at IS NULL AND expires_at > ?", (look_id, self._clock())
        )
        return rows[0][0]
