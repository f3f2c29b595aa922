"""What the screen says and shows once the mirror has forgotten a shopper."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.effects import forgotten_sentence  # noqa: E402
from kiosk.events import EventBus  # noqa: E402
from kiosk.identity.events import (  # noqa: E402
    STEP_ASSOCIATE,
    STEP_CONSENT,
    STEP_FORGET,
    STEP_OTHER_CARD,
    CardTapped,
    ConsentChanged,
    CustomerForgetting,
    CustomerForgotten,
)
from kiosk.events import SessionStateChanged  # noqa: E402
from ui.identity_bridge import IdentityBridge  # noqa: E402


@pytest.mark.parametrize("looks, sentence", [
    (0, "Done. The mirror has forgotten you."),
    (1, "Done. The mirror has forgotten you: 1 look deleted."),
    (3, "Done. The mirror has forgotten you: 3 looks deleted."),
])
def test_the_sentence_counts_the_looks_in_plain_words(looks, sentence):
    assert forgotten_sentence(looks) == sentence


class FakeCore:
    def __init__(self) -> None:
        self.bus = EventBus()
        self.parts = SimpleNamespace(identity=SimpleNamespace(available=True))


def test_a_forgotten_shopper_is_no_longer_greeted_by_name():
    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    bridge = IdentityBridge(FakeCore())
    try:
        bridge.on_event(CardTapped(card_key="k", first_name="Anna", known=True, staff_role=None, session_id="s",
                                   next_step=STEP_CONSENT, protocol="pn532"))
        assert bridge.property("greeting") == "Hello, Anna!"
        bridge.on_event(CustomerForgotten(card_key="k", looks_deleted=1, records_deleted=1))
        assert bridge.property("greeting") == ""
    finally:
        bridge.close()


@pytest.mark.parametrize("then", [STEP_OTHER_CARD, STEP_ASSOCIATE])
def test_another_card_tapped_takes_the_forget_offer_off_the_screen(then):
    # The core forgets only the card the offer was made to, and withdraws it on any other tap:
    # the button must not stay up asking to forget someone.
    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    bridge = IdentityBridge(FakeCore())
    try:
        def tap(step, key="k"):
            bridge.on_event(CardTapped(card_key=key, first_name=None, known=True, staff_role=None, session_id="s",
                                       next_step=step, protocol="pn532"))

        tap(STEP_FORGET)
        assert bridge.property("forgetVisible") is True
        tap(then, "other")
        assert bridge.property("forgetVisible") is False
    finally:
        bridge.close()


def test_a_forget_that_finishes_late_leaves_the_next_shoppers_screen_alone():
    # Anna's "forget me" hit a locked database and finished on a later retry, Bea at the mirror by
    # then: Bea's Keep flipped from "Kept" back to "Keep" and her greeting went, though her looks were kept.
    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    bridge = IdentityBridge(FakeCore())
    try:
        bridge.on_event(SessionStateChanged(state="session", session_id="s-anna"))
        bridge.on_event(ConsentChanged(session_id="s-anna", decision="accepted", wording_version="v", card_key="a"))
        assert bridge.property("consented") is True
        bridge.on_event(CustomerForgetting(card_key="a", session_id="s-anna"))  # unfinished: her yes went at once
        assert bridge.property("consented") is False
        bridge.on_event(SessionStateChanged(state="idle", session_id=None))
        bridge.on_event(SessionStateChanged(state="session", session_id="s-bea"))
        bridge.on_event(CardTapped(card_key="b", first_name="Bea", known=True, staff_role=None, session_id="s-bea",
                                   next_step=STEP_CONSENT, protocol="pn532"))
        bridge.on_event(ConsentChanged(session_id="s-bea", decision="accepted", wording_version="v", card_key="b"))
        bridge.on_event(CustomerForgotten(card_key="a", looks_deleted=1, records_deleted=2, session_id="s-anna"))
        assert bridge.property("consented") is True and bridge.property("greeting") == "Hello, Bea!"
        bridge.on_event(CustomerForgotten(card_key="b", looks_deleted=1, records_deleted=2, session_id="s-bea"))
        assert bridge.property("consented") is False and bridge.property("greeting") == ""
    finally:
        bridge.close()
