"""What each console sign-in last asked the mirror to make, so that asking again gets the same one back.

"Share as one video" asks for a comparison, waits for it, then asks for its share link. A reload
of the console's page, or a second press, asks again: without this the mirror rendered the
same looks twice and made a second link, leaving the first working and unused (orphaned). So
a sign-in that asks again for the same looks gets the comparison it asked for before, while that
one is still queued, rendering or ready, and for the same comparison the link it got before,
while that link still works (``still`` decides: not revoked, not expired, and the caller checks
consent first, as for a new one, so a withdrawn consent or a forgotten customer never gets an
old link back).

Kept in memory only, as the sign-ins are (a restart ends both), and only for sign-ins: the
store's own token (``session`` None) is a script's, which gets a new one each time, as before.
A link's token lives here, never in the database (which keeps only its SHA-256), and goes when
its sign-in ends (``end``: sign-out, expiry, the oldest dropped), made meanwhile or after: a request
that passed its sign-in check just before the sign-out may reach the book after it, and what it
makes then is handed back but not kept (the book remembers the last ``MAX_ENTRIES`` sign-ins that
ended, by their keys only). The book is bounded: past ``MAX_ENTRIES`` the oldest answer is
forgotten (asking again then makes a new one).
Any thread: the HTTP handlers run in a thread pool. Each sign-in's requests take turns on a lock
of their own, which makes "look up, else make" one step, so two requests of the same sign-in at
once (a reload racing the request it cut off) get one; another sign-in's requests do not wait on
that database work. One short lock guards the book itself and is never held while anything is made.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

#: Answers kept across all sign-ins; the oldest is forgotten first.
MAX_ENTRIES = 1000

T = TypeVar("T")


class _Asking:
    """One sign-in's requests in the book now: they take turns on ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0  # requests holding or waiting for ``lock``; at 0 this goes


class AskedBook:
    """The last answer per (sign-in, what was asked for)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._answers: OrderedDict[tuple[str, Hashable], object] = OrderedDict()
        self._asking: dict[str, _Asking] = {}  # the sign-ins with a request in ``once`` now
        # the sign-ins that ended, newest last: a request of one still under way keeps nothing
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # guards the three dicts above, never held while making

    def once(self, session: str | None, asked: Hashable, still: Callable[[T], bool], make: Callable[[], T]) -> tuple[T, bool]:
        """(the answer ``session`` got for ``asked`` if ``still`` good, else a new one from ``make``, whether it is new)."""
        if session is None:
            return make(), True
        key = (session, asked)
        with self._lock:
            asking = self._asking.setdefault(session, _Asking())
            asking.users += 1
        try:
            with asking.lock:  # this sign-in's requests one at a time; other sign-ins go on
                with self._lock:
                    kept = self._answers.get(key)
                if kept is not None and still(kept):
                    with self._lock:
                        if key in self._answers:
                            self._answers.move_to_end(key)
                    return kept, False
                with self._lock:
                    self._answers.pop(key, None)  # no longer good: forgotten even if make() raises
                made = make()
                with self._lock:
                    if session not in self._ended:
                        self._answers[key] = made
                        while len(self._answers) > self._max:
                            self._answers.popitem(last=False)
                return made, True
        finally:
            with self._lock:
                asking.users -= 1
                if asking.users == 0:
                    del self._asking[session]

    def end(self, session: str) -> None:
        """Forget every answer ``session`` got (its sign-in ended), and any it is being made now."""
        with self._lock:
            for key in [key for key in self._answers if key[0] == session]:
                del self._answers[key]
            self._ended[session] = None
            while len(self._ended) > self._max:
                self._ended.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)
