"""IdentityBridge: card taps, the consent question, "forget me" and the associate panel, for QML.

What a tap means is decided in the core (``CardTapped.next_step``); this bridge only shows
the matching screen and sends the shopper's answer back with the wording version they saw.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.consent_prompt import ConsentAsked, ConsentPromptClosed
from kiosk.core import KioskCore
from kiosk.errors import KioskError
from kiosk.events import Event, SessionStateChanged
from kiosk.identity.events import (
    STEP_ASSOCIATE,
    STEP_CONSENT,
    STEP_FORGET,
    STEP_OTHER_CARD,
    STEP_WELCOME,
    CardTapped,
    ConsentChanged,
    CustomerForgotten,
)
from ui.core_listener import CoreListener

_log = logging.getLogger(__name__)


class IdentityBridge(CoreListener):
    """The identity screens' state and the shopper's answers."""

    changed = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self._cards = core.cards
        self._offer = None
        self._greeting = ""
        self._forget_key: str | None = None
        self._consented = False
        self._panel: dict | None = None
        self._greeting_timer = QTimer(self)
        self._greeting_timer.setSingleShot(True)
        self._greeting_timer.timeout.connect(lambda: self._set(greeting=""))

    # -- core events (UI thread) --------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, CardTapped):
            self._on_tap(event)
        elif isinstance(event, ConsentAsked):
            self._set(offer=event.offer)
        elif isinstance(event, ConsentPromptClosed):
            self._set(offer=None)
            if event.message:
                self.flash(event.message)
        elif isinstance(event, ConsentChanged):
            self._set(consented=event.decision == "accepted")
        elif isinstance(event, CustomerForgotten):
            self._set(forget_key=None)
            self.flash(f"Done. The mirror has forgotten you: {event.looks_deleted} look(s) deleted.")
        elif isinstance(event, SessionStateChanged) and event.state == "idle":
            self._set(offer=None, greeting="", forget_key=None, consented=False, panel=None)

    def _on_tap(self, tap: CardTapped) -> None:
        name = tap.first_name
        if tap.next_step == STEP_CONSENT:
            if name:
                self._greet(f"Hello, {name}!")  # the core puts the consent question up
        elif tap.next_step == STEP_WELCOME:
            self._greet(f"Welcome, {name}! Your looks are kept on your card." if name else "Your looks are kept on your card.")
        elif tap.next_step == STEP_FORGET:
            self._set(forget_key=tap.card_key)
        elif tap.next_step == STEP_OTHER_CARD:
            self.flash("This visit's looks already belong to another card.")
        elif tap.next_step == STEP_ASSOCIATE:
            self._open_panel()

    # -- intents ------------------------------------------------------------------------------

    @Slot()
    def askConsent(self) -> None:  # noqa: N802 - QML API
        """Show the consent question (once per session; the core knows whether it was answered)."""
        if not self._core.ask_consent() and not self._consented:
            self.flash("You chose not to keep looks in this visit.")

    @Slot(str)
    def answerConsent(self, answer: str) -> None:  # noqa: N802 - QML API
        self._core.answer_consent(answer == "yes", via="touch")

    @Slot()
    def forgetMe(self) -> None:  # noqa: N802 - QML API
        key, self._forget_key = self._forget_key, None
        self.changed.emit()
        if key:
            self._cards.forget(key)

    @Slot()
    def dismiss(self) -> None:
        self._set(forget_key=None, panel=None)

    @Slot(str)
    def keepForCustomer(self, look_id: str) -> None:  # noqa: N802 - QML API
        """Associate panel: move a look of this session to the customer."""
        try:
            self._cards.parts.associate.move_look(look_id, self._core.session.session_id)
            self.flash("The look is now on the customer's card.")
        except KioskError as exc:
            self.flash(str(exc))
        self._open_panel()

    @Slot()
    def endSession(self) -> None:  # noqa: N802 - QML API
        self._set(panel=None)
        self._core.end_session()

    # -- helpers ------------------------------------------------------------------------------

    def _open_panel(self) -> None:
        panel = self._cards.parts.associate
        try:
            view = panel.view(self._core.session.session_id)
        except KioskError as exc:
            self.flash(str(exc))
            return
        customer = view.customer
        self._set(panel={
            "note": view.note,
            "name": (customer.first_name or "Customer") if customer else "",
            "tier": customer.tier if customer else "",
            "preferences": _preferences(customer),
            "looks": len(view.looks),
        })

    def _greet(self, text: str) -> None:
        self._set(greeting=text)
        self._greeting_timer.start(5000)

    def _set(self, **values) -> None:
        changed = False
        for name, value in values.items():
            if getattr(self, f"_{name}") != value:
                setattr(self, f"_{name}", value)
                changed = True
        if changed:
            self.changed.emit()

    def _offer_field(self, name: str, default=""):
        return getattr(self._offer, name, default) if self._offer is not None else default

    consentVisible = Property(bool, lambda self: self._offer is not None, notify=changed)
    consentTitle = Property(str, lambda self: self._offer_field("title"), notify=changed)
    consentText = Property(str, lambda self: self._offer_field("text"), notify=changed)
    consentYes = Property(str, lambda self: self._offer_field("accept_label"), notify=changed)
    consentNo = Property(str, lambda self: self._offer_field("decline_label"), notify=changed)
    consented = Property(bool, lambda self: self._consented, notify=changed)
    greeting = Property(str, lambda self: self._greeting, notify=changed)
    forgetVisible = Property(bool, lambda self: self._forget_key is not None, notify=changed)
    panelVisible = Property(bool, lambda self: self._panel is not None, notify=changed)
    panel = Property("QVariantMap", lambda self: self._panel or {}, notify=changed)


def _preferences(customer) -> str:
    if customer is None or not customer.preferences:
        return ""
    return ", ".join(f"{key}: {value}" for key, value in customer.preferences.items())
