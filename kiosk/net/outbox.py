"""A durable outbox for the store-service webhook: HMAC-signed JSON, retried with backoff.

``Outbox.enqueue`` commits the entry to SQLite before it returns; from then on it is kept until
the service answers 2xx, across restarts and power cuts. Entries are sent strictly oldest
first; a failing entry is retried with backoff (doubling up to ``max_backoff_s``) and holds
the ones behind it. A delivery may be retried when the
service's answer was lost, so every POST carries ``X-Smartmirror-Delivery`` with the entry's
unique id and the service drops repeats: together no acknowledged entry is lost or applied
twice. ``X-Smartmirror-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from kiosk.log import QuietLogger
from kiosk.net.db import NetworkDatabase

_log = logging.getLogger(__name__)

BATCH = 20
KEEP_DELIVERED_S = 7 * 24 * 3600


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OutboxSettings:
    url: str
    secret: str
    timeout_s: float = 5.0
    max_backoff_s: float = 300.0
    first_backoff_s: float = 1.0


class Outbox:
    """Stores entries and delivers them from a task on the network loop."""

    def __init__(
        self, db: NetworkDatabase, settings: OutboxSettings | None, source: dict, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = db
        self._settings = settings
        self._source = source
        self._clock = clock
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._quiet = QuietLogger(_log)

    @property
    def enabled(self) -> bool:
        return self._settings is not None

    def enqueue(self, kind: str, data: dict) -> str | None:
        """Store one entry for delivery (thread-safe); returns its delivery id, None without a webhook."""
        if self._settings is None:
            return None
        delivery_id = secrets.token_hex(16)
        now = self._clock()
        body = json.dumps(
            {"id": delivery_id, "kind": kind, "at": now, "mirror": self._source, "data": data},
            separators=(",", ":"),
            sort_keys=True,
        ).encode("utf-8")
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO outbox (delivery_id, kind, body, created_at, next_at) VALUES (?, ?, ?, ?, ?)",
                (delivery_id, kind, body, now, now),
            )
        self._poke()
        return delivery_id

    def pending(self) -> int:
        return self._db.query("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")[0][0]

    async def async_start(self) -> None:
        if self._settings is None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="webhook-outbox")

    async def async_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._loop = None

    def _poke(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        settings = self._settings
        async with httpx.AsyncClient(timeout=settings.timeout_s, follow_redirects=False) as client:
            while True:
                self._wake.clear()
                delay = await self._deliver_due(client, settings)
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                except TimeoutError:
                    pass

    async def _deliver_due(self, client: httpx.AsyncClient, settings: OutboxSettings) -> float:
        """Send entries oldest first; returns seconds to wait before the next try (60 when idle).

        Delivery is in order: when the oldest entry fails, the ones behind it wait for its
        backoff too, so the store service never sees an acknowledgement before its request.
        """
        rows = await asyncio.to_thread(
            self._db.query,
            "SELECT seq, delivery_id, body, attempts, next_at FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?",
            (BATCH,),
        )
        if not rows:
            await asyncio.to_thread(self._purge)
            return 60.0
        for row in rows:
            wait = row["next_at"] - self._clock()
            if wait > 0:
                return min(wait, 60.0)
            ok, error = await self._post(client, settings, row["delivery_id"], row["body"])
            await asyncio.to_thread(self._record, row["seq"], row["attempts"], ok, error, settings)
            if not ok:
                return 0.0  # the next round reads the new next_at
        return 0.0

    async def _post(self, client, settings: OutboxSettings, delivery_id: str, body: bytes) -> tuple[bool, str | None]:
        headers = {
            "Content-Type": "application/json",
            "X-Smartmirror-Delivery": delivery_id,
            "X-Smartmirror-Signature": sign(settings.secret, body),
        }
        try:
            response = await client.post(settings.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self._quiet.warning("webhook %s unreachable: %s", settings.url, type(exc).__name__)
            return False, f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            self._quiet.clear()
            return True, None
        self._quiet.warning("webhook %s answered %d", settings.url, response.status_code)
        return False, f"HTTP {response.status_code}"

    def _record(self, seq: int, attempts: int, ok: bool, error: str | None, settings: OutboxSettings) -> None:
        now = self._clock()
        with self._db.transaction() as conn:
            if ok:
                conn.execute("UPDATE outbox SET delivered_at = ?, attempts = ? WHERE seq = ?", (now, attempts + 1, seq))
                return
            backoff = min(settings.max_backoff_s, settings.first_backoff_s * 2**attempts)
            backoff *= random.uniform(0.8, 1.0)  # noqa: S311 - jitter, not security
            conn.execute(
                "UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE seq = ?",
                (attempts + 1, now + backoff, error, seq),
            )

    def _purge(self) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", (self._clock() - KEEP_DELIVERED_S,))
