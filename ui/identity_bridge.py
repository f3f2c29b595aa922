"""IdentityBridge: card taps, the consent question, "forget me" and the associate panel, for QML.

What a tap means is decided in the core (``CardTapped.next_step``); this bridge only shows
the matching screen and sends the shopper's answers back as intents. The associate panel's
contents arrive ready to show (``AssociatePanelShown``), again whenever the shopper's looks change
while it is open; ``AssociatePanelClosed`` (its unlock ran out, the visit ended, the shopper was
forgotten) takes it down and empties it.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.core import KioskCore
from kiosk.events import Event, SessionStateChanged
from kiosk.identity.events import (
    STEP_CONSENT,
    STEP_FORGET,
    STEP_OTHER_CARD,
    STEP_WELCOME,
    AssociatePanelClosed,
    AssociatePanelShown,
    CardTapped,
    ConsentChanged,
    CustomerForgetting,
    CustomerForgotten,
)
from kiosk.identity.prompt import ConsentAsked, ConsentPromptClosed
from ui.core_listener import CoreListener

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1


@QmlElement
@QmlUncreatable("the mirror's app makes its bridges")
class IdentityBridge(CoreListener):
    """The identity screens' state and the shopper's answers."""

    topic = "identity"
    changed = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self._available = core.parts.identity.available
        self._offer = None
        self._greeting = ""
        self._forget_offered = False
        self._consented = False
        self._panel: dict | None = None
        self._session: str | None = None  # the visit at the mirror now (None: nobody)
        self._greeting_timer = QTimer(self)
        self._greeting_timer.setSingleShot(True)
        self._greeting_timer.timeout.connect(lambda: self._set(greeting=""))

    # -- core events (UI thread) --------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, CardTapped):
            self._on_tap(event)
        elif isinstance(event, ConsentAsked):
            self._set(offer=event.offer)
            if event.message:
                self.flash(event.message)
        elif isinstance(event, ConsentPromptClosed):
            self._set(offer=None)
            if event.message:
                self.flash(event.message)
        elif isinstance(event, ConsentChanged):
            self._set(consented=event.decision == "accepted")
        elif isinstance(event, CustomerForgotten) and self._here(event.session_id):
            # Forgotten: no more greeting by name (it would stay up for its five seconds). One that
            # finished late, for a visit already over, leaves the next shopper's screen as it is.
            self._greeting_timer.stop()
            self._set(forget_offered=False, consented=False, greeting="")
        elif isinstance(event, CustomerForgetting) and self._here(event.session_id):
            self._set(consented=False)  # her yes left the visit at once: Keep no longer says "Kept"
        elif isinstance(event, AssociatePanelShown):
            if self._panel is not None or not event.follow_up:  # a follow-up never reopens a closed panel
                self._set(panel=dict(event.panel))
        elif isinstance(event, AssociatePanelClosed):
            self._set(panel=None)  # the core says why on the mirror when someone may be reading it
        elif isinstance(event, SessionStateChanged) and event.state != "idle":
            self._session = event.session_id
        elif isinstance(event, SessionStateChanged) and event.state == "idle":
            self._session = None
            self._set(offer=None, greeting="", forget_offered=False, consented=False, panel=None)

    def _here(self, session_id: str | None) -> bool:
        """Whether an event of ``session_id`` is about the visit at the mirror now (None: no visit named)."""
        return session_id is None or session_id == self._session

    def _on_tap(self, tap: CardTapped) -> None:
        name = tap.first_name
        # "Forget me" is offered to the card tied to the visit, tapped again; any other tap
        # withdraws it (the core forgets only the card it was offered to).
        self._set(forget_offered=tap.next_step == STEP_FORGET)
        if tap.next_step == STEP_CONSENT:
            if name:
                self._greet(f"Hello, {name}!")  # the core puts the consent question up
        elif tap.next_step == STEP_WELCOME:
            self._greet(f"Welcome, {name}! Your looks are kept on your card." if name else "Your looks are kept on your card.")
        elif tap.next_step == STEP_OTHER_CARD:
            self.flash("This visit's looks already belong to another card.")

    # -- intents ------------------------------------------------------------------------------

    @Slot()
    def askConsent(self) -> None:  # noqa: N802 - QML API
        """Show the consent question (the core knows whether it was answered already)."""
        self._core.ask_consent()

    @Slot(str)
    def answerConsent(self, answer: str) -> None:  # noqa: N802 - QML API
        """The shopper's tap, sent with the wording on screen: the core may have reworded the
        question a moment ago (the card reader lost or back), and the tap answers what was read."""
        self._core.answer_consent(answer == "yes", via="touch", wording_version=self._offer_field("wording_version", None))

    @Slot()
    def forgetMe(self) -> None:  # noqa: N802 - QML API
        self._set(forget_offered=False)
        self._core.forget_me()

    @Slot()
    def dismiss(self) -> None:
        self._set(forget_offered=False, panel=None)
        self._core.close_associate_panel()

    @Slot(str)
    def keepForCustomer(self, look_id: str) -> None:  # noqa: N802 - QML API
        """Associate panel: move a look of this session to the customer."""
        self._core.keep_for_customer(look_id)

    @Slot()
    def endSession(self) -> None:  # noqa: N802 - QML API
        self._set(panel=None)
        self._core.end_session()

    # -- helpers ------------------------------------------------------------------------------

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

    available = Property(bool, lambda self: self._available, constant=True)
    consentVisible = Property(bool, lambda self: self._offer is not None, notify=changed)
    consentTitle = Property(str, lambda self: self._offer_field("title"), notify=changed)
    consentText = Property(str, lambda self: self._offer_field("text"), notify=changed)
    consentYes = Property(str, lambda self: self._offer_field("accept_label"), notify=changed)
    consentNo = Property(str, lambda self: self._offer_field("decline_label"), notify=changed)
    consented = Property(bool, lambda self: self._consented, notify=changed)
    greeting = Property(str, lambda self: self._greeting, notify=changed)
    forgetVisible = Property(bool, lambda self: self._forget_offered, notify=changed)
    panelVisible = Property(bool, lambda self: self._panel is not None, notify=changed)
    panel = Property("QVariantMap", lambda self: self._panel or {}, notify=changed)
