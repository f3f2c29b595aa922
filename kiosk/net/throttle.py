"""Per-address failure counting: slows down anyone guessing a PIN or a bearer token.

Each client address may fail ``max_failures`` times in ``window_s``; after that every attempt
from it is refused until the oldest failure leaves the window, right or wrong (otherwise the
refusal would tell a guesser nothing). The table holds at most ``max_addresses`` addresses:
when full, the address whose last failure is oldest is dropped, so a flood of addresses costs
bounded memory and can only make the throttle forget, never lock out the whole LAN. The same
book counts every request, not only failures, where one is work anyone may ask for (``take``:
the hellos between mirrors, ``hello_limit``).

A guesser with many addresses (or one who changes address) gets past a per-address count, so
wrong PINs are also counted from all addresses together (``SignInPause``), against two limits:

- ``MAX_FAILURES_ALL`` in ``FAILURE_WINDOW_ALL_S`` pause every PIN sign-in for ``PAUSE_S``,
  whatever it sends, and that count starts afresh when the pause ends. It stops a burst, but a
  guesser who stays under it (``MAX_FAILURES_ALL - 1`` every ``FAILURE_WINDOW_ALL_S``) still gets
  about 2,600 guesses a day: a 4-digit PIN in about two days on average.
- ``MAX_FAILURES_DAY`` in ``FAILURE_WINDOW_DAY_S`` (a day) pause every PIN sign-in until fewer
  are left in the day: until the oldest of them is a day old. That count is never cleared, so
  it is a budget of guesses per day, however they are spread: a patient guesser gets
  ``MAX_FAILURES_DAY`` a day (a 4-digit PIN in about 100 days on average, a 6-digit one in about
  27 years), while a busy store's honest typos (20 associates, some 10 to 30 a day) stay under
  it. Past it, each wrong PIN that is a day old makes room for one more.

A pause lasts as long as the longer of the limits reached; nothing is counted during it (the
PIN is not even compared, so a refusal tells nothing). The price: anyone on the LAN can keep PIN
sign-in paused by sending wrong PINs, and ``MAX_FAILURES_DAY`` of them in an hour keep it paused
for most of a day. Sessions already signed in go on, and the store's token still signs in, so
the pause is reported (health, metrics and one log line per pause, saying which limit and until
when) and never silent. Each count keeps only as many wrong PINs as its limit: bounded memory.

Every mirror of a store has the same PIN, so the count is the store's: the other mirrors report
the wrong PINs they count (``pin_reports``, over the signed peer protocol), and ``reported``
counts them here in both counts as if they had come here, so a guesser gains nothing by spreading
guesses over the mirrors. A report only ever adds to the count (a peer that holds the store
secret can pause sign-in here, as anyone on the LAN can with wrong PINs, never open it), and a
mirror that starts a pause says so in its report, so the others pause with it even if they
missed some of its reports: for ``PAUSE_S`` at least, since no time crosses the wire; the day's
limit pauses them for longer as their own day's count, fed by the same reports, reaches it.

Both counts and the pause outlive a restart: each change is saved (``pin_counts``, times only)
before the sign-in is answered, and ``restore`` takes them up at start, so restarting the kiosk
neither ends a pause nor gives a guesser a fresh day's ``MAX_FAILURES_DAY``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.net.pin_counts import KeptCounts, PinCountFile
from kiosk.words import duration

_log = logging.getLogger(__name__)

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
MAX_ADDRESSES = 4096

MAX_FAILURES_ALL = 10  # wrong PINs from all addresses together...
FAILURE_WINDOW_ALL_S = 300.0  # ...within this many seconds...
PAUSE_S = 900.0  # ...pause every PIN sign-in this long
MAX_FAILURES_DAY = 50  # wrong PINs from all addresses together...
FAILURE_WINDOW_DAY_S = 24 * 3600.0  # ...within this many seconds pause PIN sign-in until fewer are left within it


class Throttled(Exception):
    """Too many failures from one address, or wrong PINs from all of them; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int, what: str = "sign-ins", message: str = "") -> None:
        super().__init__(message or f"Too many failed {what}; try again in {duration(retry_after)}.")
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
            self._check(client, now)

    def failed(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            self._add(client, now)

    def take(self, client: str) -> None:
        """``check`` and count in one step, for a book that counts every request, not only failures:
        raise ``Throttled`` (counting nothing) while ``client`` has used up its share."""
        now = self._clock()
        with self._lock:
            self._check(client, now)
            self._add(client, now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def refusal(self, retry_after: int) -> Throttled:
        """What an address that used up its share is told."""
        return Throttled(retry_after, self.what)

    def _check(self, client: str, now: float) -> None:
        recent = self._recent(client, now)
        if recent is not None and len(recent) >= self.max_failures:
            raise self.refusal(int(self.window_s - (now - recent[0])) + 1)

    def _add(self, client: str, now: float) -> None:
        recent = self._recent(client, now)
        if recent is None:
            while len(self._failures) >= self.max_addresses:
                self._failures.popitem(last=False)
            recent = self._failures[client] = deque(maxlen=self.max_failures)
        recent.append(now)
        self._failures.move_to_end(client)

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
class PinLimits:
    """How many wrong PINs the store takes from all addresses and mirrors together, and the pauses past them."""

    max_failures: int = MAX_FAILURES_ALL
    window_s: float = FAILURE_WINDOW_ALL_S
    pause_s: float = PAUSE_S
    day_max: int = MAX_FAILURES_DAY
    day_window_s: float = FAILURE_WINDOW_DAY_S


#: What started a pause: the short count, the day's count, or another mirror's pause.
SHORT, DAY, PEER = "short", "day", "peer"


@dataclass(frozen=True)
class PauseState:
    """Where the all-addresses counts stand, for health and metrics."""

    paused_for_s: int  # seconds left of the pause now on; 0: PIN sign-in is open
    recent_failures: int  # wrong PINs counted towards the next short pause (those within ``window_s``)
    window_s: float
    pauses: int  # pauses since start
    addresses: int  # addresses that sent the failures behind the current (or last) pause, here
    mirrors: int = 0  # other mirrors whose reports counted towards the current (or last) pause
    by_peer: bool = False  # the current (or last) pause was started by another mirror's report
    recent_reported: int = 0  # of ``recent_failures``, those other mirrors reported
    reported: int = 0  # wrong PINs other mirrors reported since start (counted or not)
    cause: str = ""  # what started the current (or last) pause: SHORT, DAY or PEER; "" before the first
    day_failures: int = 0  # wrong PINs within ``day_window_s``, towards the day's limit (at most ``day_max``)
    day_max: int = MAX_FAILURES_DAY
    day_window_s: float = FAILURE_WINDOW_DAY_S
    max_failures: int = MAX_FAILURES_ALL  # within ``window_s``: a short pause
    kept_problem: str = ""  # why the counts may not hold across a restart ("" when they do)

    def reason(self) -> str:
        """Why the current (or last) pause began, in words: the limit reached and where the wrong
        PINs came from (how many addresses and mirrors, never which)."""
        if self.cause == PEER:
            return "another mirror of the store paused its PIN sign-in"
        if self.cause == DAY:
            return (f"{self.day_max} wrong PINs within {duration(self.day_window_s)}, the most the store takes in "
                    f"that time, from {sources(self.addresses, self.mirrors)}")
        return f"{self.max_failures} wrong PINs within {duration(self.window_s)} from {sources(self.addresses, self.mirrors)}"


class SignInPause:
    """Wrong PINs from all addresses, and from the store's other mirrors; too many pause every PIN sign-in."""

    def __init__(self, limits: PinLimits = PinLimits(), clock: Callable[[], float] = time.monotonic,
                 keeper: PinCountFile | None = None) -> None:
        self.limits = limits
        self._clock = clock
        self._keeper = keeper  # where the counts outlive a restart (None: in memory only)
        self._save_lock = threading.Lock()  # one save at a time, each of the counts as they are then
        # (when, client address here or "", reporting mirror's id or ""); each count keeps only as
        # many as its limit, so memory is bounded however many wrong PINs come
        self._recent: deque[tuple[float, str, str]] = deque(maxlen=limits.max_failures)
        self._day: deque[tuple[float, str, str]] = deque(maxlen=limits.day_max)
        self._until = 0.0
        self._cause = ""
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
                left = int(self._until - now) + 1
                # read by an associate at the sign-in: the whole store is paused (another mirror will
                # not help), for how long in words, and what still works
                raise Throttled(left, message=f"PIN sign-in is paused for the whole store after too many wrong PINs; "
                                f"try again in {duration(left)}. Tablets already signed in keep working, and "
                                f"store IT can sign in with the store token.")

    def failed(self, client: str) -> bool:
        """Count one wrong PIN from ``client``; True when it starts a pause (logged once)."""
        now = self._clock()
        with self._lock:
            started = self._count(now, 1, client, "", False)
        self._save()
        if started:
            self._log_pause()
        return started

    def reported(self, mirror: str, count: int, paused: bool) -> None:
        """Count ``count`` wrong PINs another mirror of the store counted, in both counts; ``paused``:
        they started a pause there, so one of ``pause_s`` at least starts here too. Nothing is
        counted during a pause, as here."""
        now = self._clock()
        with self._lock:
            self._reported += count
            if now < self._until:
                return
            started = self._count(now, min(count, self.limits.day_max), "", mirror, paused)
        self._save()
        if started:
            self._log_pause()

    def state(self) -> PauseState:
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            left = int(self._until - now) + 1 if now < self._until else 0
            recent_reported = sum(1 for _, _, peer in self._recent if peer)
            return PauseState(left, len(self._recent), self.limits.window_s, self._pauses, self._addresses,
                              self._mirrors, self._by_peer, recent_reported, self._reported, self._cause,
                              len(self._day), self.limits.day_max, self.limits.day_window_s, self.limits.max_failures,
                              self._keeper.problem if self._keeper is not None else "")

    def restore(self) -> None:
        """Take up the counts and the pause saved before a restart (at start; nothing without a keeper).

        What is taken up counts as before, but not in "from how many addresses" (no address is kept).
        """
        kept = self._keeper.load() if self._keeper is not None else None
        if kept is None:
            return
        now = self._clock()
        longest = max(self.limits.pause_s, self.limits.day_window_s)  # no pause is longer, however the clock went
        with self._lock:
            self._day.extend((now - age, "", "") for age in kept.day_ages)  # oldest first: the newest are kept
            self._recent.extend((now - age, "", "") for age in kept.recent_ages)
            self._forget_old(now)
            if kept.pause_left_s > 0:
                self._until = now + min(kept.pause_left_s, longest)
                self._cause, self._by_peer = kept.cause, kept.by_peer
                self._addresses, self._mirrors = kept.addresses, kept.mirrors
            paused, day = now < self._until, len(self._day)
        if paused:
            self._log_pause(" as before the restart")
        elif day:
            _log.info("%d wrong PINs of the last %s from before the restart still count", day,
                      duration(self.limits.day_window_s))

    def _count(self, now: float, count: int, address: str, mirror: str, peer_paused: bool) -> bool:
        """Under the lock: ``count`` wrong PINs from ``address`` here or reported by ``mirror``;
        True when they start a pause: the longest of the limits they reach."""
        self._forget_old(now)
        for _ in range(count):
            self._recent.append((now, address, mirror))
            self._day.append((now, address, mirror))
        reached = []
        if len(self._day) == self.limits.day_max:  # until the oldest of them leaves the day: under the limit again
            reached.append((self._day[0][0] + self.limits.day_window_s, DAY, self._day))
        if len(self._recent) == self.limits.max_failures:
            reached.append((now + self.limits.pause_s, SHORT, self._recent))
        elif peer_paused:
            reached.append((now + self.limits.pause_s, PEER, self._recent))
        if not reached:
            return False
        until, cause, behind = max(reached, key=lambda limit: limit[0])
        self._addresses = len({address for _, address, _ in behind if address})
        self._mirrors = len({peer for _, _, peer in behind if peer} | ({mirror} if mirror else set()))
        self._by_peer = bool(mirror)
        self._cause = cause
        self._recent.clear()  # after any pause, a short pause needs as many new failures; the day's count goes on
        self._until = until
        self._pauses += 1
        return True

    def _log_pause(self, still: str = "") -> None:
        with self._lock:
            left = self._until - self._clock()
        # no address, no mirror id and no PIN in the log: how many is what store IT needs to know
        until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(time.time() + left))
        _log.warning("PIN sign-in paused for %s, until %s%s: %s (someone may be guessing the PIN; the API token "
                     "still signs in)", duration(left), until, still, self.state().reason())

    def _save(self) -> None:
        """Keep the counts as they are now across a restart (a failure is logged by the keeper, never raised)."""
        if self._keeper is None:
            return
        with self._save_lock:  # a later save always writes counts at least as new as an earlier one
            now = self._clock()
            with self._lock:
                self._forget_old(now)
                kept = KeptCounts(tuple(now - at for at, _, _ in self._day), tuple(now - at for at, _, _ in self._recent),
                                  max(0.0, self._until - now), self._cause, self._addresses, self._mirrors,
                                  self._by_peer)
            self._keeper.save(kept)

    def _forget_old(self, now: float) -> None:
        while self._recent and now - self._recent[0][0] > self.limits.window_s:
            self._recent.popleft()
        # ``>=``: a day pause ends (``check``) just as its oldest wrong PIN leaves the count
        while self._day and now - self._day[0][0] >= self.limits.day_window_s:
            self._day.popleft()


def sources(addresses: int, mirrors: int) -> str:
    """Where the wrong PINs behind a pause came from, in words: "3 addresses and 1 other mirror of the store"."""
    words = [f"{addresses} address{'' if addresses == 1 else 'es'}"] if addresses or not mirrors else []
    if mirrors:
        words.append(f"{mirrors} other mirror{'' if mirrors == 1 else 's'} of the store")
    return " and ".join(words)
