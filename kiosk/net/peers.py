"""What saying hello to each discovered address taught this mirror: who proved to be a mirror of
the store, who failed and when to try it again, and how many hellos may be out at once.

Anyone on the LAN can announce as many ``_smartmirror._tcp`` names as it likes, each pointing
at an address and port of its choosing. Without limits every console refresh would send a
hello to each of them: the mirror would knock on whatever a rogue names, as often as the
console asks. So a device that failed a hello is left alone for a while (doubling, up to
``MAX_BACKOFF_S``; a mirror that had proved itself and just stopped answering is asked again
after ``PROVEN_RETRY_S``), at most ``MAX_HELLOS`` hellos run at once, and the book itself is bounded.
The console, ``kiosk discover`` and the directory's eviction (proven devices are kept over
unproven ones) share one book per process; it lives on one event loop, so it needs no lock.

The book also keeps what a proven mirror last said about itself (its card and help requests):
when it stops answering, the console keeps showing them, marked as not answering since then,
for ``REMEMBER_S``, instead of dropping a shopper's open request the moment the mirror goes.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

#: Hellos in flight at once, across every console refresh and ``kiosk discover`` pass.
MAX_HELLOS = 8
FIRST_BACKOFF_S = 15.0
MAX_BACKOFF_S = 300.0
#: A mirror that proved itself and then stopped answering (rebooting, a Wi-Fi blip) is asked
#: again this soon, every time: its shopper's next help request must not wait minutes.
PROVEN_RETRY_S = 5.0
#: Addresses remembered; the least recently heard of is forgotten first.
MAX_ENTRIES = 256
#: How long the console keeps showing a proven mirror that stopped answering (its last answer).
REMEMBER_S = 1800.0


@dataclass(frozen=True)
class LastAnswer:
    """What a proven mirror said about itself at its last good answer: card, help requests, when."""

    card: dict
    requests: tuple[dict, ...]
    seen_at: float  # wall clock, for the console to show
    heard: float  # the book's clock, for forgetting


@dataclass
class _Entry:
    proven: str = ""  # the id it proved last time; "" when it did not
    failures: int = 0
    retry_at: float = 0.0
    problem: str = ""
    reachable: bool = False  # it answered the last hello, wrongly
    wrong_secret: bool = False  # ... as a mirror does, with a proof made with another secret
    last: LastAnswer | None = None  # kept through failures; dropped when someone else answers there


class PeerBook:
    """Outcomes of hellos per ``ADDR:PORT``, with backoff; a shared limit on hellos in flight."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_hellos: int = MAX_HELLOS) -> None:
        self._clock = clock
        self._max_hellos = max_hellos
        self._slots: asyncio.Semaphore | None = None
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def waiting(self, where: str) -> tuple[str, bool] | None:
        """None when ``where`` may be asked now; else (why not in words, whether it answered last time)."""
        entry = self._entries.get(where)
        if entry is None or entry.failures == 0:
            return None
        left = entry.retry_at - self._clock()
        if left <= 0:
            return None
        return f"{entry.problem} (not asked again for {left:.0f} s)", entry.reachable

    def problem(self, where: str) -> str:
        """What went wrong at ``where``'s last hello, without the countdown ``waiting`` adds ("" if nothing)."""
        entry = self._entries.get(where)
        return entry.problem if entry is not None else ""

    def is_proven(self, where: str) -> bool:
        """Whether the device at ``where`` proved at its last hello that it belongs to the store."""
        entry = self._entries.get(where)
        return entry is not None and bool(entry.proven)

    def proven_as(self, where: str) -> str:
        """The mirror id the device at ``where`` proved at its last hello; "" when it did not."""
        entry = self._entries.get(where)
        return entry.proven if entry is not None else ""

    def knows(self, where: str) -> bool:
        """Whether anything was learnt at ``where`` yet (a hello, proven or failed)."""
        return where in self._entries

    def has_wrong_secret(self, where: str) -> bool:
        """Whether the device at ``where`` answered its last hello as a mirror does, but with a proof
        made with another secret than this mirror's (``trust.WrongSecret``)."""
        entry = self._entries.get(where)
        return entry is not None and entry.wrong_secret

    def slot(self) -> asyncio.Semaphore:
        """``async with book.slot():`` around a hello; at most ``MAX_HELLOS`` at once."""
        if self._slots is None:  # made on first use, on the loop that uses it
            self._slots = asyncio.Semaphore(self._max_hellos)
        return self._slots

    def proved(self, where: str, peer_id: str) -> None:
        entry = self._entry(where)
        entry.proven, entry.failures, entry.retry_at, entry.problem, entry.reachable = peer_id, 0, 0.0, "", True
        entry.wrong_secret = False

    def remember(self, where: str, card: dict, requests: list[dict], seen_at: float) -> None:
        """The proven mirror at ``where`` answered with ``card`` and ``requests`` (at wall time ``seen_at``)."""
        self._entry(where).last = LastAnswer(dict(card), tuple(dict(r) for r in requests), seen_at, self._clock())

    def last_answer(self, where: str) -> LastAnswer | None:
        """The last good answer from ``where``, unless it is older than ``REMEMBER_S``."""
        entry = self._entries.get(where)
        if entry is None or entry.last is None:
            return None
        if self._clock() - entry.last.heard > REMEMBER_S:
            entry.last = None
            return None
        return entry.last

    def last_answers(self) -> dict[str, LastAnswer]:
        """Every address with a last good answer young enough to show."""
        return {where: last for where in list(self._entries) if (last := self.last_answer(where)) is not None}

    def forget_answer(self, where: str) -> None:
        """Whoever answers at ``where`` now is not the mirror that did: its last answer is not shown."""
        entry = self._entries.get(where)
        if entry is not None:
            entry.last = None

    def failed(self, where: str, problem: str, reachable: bool = False, wrong_secret: bool = False) -> None:
        """The hello to ``where`` failed (``reachable``: it answered, without a valid proof;
        ``wrong_secret``: its proof was well formed but made with another secret).

        A device that never proved itself, or that answered wrongly, is left alone for longer
        each time; a mirror that proved itself and now just does not answer stays proven and is
        asked again after ``PROVEN_RETRY_S``.
        """
        entry = self._entry(where)
        entry.reachable = reachable
        if reachable or wrong_secret:  # a device that now does not answer keeps what its last answer said
            entry.wrong_secret = wrong_secret
        entry.failures += 1
        entry.problem = problem
        if not reachable and (entry.proven or self.last_answer(where) is not None):
            entry.retry_at = self._clock() + PROVEN_RETRY_S
            return
        entry.proven = ""
        entry.retry_at = self._clock() + min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** min(entry.failures - 1, 16))

    def failed_with(self, where: str, exc) -> str:
        """What a failed hello (a ``peer_client.PeerError``) teaches, as the console's overview and the
        hello round learn it; the problem, in words. An untrusted answer is not a mirror of this
        store (and its last answer is not shown: someone else answers there now); anything else is
        a device that did not answer as asked."""
        if exc.untrusted:
            problem = f"not a mirror of this store: it {exc}"
            self.failed(where, problem, reachable=True, wrong_secret=exc.wrong_secret)
            self.forget_answer(where)
        else:
            problem = f"it {exc}"
            self.failed(where, problem)
        return problem

    def _entry(self, where: str) -> _Entry:
        entry = self._entries.pop(where, None) or _Entry()
        self._entries[where] = entry  # most recent last
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
        return entry
