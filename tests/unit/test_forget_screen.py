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
    CustomerForgotten,
)
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
