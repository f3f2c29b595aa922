"""Per-address failure counting: slows down anyone guessing a PIN or a bearer token.

Each client address may fail ``max_failures`` times in ``window_s``; after that every attempt
from it is refused until the oldest failure leaves the window, right or wrong (otherwise the
refusal would tell a guesser nothing). The table holds at most ``max_addresses`` addresses:
when full, the address whose last failure is oldest is dropped, so a flood of addresses costs
bounded memory and can only make the throttle forget, never lock out the whole LAN.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
MAX_ADDRESSES = 4096


class Throttled(Exception):
    """Too many failures from one address; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int, what: str = "sign-ins") -> None:
        super().__init__(f"too many failed {what}; try again in {retry_after} s")
        self.retry_after = retry_after


class FailureBook:
    """Recent failures per client address, bounded in time and in the number of addresses."""

    def __init__(
        self,
        what: str,
        max_failures: int = MAX_FAILURES,
        window_s: float = FAILURE_WINDOW_S,
        max_addresses: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_addresses = max_addresses
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._failures)

    def check(self, client: str) -> None:
        """Raise ``Throttled`` while ``client`` has used up its failures."""
        now = self._clock()
        with self._lock:
            recent = self._recent(client, now)
            if recent is not None and len(recent) >= self.max_failures:
                raise Throttled(int(self.window_s - (now - recent[0])) + 1, self.what)

    def failed(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            recent = self._recent(client, now)
            if recent is None:
                while len(self._failures) >= self.max_addresses:
                    self._failures.popitem(last=False)
                recent = self._failures[client] = deque(maxlen=self.max_failures)
            recent.append(now)
            self._failures.move_to_end(client)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        recent = self._failures.get(client)
        if recent is None:
            return None
        while recent and now - recent[0] > self.window_s:
            recent.popleft()
        if not recent:
            del self._failures[client]
            return None
        return recent
