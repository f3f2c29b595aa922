"""Consent gates every kept look; taps attach, re-taps offer "forget me"; with the real look library."""

from __future__ import annotations

import pytest

from hardware.card_tap import CardEvent, ReaderState
from kiosk.events import EventBus
from kiosk.identity import (
    STEP_ASSOCIATE,
    STEP_CONSENT,
    STEP_FORGET,
    STEP_NONE,
    STEP_WELCOME,
    WORDING,
    AssociatePanel,
    CardKeyer,
    CardPresented,
    CardRemoved,
    CardTapped,
    ConsentChanged,
    ConsentDesk,
    Customer,
    CustomerDirectory,
    CustomerForgotten,
    Identity,
    IdentityError,
    IdentityParts,
    ReaderStateChanged,
)
from kiosk.library import Library, NewLook

KEYER = CardKeyer(bytes(range(32)))
ANNA_UID, STAFF_UID, STRANGER_UID = "0416C6C2D73881", "DEADBEEF", "67003B51C6"
V = WORDING.version


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "library") as lib:
        yield lib


@pytest.fixture
def directory(tmp_path):
    with CustomerDirectory(tmp_path / "identity.sqlite3") as d:
        d.import_customers([
            Customer(KEYER.key(ANNA_UID), "Anna", "gold", {"size_top": "M"}),
            Customer(KEYER.key(STAFF_UID), "Carla", staff_role="associate"),
        ])
        yield d


def add_look(library, tmp_path, session_id, n):
    video = tmp_path / f"take{n}.mp4"
    video.write_bytes(b"\x00" * 100)
    look_id = f"look{n:04d}{session_id}".ljust(16, "x")
    library.add_look(NewLook(look_id, video, None, None, 1.0e9, 3.0, 720, 1280, session_id=session_id))
    return look_id


def test_nothing_is_kept_without_a_yes(library, directory, tmp_path):
    desk = ConsentDesk(directory, library)
    look = add_look(library, tmp_path, "s1", 1)
    assert desk.card_tapped("s1", KEYER.key(ANNA_UID)) == STEP_CONSENT
    assert not desk.is_consented("s1") and library.get(look).customer_id is None
    desk.decline("s1", V)
    assert desk.offer("s1") is None  # asked once per session
    assert library.end_session("s1") == [look]
    (record,) = directory.consents(session_id="s1")
    assert (record.decision, record.wording_version, record.card_key) == ("declined", V, None)


def test_yes_keeps_and_attaches_past_and_future_looks(library, directory, tmp_path):
    anna = KEYER.key(ANNA_UID)
    desk = ConsentDesk(directory, library, retention_days=14)
    offer = desk.offer("s1")
    assert offer.wording_version == V and "14 days" in offer.text and offer.retention_days == 14
    before = add_look(library, tmp_path, "s1", 1)
    assert desk.card_tapped("s1", anna) == STEP_CONSENT
    desk.accept("s1", V, via="gesture")
    after = add_look(library, tmp_path, "s1", 2)
    desk.look_added(after, "s1")
    for look_id in (before, after):
        look = library.get(look_id)
        assert look.consented and look.customer_id == anna and look.consent_wording == V
    assert library.end_session("s1") == []
    (record,) = directory.consents(card_key=anna)
    assert (record.decision, record.via, record.session_id) == ("accepted", "gesture", "s1")
    assert desk.owner("s1") == anna and desk.card_tapped("s1", anna) == STEP_FORGET


def test_yes_before_the_tap_then_welcome(library, directory, tmp_path):
    desk = ConsentDesk(directory, library)
    desk.accept("s1", V)
    look = add_look(library, tmp_path, "s1", 1)
    desk.look_added(look, "s1")
    assert library.get(look).consented and library.get(look).customer_id is None
    assert desk.card_tapped("s1", KEYER.key(STRANGER_UID)) == STEP_WELCOME  # unknown card: anonymous key
    assert library.get(look).customer_id == KEYER.key(STRANGER_UID)
    assert directory.consents(card_key=KEYER.key(STRANGER_UID))[0].decision == "accepted"


def test_no_after_yes_withdraws(library, directory, tmp_path):
    desk = ConsentDesk(directory, library)
    look = add_look(library, tmp_path, "s1", 1)
    desk.card_tapped("s1", KEYER.key(ANNA_UID))
    desk.accept("s1", V)
    desk.decline("s1", V)
    assert not library.get(look).consented and library.get(look).customer_id is None
    assert [r.decision for r in directory.consents(session_id="s1")] == ["accepted", "withdrawn"]


def test_answers_must_name_the_wording_shown(directory):
    desk = ConsentDesk(directory)
    with pytest.raises(IdentityError, match="not the one in force"):
        desk.accept("s1", "1999.1")
    with pytest.raises(IdentityError, match="consent can be given by"):
        desk.accept("s1", V, via="shouting")
    with pytest.raises(IdentityError, match="no session"):
        desk.accept("", V)
    assert directory.consents() == []


class DrivenReader:
    """A reader adapter the test drives by hand (the serial one is tested over a real pty)."""

    def __init__(self):
        self.listener = None
        self.stopped = False

    def start(self, listener):
        self.listener = listener

    def stop(self, timeout=3.0):
        self.stopped = True


def make_service(directory, library):
    """The identity part, with the core's part played by hand: a card on the reader is tapped in
    ``session["id"]``."""
    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    desk = ConsentDesk(directory, library, notify=bus.emit)
    panel = AssociatePanel(directory, desk, library)
    reader = DrivenReader()
    service = Identity(IdentityParts(bus, reader, lambda: KEYER, directory, desk, panel, library))
    session = {"id": None}
    bus.subscribe(lambda e: service.tap(e.card_key, session["id"], e.protocol) if isinstance(e, CardPresented) else None)
    service.start()
    return service, reader, session, events


def test_identity_end_to_end(library, directory, tmp_path):
    service, reader, session, events = make_service(directory, library)
    reader.listener(ReaderState("connected", "PN532 firmware 1.6 on /dev/pts/3", "pn532"))
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    presented = [e for e in events if isinstance(e, CardPresented)]
    assert presented and presented[-1].card_key == KEYER.key(ANNA_UID)  # keyed at once
    assert events[-1].next_step == STEP_NONE  # no session to attach to

    session["id"] = "s1"
    look = add_look(library, tmp_path, "s1", 1)
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    tap = events[-1]
    assert isinstance(tap, CardTapped) and tap.next_step == STEP_CONSENT
    assert (tap.first_name, tap.known, tap.staff, tap.session_id) == ("Anna", True, False, "s1")
    assert tap.customer_id == KEYER.key(ANNA_UID)
    service.consent.accept("s1", V)
    assert isinstance(events[-1], ConsentChanged) and events[-1].decision == "accepted"
    reader.listener(CardEvent("removed", ANNA_UID, "pn532", "/dev/pts/3"))
    assert events[-1] == CardRemoved(card_key=tap.card_key, at=events[-1].at)

    reader.listener(CardEvent("tap", STAFF_UID, "pn532", "/dev/pts/3"))
    assert events[-1].next_step == STEP_ASSOCIATE and events[-1].staff_role == "associate"

    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    assert events[-1].next_step == STEP_FORGET
    report = service.forget_me("s1")
    assert (report.looks, report.customers, report.consents) == (1, 1, 1)
    assert isinstance(events[-1], CustomerForgotten) and library.find(look) is None
    assert directory.get(tap.card_key) is None and not service.consent.is_consented("s1")

    # After forgetting, the same card is an unknown card that must be asked again.
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    assert (events[-1].known, events[-1].next_step) == (False, STEP_CONSENT)

    service.session_ended("s1")
    service.forget_session("s1")
    assert service.consent.decision("s1") is None  # session answers end with the session
    assert any(isinstance(e, ReaderStateChanged) and e.state == "connected" for e in events)
    assert not any(uid in repr(e).upper() for e in events for uid in (ANNA_UID, STAFF_UID))
    service.stop()
    assert reader.stopped


def test_a_failing_directory_does_not_stop_the_reader(library, directory):
    service, reader, session, events = make_service(directory, library)
    session["id"] = "s1"
    directory.close()
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))  # logged, not raised
    assert not any(isinstance(e, CardTapped) for e in events)
    service.stop()


def test_offer_states_the_retention_period(directory):
    assert "kept for 30 days" in ConsentDesk(directory, retention_days=30).offer("s1").text
    assert "kept for 1 day " in ConsentDesk(directory, retention_days=1).offer("s1").text
    unlimited = ConsentDesk(directory, retention_days=0).offer("s1")
    assert "kept until you ask the mirror to forget you" in unlimited.text and "0 days" not in unlimited.text


def test_a_second_card_never_takes_over_the_session(library, directory, tmp_path):
    from kiosk.identity import STEP_OTHER_CARD

    anna, other = KEYER.key(ANNA_UID), KEYER.key(STRANGER_UID)
    desk = ConsentDesk(directory, library)
    look = add_look(library, tmp_path, "s1", 1)
    desk.card_tapped("s1", anna)
    desk.accept("s1", V)
    assert desk.card_tapped("s1", other) == STEP_OTHER_CARD
    assert desk.owner("s1") == anna and library.get(look).customer_id == anna
