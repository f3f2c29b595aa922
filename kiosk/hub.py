"""The frames hub: one capture feeds many consumers without ever waiting for them.

The camera thread calls ``publish``, which only swaps a reference under a lock and wakes the
waiters, so capture never blocks on a consumer. Each consumer holds a ``Subscription`` and
asks for the newest frame it has not seen; a consumer slower than the camera skips frames
(the gap in sequence numbers is counted as its ``skipped``). Frames are shared, read-only
objects: nobody copies a picture they do not need.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.ports import Frame


@dataclass
class SubscriptionStats:
    """How one consumer is keeping up."""

    received: int = 0
    skipped: int = 0


class Subscription:
    """A consumer's view of the hub: the newest unseen frame, and how many it skipped."""

    def __init__(self, hub: "FrameHub", name: str) -> None:
        self.name = name
        self.stats = SubscriptionStats()
        self._hub = hub
        self._last_seq = 0
        self._closed = False

    def next(self, timeout: float | None = None) -> Frame | None:
        """Wait up to ``timeout`` seconds for a frame newer than the last one; None if none came."""
        hub = self._hub
        with hub._cond:
            if not hub._cond.wait_for(self._ready, timeout):
                return None
            frame = hub._latest
            if frame is None or self._closed:
                return None
            if self._last_seq and frame.seq > self._last_seq + 1:
                self.stats.skipped += frame.seq - self._last_seq - 1
            self._last_seq = frame.seq
            self.stats.received += 1
            return frame

    def poll(self) -> Frame | None:
        """The newest unseen frame without waiting, or None."""
        return self.next(timeout=0)

    def close(self) -> None:
        """Stop receiving; a thread blocked in ``next`` returns None."""
        with self._hub._cond:
            self._closed = True
            if self in self._hub._subs:
                self._hub._subs.remove(self)
            self._hub._cond.notify_all()

    def _ready(self) -> bool:
        latest = self._hub._latest
        return self._closed or (latest is not None and latest.seq != self._last_seq)


class FrameHub:
    """Holds the newest frame (and the one before it, for the analysis' torso flow) and wakes the
    consumers waiting for it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._previous: Frame | None = None
        self._subs: list[Subscription] = []
        self.published = 0

    def publish(self, frame: Frame) -> None:
        """Make ``frame`` the newest; O(1), never waits for a consumer."""
        with self._cond:
            self._previous, self._latest = self._latest, frame
            self.published += 1
            self._cond.notify_all()

    def latest(self) -> Frame | None:
        """The newest frame, for one-off readers (health, snapshots)."""
        return self._latest

    def before(self, frame: Frame) -> Frame | None:
        """The frame published just before ``frame``, while the hub still holds it (else None).

        The analysis measures how the picture moved between the two (``analysis.flow``)."""
        with self._cond:
            previous, latest = self._previous, self._latest
        for candidate in (previous, latest):
            if candidate is not None and candidate.seq == frame.seq - 1:
                return candidate
        return None

    def subscribe(self, name: str) -> Subscription:
        """Register a consumer; it sees frames published from now on."""
        sub = Subscription(self, name)
        with self._cond:
            if self._latest is not None:
                sub._last_seq = self._latest.seq
            self._subs.append(sub)
        return sub

    def subscriptions(self) -> list[Subscription]:
        with self._cond:
            return list(self._subs)


class ConsumerThread:
    """A named thread that reads a hub subscription: ``start`` subscribes, ``stop`` closes and joins.

    ``run(subscription, stop)`` is the thread's body; it loops on ``subscription.next(...)``
    until ``stop`` is set (closing the subscription also wakes a waiting ``next``).
    """

    def __init__(self, hub: FrameHub, name: str, run, join_s: float = 2.0) -> None:
        self.name = name
        self.subscription: Subscription | None = None
        self._hub = hub
        self._run = run
        self._join_s = join_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self.subscription = self._hub.subscribe(self.name)
        self._thread = threading.Thread(
            target=self._run, args=(self.subscription, self._stop), name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.subscription is not None:
            self.subscription.close()
        if self._thread is not None:
            self._thread.join(self._join_s)
            self._thread = None
