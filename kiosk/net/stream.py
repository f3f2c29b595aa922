"""Server-sent events: fans the mirror's events out to every connected console and client.

``publish`` may be called from any thread; it hops onto the network loop. Each subscriber has
a bounded queue: a client that stops reading loses its oldest events (counted, and told so by
a ``lagged`` event) instead of growing memory or slowing the mirror.

The subscriber limit is enforced when a subscription is opened (``open``, under a lock), before
any response starts: a client over the limit gets a clean 503, and the slot is given back when
the response ends however it ends (``EventStreamResponse``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.responses import StreamingResponse

_log = logging.getLogger(__name__)

QUEUE_SIZE = 256
KEEPALIVE_S = 15.0
MAX_SUBSCRIBERS = 64

#: The event names a client may see on GET /api/v1/events.
EVENT_NAMES = (
    "session_started",
    "session_ended",
    "look_recorded",
    "card_tapped",
    "assist_requested",
    "assist_acked",
    "look_shared",
    "comparison_shared",
    "look_noted",
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


class EventStream:
    """Fan-out of named JSON events to asyncio subscribers on one loop."""

    def __init__(self, max_subscribers: int | None = None) -> None:
        self.max_subscribers = MAX_SUBSCRIBERS if max_subscribers is None else max_subscribers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: set[asyncio.Queue] = set()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._lagged = 0

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

    def open(self) -> Subscription:
        """Take a subscriber slot now, or raise ``TooManySubscribers``; close the result when done."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            if len(self._queues) >= self.max_subscribers:
                raise TooManySubscribers
            self._queues.add(queue)
        return Subscription(self, queue)

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
            self._queues.discard(queue)

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

    def __init__(self, stream: EventStream, queue: asyncio.Queue) -> None:
        self._stream = stream
        self._queue = queue

    def close(self) -> None:
        self._stream._release(self._queue)

    async def frames(self) -> AsyncIterator[bytes]:
        """Encoded SSE frames, with a comment every ``KEEPALIVE_S`` so proxies keep the line open."""
        try:
            yield b"retry: 2000\n: connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(self._queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                yield event.encode()
        finally:
            self.close()


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
