"""The identity part of the kiosk: card taps, the consent question, the associate panel, forget-me.

The reader adapter runs in its own ``reader`` thread; each UID is turned into its card key at
once (the raw UID goes no further than ``_on_reader``) and published as ``CardPresented``.
What a tap *means* depends on the session, which only the core knows, so the core answers a
``CardPresented`` by calling ``tap(card_key, session_id)``: customer lookup, the consent desk's
verdict, and a ``CardTapped`` event with the next step for the screen. Every other method is
an intent the core carries out on its own thread; this part never calls the core.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.events import EventBus
from kiosk.identity.associate import AssociatePanel, AssociateView
from kiosk.identity.cardkey import CardKeyer
from kiosk.identity.consent import ConsentDesk
from kiosk.identity.directory import CustomerDirectory
from kiosk.identity.events import (
    STEP_ASSOCIATE,
    STEP_FORGET,
    STEP_NONE,
    CardPresented,
    CardRemoved,
    CardTapped,
    CustomerForgotten,
    ReaderStateChanged,
)
from kiosk.identity.forget import ForgetReport, forget_card
from kiosk.identity.ports import LookKeeper
from kiosk.identity.prompt import ConsentPrompt
from kiosk.ports import CardReader

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IdentityParts:
    """What the identity part is built from (``kiosk.wiring`` makes them)."""

    bus: EventBus
    reader: CardReader | None
    keyer: Callable[[], CardKeyer]  # loads the store secret (``start`` calls it)
    directory: CustomerDirectory  # opened by ``start``
    consent: ConsentDesk
    associate: AssociatePanel
    looks: LookKeeper | None = None


class Identity:
    """Runs the card reader, keeps the consent question and answers the core's identity intents."""

    available = True

    def __init__(self, parts: IdentityParts) -> None:
        self._parts = parts
        self._prompt = ConsentPrompt(parts.consent, parts.bus)
        self._reader_state = ReaderStateChanged(state="stopped", reason="not started", protocol=None)
        self._lock = threading.Lock()
        # (session, card) whose "forget me" is on screen: the card tied to the session, tapped
        # again. Any other tap in the session withdraws it (the button goes with it).
        self._forget_offer: tuple[str, str] | None = None
        self._keyer: CardKeyer | None = None
        self._directory_changed = False  # another program changed the directory: not fully followed yet

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Load the store secret, open the directory, start the reader (none: consent still works)."""
        self._keyer = self._parts.keyer()
        self._parts.directory.open()
        if self._parts.reader is not None:
            self._parts.reader.start(self._on_reader)

    def stop(self) -> None:
        """Stop the reader, then close the directory (the reader thread may be using it)."""
        if self._parts.reader is not None:
            self._parts.reader.stop()
        self._parts.directory.close()

    @property
    def reader_state(self) -> ReaderStateChanged:
        return self._reader_state

    @property
    def consent(self) -> ConsentDesk:
        return self._parts.consent

    # -- intents (the core's thread) ----------------------------------------------------------

    def tap(self, card_key: str, session_id: str | None, protocol: str = "manual") -> CardTapped:
        """What a tap of ``card_key`` means in ``session_id``; publishes and returns ``CardTapped``."""
        customer = self._parts.directory.get(card_key)
        if customer is not None and customer.is_staff:
            step = STEP_ASSOCIATE
            self._parts.associate.unlock(customer.staff_role)
        elif session_id is None:
            step = STEP_NONE
        else:
            step = self._parts.consent.card_tapped(session_id, card_key)
        event = CardTapped(
            card_key=card_key,
            first_name=(customer.first_name or None) if customer else None,
            known=customer is not None,
            staff_role=customer.staff_role if customer else None,
            session_id=session_id,
            next_step=step,
            protocol=protocol,
        )
        with self._lock:
            if step == STEP_FORGET and session_id is not None:
                self._forget_offer = (session_id, card_key)
            elif self._forget_offer is not None and self._forget_offer[0] == session_id:
                self._forget_offer = None
        self._parts.bus.emit(event)
        return event

    def key(self, uid: str) -> str:
        """The card key of a raw UID (for a card typed in by hand, e.g. ``kiosk`` tests)."""
        return self._keyer.key(uid)

    @property
    def asking(self) -> bool:
        """True while the consent question is on screen."""
        return self._prompt.pending

    def ask_consent(self, session_id: str | None, touched: bool = False) -> bool:
        """Put the question on screen; False when this session already answered it.

        ``touched``: the shopper touched Keep or Share (never a gesture): after her no it asks again."""
        return self._prompt.ask(session_id, self._reader_works(), touched)

    def reader_changed(self) -> None:
        """The card reader was lost or came back: the question on screen, if any, is reworded."""
        self._prompt.reword(self._reader_works())

    def _reader_works(self) -> bool:
        """Whether a card can be tapped now: the consent question speaks of the card only then."""
        return self._parts.reader is not None and self._reader_state.state == "connected"

    def answer_consent(self, session_id: str | None, yes: bool, via: str, wording_version: str | None = None) -> None:
        """The shopper's answer to the question of ``wording_version`` (None: the one on screen now)."""
        self._prompt.answer(session_id, yes, via, wording_version, self._reader_works())

    def is_consented(self, session_id: str | None) -> bool:
        return self._parts.consent.is_consented(session_id)

    def answered(self, session_id: str | None) -> bool:
        """True once this session said yes or no (Keep then asks again only after a no)."""
        return session_id is not None and self._parts.consent.decision(session_id) is not None

    def owner(self, session_id: str | None) -> str | None:
        """The customer (card key) this session's looks belong to, once a card is tied to it."""
        return self._parts.consent.owner(session_id)

    def look_added(self, look_id: str, session_id: str | None) -> None:
        """A look landed: keep it and tie it to the card when its session said yes."""
        self._parts.consent.look_added(look_id, session_id)

    def settle(self, session_id: str) -> None:
        """Every take of the ended session has landed: apply its answer to all of its looks."""
        self._parts.consent.settle(session_id)

    def session_ended(self, session_id: str) -> None:
        """The shopper left: the question and any "forget me" leave the screen, the associate panel locks."""
        self._prompt.close()
        self._parts.associate.lock()
        with self._lock:
            if self._forget_offer is not None and self._forget_offer[0] == session_id:
                self._forget_offer = None

    def forget_session(self, session_id: str) -> None:
        """Every take of the ended session has landed: its answer is no longer needed in memory."""
        self._parts.consent.end_session(session_id)

    def forget_me(self, session_id: str | None) -> ForgetReport | None:
        """Delete every look and record of the card offered "forget me" in this session.

        Only the card tied to the session, tapped again, is offered it; another card tapped
        since (a staff card, someone else's) withdrew the offer. None: nothing was offered.
        """
        with self._lock:
            offer, self._forget_offer = self._forget_offer, None
        if offer is None or offer[0] != session_id or self._parts.consent.owner(session_id) != offer[1]:
            return None
        self._parts.associate.lock()  # the panel showed whom the shopper had forgotten: it closes
        return self._forget(offer[1])

    def follow_directory(self, current: str | None) -> list[str]:
        """The sessions whose card another program forgot (``kiosk customers forget``) since the last
        call, each forgotten here as by "forget me": her yes and her card leave the session, so
        takes still to land are not kept under her, and what was tied to her in between goes too.
        ``current``: the session in front of the mirror (the associate panel locks when it is one)."""
        directory = self._parts.directory
        # A check that failed half-way is done again at the next call, though nothing changed since.
        self._directory_changed = directory.changed_elsewhere() or self._directory_changed
        if not self._directory_changed:
            return []
        lost = [(sid, key) for sid, key in self._parts.consent.ties() if directory.tie_forgotten(sid, key)]
        for session_id, card_key in lost:
            # the session only, never the card's key
            _log.info("session %s: its card was forgotten by another program; the mirror forgets it too", session_id)
            with self._lock:
                if self._forget_offer is not None and self._forget_offer[1] == card_key:
                    self._forget_offer = None
            if session_id == current:
                self._parts.associate.lock()
            self._forget(card_key)
        self._directory_changed = False
        return [sid for sid, _ in lost]

    def _forget(self, card_key: str) -> ForgetReport:
        """Delete the card's looks and records, untie it from the sessions here, and say so on the bus."""
        report = forget_card(card_key, self._parts.directory, self._parts.looks)
        self._parts.consent.forget_card(card_key)
        self._parts.bus.emit(CustomerForgotten(card_key=card_key, looks_deleted=report.looks,
                                               records_deleted=report.customers + report.consents))
        return report

    @property
    def panel_unlocked(self) -> bool:
        """True while a staff card's tap keeps the associate panel unlocked."""
        return self._parts.associate.staff_role is not None

    def associate_view(self, session_id: str | None) -> AssociateView:
        """What the associate panel shows (``IdentityError`` when no staff card unlocked it)."""
        return self._parts.associate.view(session_id)

    def keep_for_customer(self, look_id: str, session_id: str | None) -> None:
        self._parts.associate.move_look(look_id, session_id)

    # -- the reader thread --------------------------------------------------------------------

    def _on_reader(self, event) -> None:
        """Card events have ``kind``/``uid``, reader states have ``state``; the UID stops here."""
        kind = getattr(event, "kind", None)
        try:
            if kind == "tap":
                self._parts.bus.emit(CardPresented(card_key=self._keyer.key(event.uid), protocol=event.protocol))
            elif kind == "removed":
                self._parts.bus.emit(CardRemoved(card_key=self._keyer.key(event.uid)))
            elif hasattr(event, "state"):
                self._reader_state = ReaderStateChanged(state=event.state, reason=event.reason, protocol=event.protocol)
                self._parts.bus.emit(self._reader_state)
        except Exception:  # noqa: BLE001 - a bad event must not stop the reader
            _log.exception("handling a card reader event failed")
