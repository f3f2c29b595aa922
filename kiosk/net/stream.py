"""Server-sent events: fans the mirror's events out to every connected console and client.

``publish`` may be called from any thread; it hops onto the network loop. Each subscriber has
a bounded queue: a client that stops reading loses its oldest events (counted, and told so by
a ``lagged`` event) instead of growing memory or slowing the mirror.

The subscriber limits are enforced when a subscription is opened (``open``, under a lock), before
any response starts: at most ``MAX_PER_ADDRESS`` from one client address (beyond: a clean 429,
so that one device, a script or a leaked PIN cannot take every slot and leave the store's
tablets without live updates) and ``MAX_SUBSCRIBERS`` in all (beyond: a clean 503). The slot is
given back when the response ends however it ends (``EventStreamResponse``).

A subscription is tied to the credential that opened it: ``still_valid`` is asked before each
event and at each keep-alive, and the stream ends (nothing more is sent) once it says no, so a
console that signed out or whose session expired hears nothing more. ``end(key)``, which the
sign-in book calls when a session ends, closes that session's streams at once instead of at
the next keep-alive. ``end_all``, which the service calls when the mirror stops, ends every
stream, and any opened after it, at once: uvicorn's graceful stop waits for open responses,
and a stream that never ends was cancelled after its grace second, with a traceback in the log.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.responses import StreamingResponse

_log = logging.getLogger(__name__)

QUEUE_SIZE = 256
KEEPALIVE_S = 15.0
MAX_SUBSCRIBERS = 64
#: Streams one client address may hold: a tablet's console holds one, a few tabs or a shared
#: address (a guest network) a few more.
MAX_PER_ADDRESS = 8

#: The event names a client may see on GET /api/v1/events.
EVENT_NAMES = (
    "session_started",
    "session_ended",
    "look_recorded",
    "card_tapped",
    "customer_identified",
    "assist_requested",
    "assist_acked",
    "look_shared",
    "comparison_shared",
    "look_noted",
    "look_deleted",
    "state",
)


@dataclass(frozen=True)
class StreamEvent:
    id: int
    name: str
    data: dict

    def encode(self) -> bytes:
        return f"id: {self.id}\nevent: {self.name}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n".encode()


class TooManySubscribers(Exception):
    """The subscriber limit is reached."""


class TooManyFromAddress(Exception):
    """The client address already holds its share of the subscribers (``MAX_PER_ADDRESS``)."""


_END = object()  # put in a subscriber's queue by ``end``: its credential is no longer valid
_STOPPING = object()  # put in every subscriber's queue by ``end_all``: the mirror is stopping


def _last_word(queues, marker: object) -> None:
    """Put ``marker`` in each queue, making room for it by dropping the oldest event of a full one
    (a stream that ends need not deliver what it was behind on)."""
    for queue in queues:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(marker)


def _always() -> bool:
    return True


class EventStream:
    """Fan-out of named JSON events to asyncio subscribers on one loop."""

    def __init__(
        self, max_subscribers: int | None = None, keepalive_s: float = KEEPALIVE_S, max_per_address: int | None = None
    ) -> None:
        self.max_subscribers = MAX_SUBSCRIBERS if max_subscribers is None else max_subscribers
        self.max_per_address = MAX_PER_ADDRESS if max_per_address is None else max_per_address
        self.keepalive_s = keepalive_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: dict[asyncio.Queue, str | None] = {}  # each subscriber's queue → its session key
        self._clients: dict[asyncio.Queue, str | None] = {}  # each subscriber's queue → its client address
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._lagged = 0
        self._stopping = False  # set on the loop by ``end_all``

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the network loop (called by the service before the server starts)."""
        self._loop = loop

    def publish(self, name: str, data: dict) -> None:
        """Send an event to every subscriber; safe from any thread, a no-op before ``bind``."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._deliver, name, data)
        except RuntimeError:  # the loop closed between the check and the call
            pass

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._queues)

    def open(
        self, key: str | None = None, still_valid: Callable[[], bool] = _always, client: str | None = None
    ) -> Subscription:
        """Take a subscriber slot now, or raise ``TooManyFromAddress`` or ``TooManySubscribers``;
        close the result when done.

        ``key`` names the sign-in session that opened it (None: the store's token, which no
        sign-out ends); ``still_valid`` says whether its credential may still hear events;
        ``client`` is the address it came from (None: not counted per address).
        """
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            if client is not None and sum(1 for c in self._clients.values() if c == client) >= self.max_per_address:
                raise TooManyFromAddress
            if len(self._queues) >= self.max_subscribers:
                raise TooManySubscribers
            self._queues[queue] = key
            self._clients[queue] = client
        if self._stopping:  # opened between the stop and the server's last accept: ends at once
            queue.put_nowait(_STOPPING)
        return Subscription(self, queue, still_valid)

    def end(self, key: str) -> None:
        """Close the streams opened by session ``key``; safe from any thread, a no-op before ``bind``."""
        self._on_loop(self._end, key)

    def end_all(self) -> None:
        """The mirror is stopping: end every stream now and any opened later; safe from any thread."""
        self._on_loop(self._end_all)

    def _on_loop(self, call, *args) -> None:
        """``call(*args)`` on the network loop, from any thread; nothing before ``bind`` or after it closed."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(call, *args)
        except RuntimeError:  # the loop closed between the check and the call
            pass

    async def subscribe(self) -> AsyncIterator[bytes]:
        """Encoded SSE frames of a new subscription (``open`` + ``Subscription.frames``)."""
        subscription = self.open()
        try:
            async for frame in subscription.frames():
                yield frame
        finally:
            subscription.close()

    def _release(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._queues.pop(queue, None)
            self._clients.pop(queue, None)

    def _end(self, key: str) -> None:
        with self._lock:
            queues = [queue for queue, owner in self._queues.items() if owner == key]
        _last_word(queues, _END)

    def _end_all(self) -> None:
        self._stopping = True
        with self._lock:
            queues = tuple(self._queues)
        _last_word(queues, _STOPPING)

    def _deliver(self, name: str, data: dict) -> None:
        event = StreamEvent(next(self._ids), name, data)
        with self._lock:
            queues = tuple(self._queues)
        for queue in queues:
            if queue.full():
                queue.get_nowait()
                self._lagged += 1
            queue.put_nowait(event)


class Subscription:
    """One subscriber's slot and queue; ``close`` (idempotent) gives the slot back."""

    def __init__(self, stream: EventStream, queue: asyncio.Queue, still_valid: Callable[[], bool] = _always) -> None:
        self._stream = stream
        self._queue = queue
        self._still_valid = still_valid

    def close(self) -> None:
        self._stream._release(self._queue)

    async def frames(self) -> AsyncIterator[bytes]:
        """Encoded SSE frames, with a comment every keep-alive so proxies keep the line open.

        The credential is checked before every event and every keep-alive; the stream ends
        when it is no longer valid (the client's next request then gets 401).
        """
        try:
            yield b"retry: 2000\n: connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(self._queue.get(), self._stream.keepalive_s)
                except TimeoutError:
                    event = None
                if event is _STOPPING:
                    yield b": the mirror is stopping\n\n"
                    return
                if event is _END or not self._allowed():
                    yield b": signed out or expired: sign in again\n\n"
                    return
                yield b": keep-alive\n\n" if event is None else event.encode()
        finally:
            self.close()

    def _allowed(self) -> bool:
        try:
            return bool(self._still_valid())
        except Exception:  # a check that breaks must not leave the stream open, nor kill the loop
            _log.exception("cannot check an event stream's credential; the stream is closed")
            return False


class EventStreamResponse(StreamingResponse):
    """``text/event-stream`` of one subscription; the slot is freed when the response ends."""

    def __init__(self, subscription: Subscription, headers: dict | None = None) -> None:
        super().__init__(subscription.frames(), media_type="text/event-stream", headers=headers)
        self._subscription = subscription

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._subscription.close()
