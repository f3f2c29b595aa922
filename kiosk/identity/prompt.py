"""The consent question on screen: asked once per session, answered by touch or gesture.

The identity layer's ``ConsentDesk`` records answers; this module knows whether the question
is on screen right now, so a touchless gesture can answer it instead of doing what it does
otherwise (a hand held up starts a recording; with the question shown it means yes).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.events import Event, EventBus


@dataclass(frozen=True)
class ConsentAsked(Event):
    """The consent question is on screen, in this wording (``offer`` is a ``ConsentOffer``)."""

    offer: object


@dataclass(frozen=True)
class ConsentPromptClosed(Event):
    """The question left the screen; ``answer`` is "yes", "no" or "" (closed unanswered)."""

    answer: str
    message: str


class ConsentPrompt:
    """Asks the question once per session and passes the answer to the consent desk."""

    def __init__(self, desk, bus: EventBus) -> None:
        self._desk = desk
        self._bus = bus
        self._lock = threading.Lock()
        self._offer = None

    @property
    def pending(self) -> bool:
        with self._lock:
            return self._offer is not None

    def ask(self, session_id: str | None, card_reader: bool) -> bool:
        """Put the question on screen; False when this session already answered it.

        ``card_reader``: one works, so the question may speak of tapping a card."""
        offer = self._desk.offer(session_id, card_reader) if session_id else None
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
        offer = self._desk.offer(shown.session_id, card_reader) if shown is not None else None
        if offer is None or offer.wording_version == shown.wording_version:
            return
        with self._lock:
            if self._offer is not shown:  # answered or closed meanwhile
                return
            self._offer = offer
        self._bus.emit(ConsentAsked(offer=offer))

    def answer(self, session_id: str | None, yes: bool, via: str = "touch") -> None:
        """The shopper's yes or no, sent with the wording version they saw."""
        with self._lock:
            offer, self._offer = self._offer, None
        if offer is None:
            return
        if session_id != offer.session_id:
            self._bus.emit(ConsentPromptClosed(answer="", message=""))
            return
        answer = "yes" if yes else "no"
        try:
            if yes:
                self._desk.accept(session_id, offer.wording_version, via)
                message = "Thank you. Your looks from this visit are kept."
            else:
                self._desk.decline(session_id, offer.wording_version, via)
                message = "Understood. Nothing is kept after you leave."
        except KioskError as exc:  # not saved: nothing changed, the shopper may answer again
            answer, message = "", str(exc)
        self._bus.emit(ConsentPromptClosed(answer=answer, message=message))

    def close(self) -> None:
        """The session ended with the question open: it is simply gone (nothing is kept)."""
        with self._lock:
            offer, self._offer = self._offer, None
        if offer is not None:
            self._bus.emit(ConsentPromptClosed(answer="", message=""))
