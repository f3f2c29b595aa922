"""What a Share on the mirror remembers between taps: a share that needs the shopper's yes first
(the consent question goes up with a line saying why, and her yes takes that line down and lets the
share go ahead), and the last code put up (a double tap shows it again instead of a second link).

A look's Share (``kiosk.effects``) and a comparison's (``kiosk.comparing``) both wait this way, so
the why is taken down in one place: left up for its reading time after a yes, it stood beside
"Thank you. Your looks from this visit are kept." telling her the opposite.
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from kiosk.intents import shares_again

T = TypeVar("T")

# What the shopper reads when the mirror's own parts refuse a Share, of a look or of a comparison (a
# database locked by another program, a read-only data folder): the error's own words name files and
# errors, so they go to the journal only. With the network part off, trying again would not help.
SHARE_FAILED = "The link could not be made just now. Please try again in a moment."
SHARE_OFF = "This mirror cannot make links right now. Please ask a store associate."


def share_refused(network) -> str:
    """What a refused Share says: try again, or, with the network part off, ask the staff."""
    return SHARE_FAILED if network.available else SHARE_OFF


class ShareAfterConsent(Generic[T]):
    """At most one share waiting for the consent question's answer; core thread only."""

    def __init__(self, ask_consent: Callable[[str | None], bool], notice: Callable[[str], None], why: str,
                 refused: str) -> None:
        # Puts the question up for a session, as her touch asks (after a no too); False when it cannot be asked.
        self._ask_consent = ask_consent
        self._notice = notice  # shows a line under the Share's own topic ("" takes it down)
        self._why = why
        self._refused = refused  # said when the question cannot be asked (no visit, a mirror without consent)
        self._waiting: T | None = None

    def ask(self, what: T, session_id: str | None) -> None:
        """Put the question up, saying why, and keep ``what`` for the answer."""
        self._waiting = what
        if self._ask_consent(session_id):
            self._notice(self._why)
        else:
            self._waiting = None
            self._notice(self._refused)

    def answered(self, answer: str) -> T | None:
        """The question left the screen: after a yes, the waiting share (its why taken down), else None."""
        waiting, self._waiting = self._waiting, None
        if waiting is None or answer != "yes":
            return None
        self._notice("")
        return waiting

    def drop(self) -> None:
        """Forget a waiting share (the shopper left, the comparison closed)."""
        self._waiting = None


class LastCode(Generic[T]):
    """The code last put up for a look or a comparison (``what``, its id ``key``) and when: Share on
    the same id within ``SHARE_AGAIN_S`` shows it again (``intents.shares_again``); core thread only."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._what: T | None = None
        self._at = 0.0  # monotonic seconds

    def again(self, key: str, now: float) -> T | None:
        """The code to show again for Share on ``key`` at ``now``, or None: a new link is made."""
        return self._what if self._what is not None and shares_again(self._key, self._at, key, now) else None

    def made(self, key: str, what: T, now: float) -> None:
        """A new code for ``key`` was put up at ``now``."""
        self._key, self._what, self._at = key, what, now

    def forget(self) -> None:
        """The visit ended: its codes are never shown again."""
        self._key, self._what = None, None
