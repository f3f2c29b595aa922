"""The consent question on screen: asked once per session (again at her card or touch), answered by touch or gesture.

The identity layer's ``ConsentDesk`` records answers; this module knows whether the question
is on screen right now, so a touchless gesture can answer it instead of doing what it does
otherwise (a hand held up starts a recording; with the question shown it means yes). A gesture
never puts the question up: after a no only her touch on Keep or Share, or her card, asks again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.identity.consent import NOT_SAVED
from kiosk.identity.errors import IdentityError
from kiosk.events import Event, EventBus

_log = logging.getLogger(__name__)

ASK_AGAIN = "The question changed a moment ago. Please read it again and answer."
KEPT = "Thank you. Your looks from this visit are kept."
NOT_KEPT = "Understood. Nothing is kept after you leave."
# After a no, Keep or Share touched asks again (``ConsentDesk.offer``), and so does a card tapped
# while a reader works (``ConsentDesk.card_tapped``): the words say how, never the mirror by itself.
# Keep shows only while a look plays ("on a look"); with a card reader the words are the same: her
# card still asks too, and Keep's question speaks of it, and a longer line wrapped to three at 540x960.
TAP_KEEP = " Changed your mind? Tap Keep on a look."
TAP_KEEP_OR_CARD = TAP_KEEP
NOT_KEPT_TAP_KEEP = NOT_KEPT + TAP_KEEP
NOT_KEPT_TAP_AGAIN = NOT_KEPT + TAP_KEEP_OR_CARD


@dataclass(frozen=True)
class ConsentAsked(Event):
    """The consent question is on screen, in this wording (``offer`` is a ``ConsentOffer``);
    ``message``: said beside it ("" for none), when it is shown again after an answer."""

    offer: object
    message: str = ""


@dataclass(frozen=True)
class ConsentPromptClosed(Event):
    """The question left the screen; ``answer`` is "yes", "no" or "" (closed unanswered)."""

    answer: str
    message: str


class ConsentPrompt:
    """Asks the question (once per session, again at her card or touch) and passes the answer to the consent desk."""

    def __init__(self, desk, bus: EventBus) -> None:
        self._desk = desk
        self._bus = bus
        self._lock = threading.Lock()
        self._offer = None

    @property
    def pending(self) -> bool:
        with self._lock:
            return self._offer is not None

    def ask(self, session_id: str | None, card_reader: bool, touched: bool = False) -> bool:
        """Put the question on screen; False when this session already answered it.

        ``card_reader``: one works, so the question may speak of tapping a card. ``touched``: her
        touch on Keep or Share asks, so a no of this visit is asked again (``ConsentDesk.offer``)."""
        offer = self._desk.offer(session_id, card_reader, touched) if session_id else None
        if offer is None:
            return False
        with self._lock:
            self._offer = offer
        self._bus.emit(ConsentAsked(offer=offer))
        return True

    def reword(self, card_reader: bool) -> None:
        """The card reader was lost or came back: a question on screen changes to the wording that fits."""
        with self._lock:
            shown = self._offer
        # touched: the question is up (asked again at her touch after a no, too), only its words change
        offer = self._desk.offer(shown.session_id, card_reader, touched=True) if shown is not None else None
        if offer is None or offer.wording_version == shown.wording_version:
            return
        with self._lock:
            if self._offer is not shown:  # answered or closed meanwhile
                return
            self._offer = offer
        self._bus.emit(ConsentAsked(offer=offer))

    def answer(self, session_id: str | None, yes: bool, via: str = "touch", wording_version: str | None = None,
               card_reader: bool = False) -> None:
        """The shopper's yes or no to the question in ``wording_version``, the one the screen showed.

        The question may have been reworded (the card reader lost or back) a moment before the
        screen showed it: the answer is recorded with the wording the shopper read, not the one
        asked since. None (a gesture, which cannot tell): the wording asked now. An answer to a
        wording no longer in force records nothing; the question stays, shown again as asked now.
        ``card_reader``: one works, so the words after a no may say a card tap asks again too.
        """
        with self._lock:
            offer = self._offer
            if offer is None:
                return
            version = wording_version or offer.wording_version
            stale = session_id == offer.session_id and not self._desk.in_force(version)
            if not stale:
                self._offer = None
        if stale:
            _log.info("session %s: consent answer to wording %s, no longer in force; the question is shown again",
                      offer.session_id, version)
            self._bus.emit(ConsentAsked(offer=offer, message=ASK_AGAIN))
            return
        if session_id != offer.session_id:
            self._bus.emit(ConsentPromptClosed(answer="", message=""))
            return
        answer = "yes" if yes else "no"
        try:
            if yes:
                self._desk.accept(session_id, version, via)
                message = KEPT
            else:
                self._desk.decline(session_id, version, via)
                message = NOT_KEPT_TAP_AGAIN if card_reader else NOT_KEPT_TAP_KEEP
        except KioskError as exc:  # not saved: nothing changed, the shopper may answer again
            # The desk's refusals are its own sentences; another error's words (a file's, a
            # database's) are the journal's.
            answer, message = "", str(exc) if isinstance(exc, IdentityError) else NOT_SAVED
            if not isinstance(exc, IdentityError):
                _log.warning("session %s: the consent answer could not be saved (%s)", session_id, exc)
        self._bus.emit(ConsentPromptClosed(answer=answer, message=message))

    def close(self) -> None:
        """The session ended with the question open: it is simply gone (nothing is kept)."""
        with self._lock:
            offer, self._offer = self._offer, None
        if offer is not None:
            self._bus.emit(ConsentPromptClosed(answer="", message=""))
