"""What the shopper is told about the card reader: only when someone is there, once per outage and
session, and "Keep" only where Keep would still ask (this mirror records, no answer yet)."""

from __future__ import annotations

from kiosk.events import Notice
from kiosk.identity import WORDING_NO_READER
from kiosk.identity.prompt import ConsentAsked
from kiosk.identity.events import ReaderStateChanged
from tests.unit.test_core_intents import core, of, session_id, wait_for  # noqa: F401 - the fixture

DOWN = ReaderStateChanged(state="unavailable", reason="card reader /dev/ttyUSB0 disconnected", protocol="pn532")
BACK = ReaderStateChanged(state="connected", reason="ok", protocol="pn532")


def told(core, events) -> list[str]:
    assert core.flush()
    return [n.text for n in of(events, Notice) if "card reader" in n.text]


def test_an_outage_on_the_welcome_screen_is_told_when_someone_steps_in(core):  # noqa: F811
    core, events = core
    core.bus.emit(DOWN)
    assert told(core, events) == [], "nobody is in front of the welcome screen"
    core.touch()
    session_id(core)
    assert told(core, events) == [
        "The card reader is not working right now. You can still keep your looks: tap Keep while one plays."]
    core.bus.emit(DOWN)  # the reader thread retries and fails again: said once
    assert len(told(core, events)) == 1
    core.bus.emit(BACK)
    assert told(core, events)[-1] == "The card reader works again."


def test_a_shopper_who_said_yes_is_not_pointed_to_keep(core):  # noqa: F811
    core, events = core
    core.touch()
    core.ask_consent()
    core.answer_consent(True)
    session_id(core)
    core.bus.emit(DOWN)
    assert told(core, events) == ["The card reader is not working right now."]
    assert all(n.seconds >= 10 for n in of(events, Notice) if "not working" in n.text)


def test_an_outage_that_ends_on_the_welcome_screen_is_not_told_at_all(core):  # noqa: F811
    core, events = core
    core.touch()
    session_id(core)
    core.bus.emit(DOWN)
    core.end_session()
    core.bus.emit(BACK)
    core.bus.emit(DOWN)
    core.bus.emit(BACK)
    assert [text.split(".")[0] for text in told(core, events)] == ["The card reader is not working right now"]


def test_a_mirror_without_a_card_reader_asks_without_speaking_of_a_card(core):  # noqa: F811
    core, events = core
    core.touch()
    session_id(core)
    core.ask_consent()
    assert wait_for(lambda: of(events, ConsentAsked))
    [asked] = of(events, ConsentAsked)
    assert asked.offer.wording_version == WORDING_NO_READER.version and "card" not in asked.offer.text


def test_the_reader_lost_or_back_has_the_question_on_screen_reworded(core, monkeypatch):  # noqa: F811
    core, events = core
    reworded = []
    monkeypatch.setattr(core.parts.identity, "reader_changed", lambda: reworded.append(True))
    core.touch()
    session_id(core)
    core.bus.emit(DOWN)
    core.bus.emit(BACK)
    assert core.flush() and reworded == [True, True]
