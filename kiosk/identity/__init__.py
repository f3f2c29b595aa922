"""Identity, loyalty and consent: who tapped the card, and what they agreed to.

Public API (the UI bridge, the network layer and ``kiosk.wiring`` use only these names):

- ``Identity``: the kiosk's identity part. Runs the card reader (``start``/``stop``) and
  publishes each card as ``CardPresented``; the core's intents: ``tap(card_key, session_id)``
  (publishes ``CardTapped``), ``ask_consent``/``answer_consent``, ``reader_changed``, ``look_added``,
  ``session_ended``/``forget_session``, ``forget_me``, ``associate_view``, ``keep_for_customer``,
  ``panel_unlocked`` (the core closes the panel on screen once it is False).
- ``ConsentDesk``: ``offer(session_id, card_reader, touched)`` → ``ConsentOffer`` (without a working card reader, a
  wording that speaks of no card) or None once answered (``touched``, her Keep or Share: only after a yes),
  ``accept``/``decline(session_id, wording_version, via)``, ``is_consented(session_id)``,
  ``owner(session_id)``, ``look_added(look_id, session_id)``, ``end_session(session_id)``.
- ``AssociatePanel``: unlocked by a staff card's tap for ``unlock_s`` seconds; ``view(session_id)`` (the shopper's
  preferences and kept looks, only with their consent), ``move_look(look_id, session_id)``.
- ``CustomerDirectory`` (SQLite), ``Customer``, ``ConsentRecord``, ``read_export`` (CRM files),
  ``CardKeyer`` (HMAC-SHA256 card keys), ``forget_card``.
- Events: ``CardTapped`` (``next_step`` says what the mirror shows), ``CardRemoved``,
  ``ReaderStateChanged``, ``ConsentChanged``, ``CustomerForgotten``.
- ``build_identity(config, bus, reader, looks, clock)`` and the path helpers in ``setup``.
"""

from kiosk.identity.associate import AssociatePanel, AssociateView
from kiosk.identity.cardkey import CardKeyer, load_secret, normalise_uid
from kiosk.identity.consent import WORDING, WORDING_NO_READER, WORDINGS, ConsentDesk, ConsentOffer, ConsentWording
from kiosk.identity.crm_import import read_export
from kiosk.identity.directory import ConsentRecord, Customer, CustomerDirectory, ImportSummary
from kiosk.identity.errors import CustomerImportError, IdentityError
from kiosk.identity.events import (
    STEP_ASSOCIATE,
    STEP_CONSENT,
    STEP_FORGET,
    STEP_NONE,
    STEP_OTHER_CARD,
    STEP_WELCOME,
    CardPresented,
    CardRemoved,
    CardTapped,
    ConsentChanged,
    CustomerForgetting,
    CustomerForgotten,
    ReaderStateChanged,
)
from kiosk.identity.forget import ForgetReport, forget_card
from kiosk.identity.service import Identity, IdentityParts
from kiosk.identity.setup import build_identity

__all__ = [
    "STEP_ASSOCIATE",
    "STEP_CONSENT",
    "STEP_FORGET",
    "STEP_NONE",
    "STEP_OTHER_CARD",
    "STEP_WELCOME",
    "WORDING",
    "WORDING_NO_READER",
    "WORDINGS",
    "AssociatePanel",
    "AssociateView",
    "CardKeyer",
    "CardRemoved",
    "CardPresented",
    "CardTapped",
    "ConsentChanged",
    "ConsentDesk",
    "ConsentOffer",
    "ConsentRecord",
    "ConsentWording",
    "Customer",
    "CustomerDirectory",
    "CustomerForgetting",
    "CustomerForgotten",
    "CustomerImportError",
    "ForgetReport",
    "IdentityError",
    "Identity",
    "IdentityParts",
    "ImportSummary",
    "ReaderStateChanged",
    "build_identity",
    "forget_card",
    "load_secret",
    "normalise_uid",
    "read_export",
]
