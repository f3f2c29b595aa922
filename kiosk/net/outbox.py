"""A durable outbox for the store-service webhook: HMAC-signed JSON, retried with backoff.

``Outbox.enqueue`` commits the entry to SQLite before it returns; from then on it is kept until
the service answers 2xx, across restarts and power cuts. Entries are sent strictly oldest
first. A failing entry is retried with backoff (doubling from ``first_backoff_s`` up to
``max_backoff_s``, however many tries it took: the exponent is capped, so weeks of outage never
overflow) and holds the ones behind it, so the store service never sees events out of order.
An answer that can only mean "this entry is bad" (400, 413, 415, 422) parks that entry with the
reason and lets the next ones through; every other failure (the service is down, answers 5xx,
or refuses everyone with 401/404 because a setting is wrong) is an outage and is retried.

A delivery may be retried when the service's answer was lost, so every POST carries
``X-Smartmirror-Delivery`` with the entry's unique id and the service drops repeats: together
no acknowledged entry is lost or applied twice. ``X-Smartmirror-Signature: sha256=<hex>`` is
HMAC-SHA256 of the exact body. A delivered entry keeps only its id and times (its body is
erased), and no body ever holds a share link's URL or token.

The delivery loop survives any exception (logged once, retried, reported by ``status()``),
which ``/api/v1/health``, ``/api/v1/metrics`` and ``kiosk doctor`` read.
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

from kiosk.backoff import backoff_s
from kiosk.log import QuietLogger
from kiosk.net.db import NetworkDatabase
from kiosk.net.outbox_status import LATE_S, OutboxStatus, queue_problem, read_queue, stored_report

__all__ = ["LATE_S", "Outbox", "OutboxSettings", "OutboxStatus", "backoff_s", "mirror_source", "outbox_settings", "read_queue",
           "sign", "stored_report"]

_log = logging.getLogger(__name__)

BATCH = 20
KEEP_DELIVERED_S = 7 * 24 * 3600
KEEP_PARKED_S = 30 * 24 * 3600
IDLE_S = 60.0
#: Answers that condemn the entry, not the service: park it and go on with the next.
PARK_STATUSES = frozenset({400, 413, 415, 422})
#: Keys of event data that never enter the outbox (a share link's URL or token opens the look).
WITHHELD = frozenset({"url", "token"})


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


def outbox_settings(webhook) -> OutboxSettings | None:
    """The delivery settings of ``[webhook]`` (``kiosk.config``); None without ``webhook.url``."""
    return OutboxSettings(webhook.url, webhook.secret, webhook.timeout_s, webhook.max_backoff_s) if webhook.url else None


def mirror_source(api, mirror_id: str) -> dict:
    """Each delivery's ``mirror``: the mirror's id, and its name, room and store from ``[api]``."""
    return {"id": mirror_id, "name": api.name, "room": api.room, "store": api.store}


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
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._last_delivered_at: float | None = None
        self._loop_error: str | None = None
        self._stopped: str | None = None

    @property
    def enabled(self) -> bool:
        return self._settings is not None

    def enqueue(self, kind: str, data: dict) -> str | None:
        """Store one entry for delivery (thread-safe); returns its delivery id, None without a webhook."""
        if self._settings is None:
            return None
        delivery_id = secrets.token_hex(16)
        now = self._clock()
        kept = {key: value for key, value in data.items() if key not in WITHHELD}
        body = json.dumps(
            {"id": delivery_id, "kind": kind, "at": now, "mirror": self._source, "data": kept},
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
        """Entries waiting for delivery (parked ones not counted)."""
        return self._db.query("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked_at IS NULL")[0][0]

    def status(self) -> OutboxStatus:
        """Queue length, age of the oldest entry, parked entries and the last error (reads the database)."""
        queue = read_queue(self._db, self._clock())
        running = self._task is not None and not self._task.done()
        last_error = self._last_error or queue["head_error"]
        return OutboxStatus(
            enabled=self.enabled,
            running=running,
            queued=queue["queued"],
            oldest_age_s=queue["oldest_age_s"],
            parked=queue["parked"],
            last_error=last_error,
            last_error_at=self._last_error_at,
            last_delivered_at=self._last_delivered_at,
            problem=self._problem(running, queue, last_error),
        )

    def retry_parked(self) -> int:
        """Put every parked entry back in line (after the store service was fixed); returns how many."""
        with self._db.transaction() as conn:
            count = conn.execute(
                "UPDATE outbox SET parked_at = NULL, park_reason = NULL, attempts = 0, next_at = ? "
                "WHERE parked_at IS NOT NULL AND delivered_at IS NULL",
                (self._clock(),),
            ).rowcount
        self._poke()
        return count

    def forget(self, customer_id: str, looks: set[str] = frozenset()) -> int:
        """Delete every stored entry about a customer (and ``looks``, theirs); returns how many.

        That is every entry naming the customer or one of the looks, and, transitively, every
        entry naming a session or a look those entries name (a visit's sessions, looks and
        help requests).
        """
        if not customer_id:
            return 0
        with self._db.transaction() as conn:
            rows = [(row["seq"], bytes(row["body"])) for row in conn.execute(
                "SELECT seq, body FROM outbox WHERE length(body) > 0").fetchall()]
            names, doomed = {customer_id, *looks}, set()
            grew = True
            while grew:  # a few rounds at most: customer → sessions → looks
                grew = False
                for seq, body in rows:
                    if seq in doomed or not any(name.encode("utf-8") in body for name in names):
                        continue
                    doomed.add(seq)
                    found = _linked_ids(body) - names
                    if found:
                        names |= found
                        grew = True
            conn.executemany("DELETE FROM outbox WHERE seq = ?", [(seq,) for seq in doomed])
        return len(doomed)

    def forget_ties(self, session_id: str) -> int:
        """Delete every stored entry that names a customer in ``session_id`` (its ``customer_id`` set,
        a staff card's aside); returns how many. The visit's other entries (ids and counts) stay."""
        if not session_id:
            return 0
        with self._db.transaction() as conn:
            rows = conn.execute("SELECT seq, body FROM outbox WHERE length(body) > 0 AND instr(body, ?) > 0",
                                (session_id.encode("utf-8"),)).fetchall()
            doomed = [(row["seq"],) for row in rows if _names_customer_in(bytes(row["body"]), session_id)]
            conn.executemany("DELETE FROM outbox WHERE seq = ?", doomed)
        return len(doomed)

    async def async_start(self) -> None:
        if self._settings is None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopped = None
        self._task = asyncio.create_task(self._run(), name="webhook-outbox")
        self._task.add_done_callback(self._ended)

    async def async_stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._loop = None

    # -- on the loop ----------------------------------------------------------------------------

    def _poke(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:  # the loop closed between the check and the call
                pass

    def _ended(self, task: asyncio.Task) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        self._stopped = f"{type(exc).__name__}: {exc}" if exc else "it returned"
        _log.error("the webhook delivery loop stopped: %s", self._stopped)

    async def _run(self) -> None:
        """Deliver until cancelled; any error is logged, shown in ``status()`` and retried."""
        settings = self._settings
        failures = 0
        while True:
            try:
                async with httpx.AsyncClient(timeout=settings.timeout_s, follow_redirects=False) as client:
                    while True:
                        self._wake.clear()
                        delay = await self._deliver_due(client, settings)
                        failures, self._loop_error = 0, None
                        try:
                            await asyncio.wait_for(self._wake.wait(), timeout=delay)
                        except TimeoutError:
                            pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a database hiccup or a bug must not end deliveries
                failures += 1
                self._loop_error = f"{type(exc).__name__}: {exc}"
                self._note_error(self._loop_error)
                self._quiet.warning("the webhook delivery loop failed (%s); trying again", self._loop_error)
                await asyncio.sleep(backoff_s(failures - 1, settings.first_backoff_s, settings.max_backoff_s))

    async def _deliver_due(self, client: httpx.AsyncClient, settings: OutboxSettings) -> float:
        """Send entries oldest first; returns seconds to wait before the next try (``IDLE_S`` when idle)."""
        rows = await asyncio.to_thread(
            self._db.query,
            "SELECT seq, delivery_id, body, attempts, next_at FROM outbox "
            "WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT ?",
            (BATCH,),
        )
        if not rows:
            await asyncio.to_thread(self._purge)
            return IDLE_S
        for row in rows:
            wait = row["next_at"] - self._clock()
            if wait > 0:
                return min(wait, IDLE_S)
            outcome, error = await self._post(client, settings, row["delivery_id"], bytes(row["body"]))
            await asyncio.to_thread(self._record, row["seq"], row["attempts"], outcome, error, settings)
            if outcome == "retry":
                return 0.0  # the next round reads the new next_at; nothing behind it goes first
        return 0.0

    async def _post(self, client, settings: OutboxSettings, delivery_id: str, body: bytes) -> tuple[str, str | None]:
        """("delivered" | "park" | "retry", the error in words)."""
        headers = {
            "Content-Type": "application/json",
            "X-Smartmirror-Delivery": delivery_id,
            "X-Smartmirror-Signature": sign(settings.secret, body),
        }
        try:
            response = await client.post(settings.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self._quiet.warning("webhook %s unreachable: %s", settings.url, type(exc).__name__)
            return "retry", f"unreachable ({type(exc).__name__})"
        if 200 <= response.status_code < 300:
            self._quiet.clear()
            return "delivered", None
        if response.status_code in PARK_STATUSES:
            _log.warning("webhook %s refused entry %s with HTTP %d; parked it", settings.url, delivery_id, response.status_code)
            return "park", f"the store service refused this entry (HTTP {response.status_code})"
        self._quiet.warning("webhook %s answered %d", settings.url, response.status_code)
        return "retry", f"HTTP {response.status_code}"

    def _record(self, seq: int, attempts: int, outcome: str, error: str | None, settings: OutboxSettings) -> None:
        now = self._clock()
        with self._db.transaction() as conn:
            if outcome == "delivered":
                # the service has it: keep the id and times, not the body
                conn.execute(
                    "UPDATE outbox SET delivered_at = ?, attempts = ?, body = X'', last_error = NULL WHERE seq = ?",
                    (now, attempts + 1, seq),
                )
            elif outcome == "park":
                conn.execute(
                    "UPDATE outbox SET attempts = ?, parked_at = ?, park_reason = ?, last_error = ? WHERE seq = ?",
                    (attempts + 1, now, error, error, seq),
                )
            else:
                wait = backoff_s(attempts, settings.first_backoff_s, settings.max_backoff_s)
                wait *= random.uniform(0.8, 1.0)  # noqa: S311 - jitter, not security
                conn.execute(
                    "UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE seq = ?",
                    (attempts + 1, now + wait, error, seq),
                )
        if outcome == "delivered":
            self._last_delivered_at = now
        else:
            self._note_error(error)

    def _note_error(self, error: str | None) -> None:
        self._last_error, self._last_error_at = error, self._clock()

    def _purge(self) -> None:
        now = self._clock()
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", (now - KEEP_DELIVERED_S,))
            gone = conn.execute(
                "DELETE FROM outbox WHERE parked_at IS NOT NULL AND delivered_at IS NULL AND parked_at < ?",
                (now - KEEP_PARKED_S,),
            ).rowcount
        if gone:
            _log.warning("deleted %d parked webhook entries older than %d days", gone, KEEP_PARKED_S // 86400)

    def _problem(self, running: bool, queue: dict, last_error: str | None) -> str | None:
        if not self.enabled:
            return None
        found = []
        if not running:
            found.append(f"the delivery loop is not running ({self._stopped or 'not started'})")
        elif self._loop_error:
            found.append(f"the delivery loop hit an error and keeps retrying ({self._loop_error})")
        stored = queue_problem(queue, last_error)
        if stored:
            found.append(stored)
        return "; ".join(found) or None


#: The ids an entry is about. ``look_ids`` (a comparison's looks) are matched but not followed:
#: a comparison may show another shopper's look, and forgetting one must not reach the other.
_LINKS = ("customer_id", "session_id", "look_id", "comparison_id")
_MATCHED_ONLY = ("look_ids",)


def _linked_ids(body: bytes) -> set[str]:
    """The customer, session and look ids anywhere in an entry's body."""
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in _LINKS:
                    if isinstance(value, str) and len(value) >= 8:
                        found.add(value)
                elif key not in _MATCHED_ONLY:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _names_customer_in(body: bytes, session_id: str) -> bool:
    """Whether an entry's data ties a customer (not a staff card) to ``session_id``."""
    try:
        data = json.loads(body).get("data") or {}
    except (ValueError, AttributeError):
        return False
    return data.get("session_id") == session_id and bool(data.get("customer_id")) and not data.get("staff")
