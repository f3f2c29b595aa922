"""Per-address failure counting: slows down anyone guessing a PIN or a bearer token.

Each client address may fail ``max_failures`` times in ``window_s``; after that every attempt
from it is refused until the oldest failure leaves the window, right or wrong (otherwise the
refusal would tell a guesser nothing). The table holds at most ``max_addresses`` addresses:
when full, the address whose last failure is oldest is dropped, so a flood of addresses costs
bounded memory and can only make the throttle forget, never lock out the whole LAN.

A guesser with many addresses (or one who changes address) gets past a per-address count, so
wrong PINs are also counted from all addresses together (``SignInPause``): ``MAX_FAILURES_ALL``
of them in ``FAILURE_WINDOW_ALL_S`` pause every PIN sign-in for ``PAUSE_S``, whatever it sends,
and start counting afresh when the pause ends. A guesser then gets at most
``MAX_FAILURES_ALL - 1`` guesses per ``FAILURE_WINDOW_ALL_S`` (staying under the limit beats
setting off pauses), from any number of addresses: for a 4-digit PIN, about two days on
average to find it, against hours before. The price: anyone on the LAN can keep PIN
sign-in paused by sending wrong PINs. Sessions already signed in go on, and the store's token
still signs in, so the pause is reported (health, metrics and one log line per pause) and
never silent.

Every mirror of a store has the same PIN, so the count is the store's: the other mirrors report
the wrong PINs they count (``pin_reports``, over the signed peer protocol), and ``reported``
counts them here as if they had come here, so a guesser gains nothing by spreading guesses over
the mirrors. A report only ever adds to the count (a peer that holds the store secret can
pause sign-in here, as anyone on the LAN can with wrong PINs, never open it), and a mirror that
starts a pause says so in its report, so the others pause with it even if they missed some of
its reports.
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
    addresses: int  # addresses that sent the failures behind the current (or last) pause, here
    mirrors: int = 0  # other mirrors whose reports counted towards the current (or last) pause
    by_peer: bool = False  # the current (or last) pause was started by another mirror's report
    recent_reported: int = 0  # of ``recent_failures``, those other mirrors reported
    reported: int = 0  # wrong PINs other mirrors reported since start (counted or not)


class SignInPause:
    """Wrong PINs from all addresses, and from the store's other mirrors; too many pause every PIN sign-in."""

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
        # (when, client address here or "", reporting mirror's id or "")
        self._failures: deque[tuple[float, str, str]] = deque(maxlen=max_failures)
        self._until = 0.0
        self._pauses = 0
        self._addresses = 0
        self._mirrors = 0
        self._by_peer = False
        self._reported = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise ``Throttled`` while PIN sign-in is paused."""
        now = self._clock()
        with self._lock:
            if now < self._until:
                raise Throttled(int(self._until - now) + 1, "sign-ins on this mirror")

    def failed(self, client: str) -> bool:
        """Count one wrong PIN from ``client``; True when it starts a pause (logged once)."""
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            self._failures.append((now, client, ""))
            if len(self._failures) < self.max_failures:
                return False
            self._start(now)
        self._log_pause()
        return True

    def reported(self, mirror: str, count: int, paused: bool) -> None:
        """Count ``count`` wrong PINs another mirror of the store counted; ``paused``: they started
        a pause there, so one starts here too. Nothing is counted during a pause, as here."""
        now = self._clock()
        with self._lock:
            self._reported += count
            if now < self._until:
                return
            self._forget_old(now)
            for _ in range(min(count, self.max_failures)):
                self._failures.append((now, "", mirror))
            if len(self._failures) < self.max_failures and not paused:
                return
            self._start(now, by_peer=mirror)
        self._log_pause()

    def state(self) -> PauseState:
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            left = int(self._until - now) + 1 if now < self._until else 0
            recent_reported = sum(1 for _, _, peer in self._failures if peer)
            return PauseState(left, len(self._failures), self.window_s, self._pauses, self._addresses,
                              self._mirrors, self._by_peer, recent_reported, self._reported)

    def _start(self, now: float, by_peer: str = "") -> None:
        """Under the lock: pause now; ``by_peer``: the id of the mirror whose report started it."""
        self._addresses = len({address for _, address, _ in self._failures if address})
        self._mirrors = len({peer for _, _, peer in self._failures if peer} | ({by_peer} if by_peer else set()))
        self._by_peer = bool(by_peer)
        self._failures.clear()  # after the pause, a new pause needs as many new failures
        self._until = now + self.pause_s
        self._pauses += 1

    def _log_pause(self) -> None:
        with self._lock:
            addresses, mirrors = self._addresses, self._mirrors
        # no address, no mirror id and no PIN in the log: how many is what store IT needs to know
        _log.warning("PIN sign-in paused for %d min: too many wrong PINs within %d min from %s "
                     "(someone may be guessing the PIN; the API token still signs in)",
                     round(self.pause_s / 60), round(self.window_s / 60), sources(addresses, mirrors))

    def _forget_old(self, now: float) -> None:
        while self._failures and now - self._failures[0][0] > self.window_s:
            self._failures.popleft()


def sources(addresses: int, mirrors: int) -> str:
    """Where the wrong PINs behind a pause came from, in words: "3 addresses and 1 other mirror of the store"."""
    words = [f"{addresses} address{'' if addresses == 1 else 'es'}"] if addresses or not mirrors else []
    if mirrors:
        words.append(f"{mirrors} other mirror{'' if mirrors == 1 else 's'} of the store")
    return " and ".join(words)
