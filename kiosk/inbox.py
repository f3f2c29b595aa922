"""One queue and one named thread that handles its items one at a time, in order, and ticks a clock.

The core's own machinery (``kiosk.core``): whatever any thread posts — a bus event, or an
intent as a function to call — is handled on this one thread, so decisions never race and
never run on the UI thread. A tick is delivered at least every ``tick_s`` for the session
clock. The loop survives any exception: ``on_fault(what, exc)`` is told, and it carries on.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable


class _Call:
    """An intent: a function to run on the inbox's thread."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn


_STOP = object()


class Inbox:
    """``post``/``call`` from any thread; ``handle(item)`` and ``tick(now)`` run on the inbox's own."""

    def __init__(
        self,
        name: str,
        handle: Callable[[object], None],
        tick: Callable[[float], None],
        on_fault: Callable[[str, Exception], None],
        tick_s: float = 0.5,
    ) -> None:
        self._name = name
        self._handle = handle
        self._tick = tick
        self._on_fault = on_fault
        self._tick_s = tick_s
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Handle what was posted before, then end the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def post(self, item: object) -> None:
        self._queue.put(item)

    def call(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` on the inbox's thread, after everything posted before it."""
        self._queue.put(_Call(fn))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything posted before this call has been handled."""
        done = threading.Event()
        self.call(done.set)
        return done.wait(timeout)

    def _loop(self) -> None:
        next_tick = time.monotonic() + self._tick_s
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            now = time.monotonic()
            if item is None or now >= next_tick:
                next_tick = now + self._tick_s
                self._guarded("the clock", self._tick, now)
            if isinstance(item, _Call):
                self._guarded(getattr(item.fn, "__name__", "an intent"), item.fn)
            elif item is not None:
                self._guarded(type(item).__name__, self._handle, item)

    def _guarded(self, what: str, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one mistake
            self._on_fault(what, exc)
