"""The consent question's tap, through the mirror's bridge: it answers the words the screen showed."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.events import EventBus  # noqa: E402
from kiosk.identity import WORDING, WORDING_NO_READER, ConsentDesk, CustomerDirectory  # noqa: E402
from kiosk.identity.prompt import ASK_AGAIN, ConsentAsked, ConsentPrompt  # noqa: E402
from ui.identity_bridge import IdentityBridge  # noqa: E402


class PromptCore:
    """The core's part in answering: the tap goes to a real prompt and desk, in session "s1"."""

    def __init__(self, prompt: ConsentPrompt) -> None:
        self.bus = EventBus()
        self.parts = SimpleNamespace(identity=SimpleNamespace(available=True))
        self.prompt = prompt

    def answer_consent(self, yes: bool, via: str = "touch", wording_version: str | None = None) -> None:
        self.prompt.answer("s1", yes, via, wording_version)


@pytest.fixture
def directory(tmp_path):
    with CustomerDirectory(tmp_path / "identity.sqlite3") as d:
        yield d


@pytest.fixture
def screen(directory):
    """(bridge, prompt, events): the bridge shows only the events the test hands it."""
    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    prompt = ConsentPrompt(ConsentDesk(directory), bus)
    bridge = IdentityBridge(PromptCore(prompt))
    try:
        yield bridge, prompt, events
    finally:
        bridge.close()


def test_a_yes_tapped_before_the_reworded_question_reaches_the_screen_keeps_the_words_read(screen, directory):
    bridge, prompt, events = screen
    assert prompt.ask("s1", card_reader=True)
    bridge.on_event(events[-1])  # on screen: the question with the card
    assert "your loyalty card if you tap it" in bridge.property("consentText")
    prompt.reword(card_reader=False)  # the reader dropped; its event is still on its way to the screen
    bridge.answerConsent("yes")
    (record,) = directory.consents(session_id="s1")
    assert (record.decision, record.wording_version) == ("accepted", WORDING.version)


def test_once_the_reworded_question_is_on_screen_a_yes_answers_it(screen, directory):
    bridge, prompt, events = screen
    assert prompt.ask("s1", card_reader=True)
    prompt.reword(card_reader=False)
    bridge.on_event(events[-1])
    assert "card" not in bridge.property("consentText")
    bridge.answerConsent("yes")
    assert [r.wording_version for r in directory.consents(session_id="s1")] == [WORDING_NO_READER.version]


def test_a_question_shown_again_says_why(screen):
    bridge, prompt, events = screen
    assert prompt.ask("s1", card_reader=True)
    bridge.on_event(ConsentAsked(offer=events[-1].offer, message=ASK_AGAIN))
    assert bridge.property("consentVisible") is True and bridge.property("message") == ASK_AGAIN
