"""Per-address failure counting: slows down anyone guessing a PIN or a bearer token.

Each client address may fail ``max_failures`` times in ``window_s``; after that every attempt
from it is refused until the oldest failure leaves the window, right or wrong (otherwise the
refusal would tell a guesser nothing). The table holds at most ``max_addresses`` addresses:
when full, the address whose last failure is oldest is dropped, so a flood of addresses costs
bounded memory and can only make the throttle forget, never lock out the whole LAN.

A guesser with many addresses (or one who changes address) gets past a per-address count, so
wrong PINs are also counted from all addresses together (``SignInPause``): ``MAX_FAILURES_ALL``
of them in ``FAILURE_WINDOW_ALL_S`` pause every PIN sign-in for ``PAUSE_S``, whatever it sends,
and start counting afresh when the pause ends. At most ``MAX_FAILURES_ALL`` guesses per
``PAUSE_S`` then reach the PIN, from any number of addresses: for a 4-digit PIN, about five
days on average to find it, against hours before. The price: anyone on the LAN can keep PIN
sign-in paused by sending wrong PINs. Sessions already signed in go on, and the store's token
still signs in, so the pause is reported (health, metrics and one log line per pause) and
never silent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

_log = logging.getLogger(__name__)

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
MAX_ADDRESSES = 4096

MAX_FAILURES_ALL = 10  # wrong PINs from all addresses together...
FAILURE_WINDOW_ALL_S = 300.0  # ...within this many seconds...
PAUSE_S = 900.0  # ...pause every PIN sign-in this long


class Throttled(Exception):
    """Too many failures from one address, or wrong PINs from all of them; ``retry_after`` is in seconds."""

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


@dataclass(frozen=True)
class PauseState:
    """Where the all-addresses count stands, for health and metrics."""

    paused_for_s: int  # seconds left of the pause now on; 0: PIN sign-in is open
    recent_failures: int  # wrong PINs counted towards the next pause (those within ``window_s``)
    window_s: float
    pauses: int  # pauses since start
    addresses: int  # addresses that sent the failures behind the current (or last) pause


class SignInPause:
    """Wrong PINs from all addresses together; too many pause every PIN sign-in for a while."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES_ALL,
        window_s: float = FAILURE_WINDOW_ALL_S,
        pause_s: float = PAUSE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.pause_s = pause_s
        self._clock = clock
        self._failures: deque[tuple[float, str]] = deque(maxlen=max_failures)  # (when, client address)
        self._until = 0.0
        self._pauses = 0
        self._addresses = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise ``Throttled`` while PIN sign-in is paused."""
        now = self._clock()
        with self._lock:
            if now < self._until:
                raise Throttled(int(self._until - now) + 1, "sign-ins on this mirror")

    def failed(self, client: str) -> None:
        """Count one wrong PIN; the one that reaches the limit starts a pause (logged once)."""
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            self._failures.append((now, client))
            if len(self._failures) < self.max_failures:
                return
            self._addresses = len({address for _, address in self._failures})
            self._failures.clear()  # after the pause, a new pause needs as many new failures
            self._until = now + self.pause_s
            self._pauses += 1
            addresses = self._addresses
        # no address and no PIN in the log: how many addresses is what store IT needs to know
        _log.warning("PIN sign-in paused for %d min: %d wrong PINs within %d min from %d address%s "
                     "(someone may be guessing the PIN; the API token still signs in)",
                     round(self.pause_s / 60), self.max_failures, round(self.window_s / 60), addresses,
                     "" if addresses == 1 else "es")

    def state(self) -> PauseState:
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            left = int(self._until - now) + 1 if now < self._until else 0
            return PauseState(left, len(self._failures), self.window_s, self._pauses, self._addresses)

    def _forget_old(self, now: float) -> None:
        while self._failures and now - self._failures[0][0] > self.window_s:
            self._failures.popleft()
