"""The card reader as the core sees it: taps become keyed, looked-up ``CardTapped`` events.

``CardService`` starts the reader adapter (which runs in the ``reader`` thread), turns each
UID into its card key at once (the raw UID goes no further than this module), looks the key up
in the customer directory, asks the consent desk what the mirror should show next, and emits
the result on the event bus. It follows ``SessionStateChanged`` on the bus to know the current
session, and calls ``wake`` (the core's touch) on a tap so a tap wakes a sleeping mirror.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.events import EventBus, SessionStateChanged
from kiosk.identity.associate import AssociatePanel
from kiosk.identity.cardkey import CardKeyer
from kiosk.identity.consent import ConsentDesk
from kiosk.identity.directory import CustomerDirectory
from kiosk.identity.events import (
    STEP_ASSOCIATE,
    STEP_NONE,
    CardRemoved,
    CardTapped,
    CustomerForgotten,
    ReaderStateChanged,
)
from kiosk.identity.forget import ForgetReport, forget_card
from kiosk.identity.ports import CardReader, LookKeeper

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardServiceParts:
    """What the service is built from (``kiosk.wiring`` makes them)."""

    bus: EventBus
    reader: CardReader | None
    keyer: CardKeyer
    directory: CustomerDirectory
    consent: ConsentDesk
    looks: LookKeeper | None = None
    wake: Callable[[], None] | None = None
    associate: AssociatePanel | None = None


class CardService:
    """Runs the card reader and publishes what its taps mean."""

    def __init__(self, parts: CardServiceParts) -> None:
        self.parts = parts
        self.reader_state = ReaderStateChanged(state="stopped", reason="not started", protocol=None)
        self._session_id: str | None = None
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] | None = None
        self._last_tap: CardTapped | None = None

    @property
    def consent(self) -> ConsentDesk:
        return self.parts.consent

    def start(self) -> None:
        """Follow the session and start the reader (no reader configured: identity still works)."""
        self._unsubscribe = self.parts.bus.subscribe(self._on_bus)
        if self.parts.reader is not None:
            self.parts.reader.start(self._on_reader)

    def stop(self) -> None:
        """Stop the reader, then close the directory (the reader thread may be using it)."""
        if self.parts.reader is not None:
            self.parts.reader.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.parts.directory.close()

    @property
    def session_id(self) -> str | None:
        with self._lock:
            return self._session_id

    def tap(self, uid: str, protocol: str = "manual") -> CardTapped:
        """Handle a card UID as if it had been tapped (the reader thread calls this too)."""
        key = self.parts.keyer.key(uid)
        if self.parts.wake is not None:
            self.parts.wake()  # may start a session; the bus tells us its id synchronously
        customer = self.parts.directory.get(key)
        session_id = self.session_id
        if customer is not None and customer.is_staff:
            step = STEP_ASSOCIATE
            if self.parts.associate is not None:
                self.parts.associate.unlock(customer.staff_role)
        elif session_id is None:
            step = STEP_NONE
        else:
            step = self.parts.consent.card_tapped(session_id, key)
        event = CardTapped(
            card_key=key,
            first_name=(customer.first_name or None) if customer else None,
            known=customer is not None,
            staff_role=customer.staff_role if customer else None,
            session_id=session_id,
            next_step=step,
            protocol=protocol,
        )
        with self._lock:
            self._last_tap = event
        self.parts.bus.emit(event)
        return event

    def last_tap(self, session_id: str | None) -> CardTapped | None:
        """The latest tap in this session (what "forget me" applies to)."""
        with self._lock:
            tap = self._last_tap
        return tap if tap is not None and tap.session_id == session_id else None

    def forget(self, card_key: str) -> ForgetReport:
        """Delete every look and record tied to ``card_key``."""
        report = forget_card(card_key, self.parts.directory, self.parts.looks)
        self.parts.consent.forget_card(card_key)
        self.parts.bus.emit(CustomerForgotten(card_key=card_key, looks_deleted=report.looks,
                                              records_deleted=report.customers + report.consents))
        return report

    # -- listeners ----------------------------------------------------------------------------

    def _on_reader(self, event) -> None:
        """Runs on the reader thread: card events have ``kind``, reader states have ``state``."""
        kind = getattr(event, "kind", None)
        try:
            if kind == "tap":
                self.tap(event.uid, event.protocol)
            elif kind == "removed":
                self.parts.bus.emit(CardRemoved(card_key=self.parts.keyer.key(event.uid)))
            elif hasattr(event, "state"):
                self.reader_state = ReaderStateChanged(state=event.state, reason=event.reason, protocol=event.protocol)
                self.parts.bus.emit(self.reader_state)
        except Exception:  # noqa: BLE001 - a directory error must not stop the reader
            _log.exception("handling a card reader event failed")

    def _on_bus(self, event) -> None:
        if isinstance(event, SessionStateChanged):
            with self._lock:
                ended, self._session_id = self._session_id, event.session_id
            if ended and ended != event.session_id:
                self.parts.consent.end_session(ended)
                if self.parts.associate is not None:
                    self.parts.associate.lock()  # the next shopper starts with the panel closed
