"""Server-sent events: fans the mirror's events out to every connected console and client.

``publish`` may be called from any thread; it hops onto the network loop. Each subscriber has
a bounded queue: a client that stops reading loses its oldest events (counted, and told so by
a ``lagged`` event) instead of growing memory or slowing the mirror.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

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

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queues: set[asyncio.Queue] = set()
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
        return len(self._queues)

    def _deliver(self, name: str, data: dict) -> None:
        event = StreamEvent(next(self._ids), name, data)
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
                self._lagged += 1
            queue.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[bytes]:
        """Encoded SSE frames, with a comment every ``KEEPALIVE_S`` so proxies keep the line open."""
        if len(self._queues) >= MAX_SUBSCRIBERS:
            raise TooManySubscribers
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield b"retry: 2000\n: connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                yield event.encode()
        finally:
            self._queues.discard(queue)
