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
    WORDING_NO_READER,
    WORDINGS,
    AssociatePanel,
    CardKeyer,
    CardPresented,
    CardRemoved,
    CardTapped,
    ConsentChanged,
    ConsentDesk,
    ConsentRecord,
    Customer,
    CustomerDirectory,
    CustomerForgotten,
    Identity,
    IdentityError,
    IdentityParts,
    ReaderStateChanged,
)
from kiosk.identity.consent import PURPOSE
from kiosk.library import Library, NewLook

KEYER = CardKeyer(bytes(range(32)))
ANNA_UID, STAFF_UID, STRANGER_UID = "0416C6C2D73881", "DEADBEEF", "67003B51C6"
V = WORDING.version


def stores(*customers: Customer):
    """A module's ``library`` and ``directory`` fixtures: the look library and the customer directory
    under the test's folder, the directory holding ``customers``."""

    @pytest.fixture
    def library(tmp_path):
        with Library(tmp_path / "library") as lib:
            yield lib

    @pytest.fixture
    def directory(tmp_path):
        with CustomerDirectory(tmp_path / "identity.sqlite3") as d:
            d.import_customers(customers)
            yield d

    return library, directory


library, directory = stores(
    Customer(KEYER.key(ANNA_UID), "Anna", "gold", {"size_top": "M"}),
    Customer(KEYER.key(STAFF_UID), "Carla", staff_role="associate"),
)


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
    assert desk.offer("s1") is None  # asked once per session (again only at her touch or tap)
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


def test_the_question_after_a_tap_speaks_of_the_card_just_tapped(library, directory):
    desk = ConsentDesk(directory, library)
    assert "linked to your loyalty card if you tap it," in desk.offer("s1").text  # no card yet
    assert desk.card_tapped("s1", KEYER.key(ANNA_UID)) == STEP_CONSENT
    after_tap = desk.offer("s1").text
    assert "linked to the loyalty card you just tapped," in after_tap and "if you tap it" not in after_tap
    assert "{" not in after_tap and "14 days" not in after_tap and "30 days" in after_tap


def test_every_wording_ever_shown_is_kept_by_its_version():
    versions = [w.version for w in WORDINGS]
    # In force: the newest that speaks of a card, and the newest that speaks of none.
    assert len(set(versions)) == len(versions)
    assert WORDING == [w for w in WORDINGS if "card" in w.text][-1]
    assert WORDING_NO_READER == [w for w in WORDINGS if "card" not in w.text][-1]
    assert "{card}" in WORDING.text and "card" not in WORDING_NO_READER.text
    # The first version's text, as shoppers saw it (records of 2026-11.1 point at it).
    assert "loyalty card if you tap it, so you" in WORDINGS[0].shown("for 30 days", card=True)


def test_an_answer_to_an_earlier_wording_still_reads_against_its_own_words(library, directory, tmp_path):
    # Answers recorded with 2026-12.1 (before 2026-12.2) keep their looks and their records, and
    # the version still names the words the shopper saw, to the letter.
    by_version = {w.version: w for w in WORDINGS}
    assert by_version["2026-12.1"].shown("for 30 days", card=False) == (
        "If you say yes, the videos of your outfits from this visit are kept for 30 days and linked to "
        "your loyalty card if you tap it, so you can watch them again, take them home with a QR code and "
        "let our staff help you. We never keep measurements of your face or body. Tap your card again at "
        "any time to make the mirror forget you. If you say no, everything is deleted when you leave.")
    assert "linked to the loyalty card you just tapped," in by_version["2026-12.1"].shown("for 30 days", card=True)
    assert "Ask our staff at any time to delete them." in by_version["2026-12.1-no-reader"].text
    look = add_look(library, tmp_path, "s1", 1)
    library.set_session_consent("s1", True, KEYER.key(ANNA_UID), "2026-12.1")
    directory.record_consent(ConsentRecord(1.0e9, "s1", KEYER.key(ANNA_UID), PURPOSE, "accepted", "2026-12.1", "touch"))
    assert library.get(look).consented and library.get(look).consent_wording == "2026-12.1"
    (record,) = directory.consents(session_id="s1")
    assert record.wording_version in by_version and record.wording_version != V


def test_the_question_before_a_tap_says_what_a_tap_does_and_no_tap_that_was_not_made(library, directory, tmp_path):
    # "Tap your card again ... to make the mirror forget you" was asked before any tap: "again"
    # spoke of a tap she had not made. Her first tap after a yes ties the looks to the card, the
    # second offers "forget me", and the question says so in no more words than it did.
    anna = KEYER.key(ANNA_UID)
    desk = ConsentDesk(directory, library)
    before = desk.offer("s1").text
    assert "card again" not in before and "A second tap of your card makes the mirror forget you" in before
    # (how long it may be: test_mirror_consent.py, the question whole on a 540x960 mirror)
    desk.accept("s1", V)
    look = add_look(library, tmp_path, "s1", 1)
    desk.look_added(look, "s1")
    assert desk.card_tapped("s1", anna) == STEP_WELCOME and library.get(look).customer_id == anna  # first tap
    assert desk.card_tapped("s1", anna) == STEP_FORGET  # second tap
    # Asked right after a tap, the question still says to tap the card again.
    assert desk.card_tapped("s2", anna) == STEP_CONSENT
    after = desk.offer("s2").text
    assert "Tap your card again at any time to make the mirror forget you." in after and "second tap" not in after
    desk.accept("s2", V)
    assert desk.card_tapped("s2", anna) == STEP_FORGET  # the next tap
    assert "{" not in before + after


def test_the_question_before_a_tap_says_how_to_be_forgotten_without_a_card(library, directory, tmp_path):
    # A yes without a card ties her looks to none, so no tap can make the mirror forget her: the
    # question asked before a tap says to ask the staff, who delete a visit's looks from the
    # associate console (docs/cards.md), as the question without a card reader says. Asked right after a tap,
    # the looks are tied to that card, and its tap again forgets her.
    by_version = {w.version: w for w in WORDINGS}
    desk = ConsentDesk(directory, library)
    before = desk.offer("s1").text
    assert "A second tap of your card makes the mirror forget you; without a card, ask our staff to delete " \
           "your looks." in before
    assert desk.card_tapped("s2", KEYER.key(ANNA_UID)) == STEP_CONSENT
    after = desk.offer("s2").text
    assert "staff to delete" not in after and "Tap your card again at any time to make the mirror forget you." in after
    # A new version: 2026-12.2 stays word for word, for the answers recorded with it.
    assert V not in ("2026-12.2", "2026-12.1") and "2026-12.2" in by_version
    assert by_version["2026-12.2"].shown("for 30 days", card=False) == (
        "If you say yes, the videos of your outfits from this visit are kept for 30 days and linked to "
        "your loyalty card if you tap it, so you can watch them again, take them home with a QR code and "
        "let our staff help you. We never keep measurements of your face or body. A second tap of your "
        "card makes the mirror forget you. If you say no, everything is deleted when you leave.")
    desk.accept("s1", V)
    look = add_look(library, tmp_path, "s1", 1)
    desk.look_added(look, "s1")
    assert library.get(look).consent_wording == V and library.get(look).customer_id is None
    assert "2026-12.2" not in (WORDING.version, WORDING_NO_READER.version)


def test_without_a_card_reader_the_question_speaks_of_no_card_and_its_yes_is_recorded_so(
        library, directory, tmp_path):
    desk = ConsentDesk(directory, library)
    before = add_look(library, tmp_path, "s1", 1)
    offer = desk.offer("s1", card_reader=False)
    assert offer.wording_version == WORDING_NO_READER.version != V
    assert "card" not in offer.text.lower() and "{" not in offer.text and "30 days" in offer.text
    desk.accept("s1", offer.wording_version)
    after = add_look(library, tmp_path, "s1", 2)
    desk.look_added(after, "s1")
    for look_id in (before, after):  # kept with the words the shopper said yes to
        assert library.get(look_id).consent_wording == WORDING_NO_READER.version
    (record,) = directory.consents(session_id="s1")
    assert (record.decision, record.wording_version) == ("accepted", WORDING_NO_READER.version)
    # The reader is back and the card tapped: that yes spoke of no card, so she is asked with it.
    assert desk.card_tapped("s1", KEYER.key(ANNA_UID)) == STEP_CONSENT
    assert "the loyalty card you just tapped" in desk.offer("s1", card_reader=True).text
    assert desk.offer("s1", card_reader=False).wording_version == V, "a tapped card is named, reader or not"
    assert library.get(after).customer_id is None, "no card before the yes that names it"
    desk.accept("s1", V)
    assert library.get(after).customer_id == KEYER.key(ANNA_UID)
    assert [r.wording_version for r in directory.consents(session_id="s1")] == [WORDING_NO_READER.version, V]


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


# What the shopper did, in order: "no"/"yes" answer the question, "card" is her card tapped.
AFTER_A_NO = [
    ("no, card", ["no", "card"]),
    ("card, no, card again", ["card", "no", "card"]),
    ("yes with the card, no (withdrawn), card again", ["card", "yes", "no", "card"]),
]


@pytest.mark.parametrize("steps", [steps for _, steps in AFTER_A_NO], ids=[name for name, _ in AFTER_A_NO])
def test_a_card_tapped_after_a_no_asks_again_with_the_card(library, directory, tmp_path, steps):
    # The tap is a new, explicit wish to keep her looks, tied to that card: she is asked again.
    anna = KEYER.key(ANNA_UID)
    desk = ConsentDesk(directory, library)
    look = add_look(library, tmp_path, "s1", 1)
    for step in steps:
        if step == "card":
            assert desk.card_tapped("s1", anna) == STEP_CONSENT
        elif step == "yes":
            desk.accept("s1", V)
        else:
            desk.decline("s1", V)
    offer = desk.offer("s1")
    assert offer is not None, "the tap said 'consent': the question must come up"
    assert "the loyalty card you just tapped" in offer.text and offer.wording_version == V
    desk.accept("s1", offer.wording_version)
    assert library.get(look).consented and library.get(look).customer_id == anna


@pytest.mark.parametrize("steps", [["no"], ["card", "no"], ["no", "card", "no"]])
def test_after_a_no_only_her_touch_on_keep_or_share_asks_again(library, directory, tmp_path, steps):
    # Keep (or Share) touched after a no is as clear a wish to keep as a tap: the question comes
    # back, in the wording in force; never by itself (a gesture, a new look), and a yes stands.
    desk = ConsentDesk(directory, library)
    look = add_look(library, tmp_path, "s1", 1)
    for step in steps:
        if step == "card":
            desk.card_tapped("s1", KEYER.key(ANNA_UID))
        else:
            desk.decline("s1", V)
    assert desk.offer("s1") is None and desk.offer("s1", card_reader=False) is None
    assert desk.offer("s1", card_reader=False, touched=True).wording_version == WORDING_NO_READER.version
    offer = desk.offer("s1", touched=True)
    assert offer is not None, "Keep touched after a no must ask again"
    assert offer.wording_version == V and "your loyalty card if you tap it" in offer.text  # the no let the card go
    assert not library.get(look).consented, "asking keeps nothing"
    desk.accept("s1", offer.wording_version)
    assert desk.is_consented("s1") and library.get(look).consented and desk.owner("s1") is None
    decisions = [r.decision for r in directory.consents(session_id="s1")]
    assert decisions == ["declined"] * steps.count("no") + ["accepted"], "her yes is a record of its own"
    assert desk.offer("s1", touched=True) is None, "after a yes Keep asks nothing"


def test_answers_must_name_the_wording_shown(directory):
    desk = ConsentDesk(directory)
    with pytest.raises(IdentityError, match="not one in force"):
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


def test_the_question_on_screen_follows_the_card_reader(library, directory):
    from kiosk.identity.prompt import ConsentAsked

    service, reader, session, events = make_service(directory, library)

    def shown():
        return [e.offer for e in events if isinstance(e, ConsentAsked)]

    assert service.ask_consent("s1")  # the reader has not connected yet: no card to tap
    assert shown()[-1].wording_version == WORDING_NO_READER.version and "card" not in shown()[-1].text
    reader.listener(ReaderState("connected", "PN532 firmware 1.6 on /dev/pts/3", "pn532"))
    service.reader_changed()
    assert shown()[-1].wording_version == V and "your loyalty card if you tap it" in shown()[-1].text
    service.reader_changed()  # nothing changed: the question stays as it is
    assert len(shown()) == 2
    reader.listener(ReaderState("unavailable", "card reader /dev/pts/3 disconnected", "pn532"))
    service.reader_changed()
    assert shown()[-1].wording_version == WORDING_NO_READER.version and len(shown()) == 3
    service.answer_consent("s1", True, "touch")
    (record,) = directory.consents(session_id="s1")
    assert record.wording_version == WORDING_NO_READER.version
    service.reader_changed()  # answered: nothing on screen to reword
    assert len(shown()) == 3


@pytest.mark.parametrize("state, reason, told", [
    ("connected", "PN532 firmware 1.6 on /dev/pts/3",
     "Understood. Nothing is kept after you leave. Changed your mind? Tap Keep on a look."),
    # No card to tap: the words promise Keep alone.
    ("unavailable", "card reader /dev/pts/3 disconnected",
     "Understood. Nothing is kept after you leave. Changed your mind? Tap Keep on a look."),
])
def test_the_words_after_a_no_say_how_to_be_asked_again(library, directory, state, reason, told):
    from kiosk.identity.prompt import ConsentAsked, ConsentPromptClosed

    service, reader, session, events = make_service(directory, library)
    reader.listener(ReaderState(state, reason, "pn532"))
    session["id"] = "s1"
    assert service.ask_consent("s1")
    service.answer_consent("s1", False, "touch")
    closed = [e for e in events if isinstance(e, ConsentPromptClosed)]
    assert [(e.answer, e.message) for e in closed] == [("no", told)]
    # What the words promise: Keep touched asks again, in the wording in force (the mirror never by itself).
    assert not service.ask_consent("s1")
    assert service.ask_consent("s1", touched=True)
    asked = [e.offer for e in events if isinstance(e, ConsentAsked)]
    assert len(asked) == 2 and asked[1].wording_version == asked[0].wording_version
    assert asked[1].wording_version == (V if state == "connected" else WORDING_NO_READER.version)
    service.answer_consent("s1", False, "touch")
    if state == "connected":  # and so does her card, tapped
        reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
        assert events[-1].next_step == STEP_CONSENT


def test_a_yes_after_a_no_can_be_taken_back_and_her_card_forgotten(library, directory, tmp_path):
    """A yes to the question Keep asked again is recorded as any yes: a later no withdraws it, and
    her card tied after it offers "forget me", which deletes that visit's records too."""
    from kiosk.identity.prompt import ConsentAsked

    service, reader, session, events = make_service(directory, library)
    reader.listener(ReaderState("connected", "PN532 firmware 1.6 on /dev/pts/3", "pn532"))
    session["id"] = "s1"
    look = add_look(library, tmp_path, "s1", 1)
    assert service.ask_consent("s1")
    service.answer_consent("s1", False, "touch")
    assert service.ask_consent("s1", touched=True)
    reader.listener(ReaderState("unavailable", "card reader /dev/pts/3 disconnected", "pn532"))
    service.reader_changed()  # the question asked again follows the reader as any question does
    asked = [e.offer for e in events if isinstance(e, ConsentAsked)]
    assert [o.wording_version for o in asked] == [V, V, WORDING_NO_READER.version]
    service.answer_consent("s1", True, "touch", asked[-1].wording_version)
    assert library.get(look).consented
    reader.listener(ReaderState("connected", "PN532 firmware 1.6 on /dev/pts/3", "pn532"))
    service.answer_consent("s1", False, "touch")  # not asked: answers nothing
    assert service.ask_consent("s1", touched=True) is False, "a yes stands"
    service.consent.decline("s1", V)  # her yes taken back
    assert not library.get(look).consented
    assert [r.decision for r in directory.consents(session_id="s1")] == ["declined", "accepted", "withdrawn"]
    assert service.ask_consent("s1", touched=True)
    service.answer_consent("s1", True, "touch")
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    assert events[-1].next_step == STEP_WELCOME and service.owner("s1") == KEYER.key(ANNA_UID)
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    assert events[-1].next_step == STEP_FORGET
    report = service.forget_me("s1")
    assert report is not None and report.looks == 1 and library.find(look) is None
    assert directory.consents(session_id="s1") == []


def test_a_yes_tapped_as_the_question_is_reworded_is_recorded_with_the_words_read(library, directory, tmp_path):
    """The reader drops a moment before the tap: the screen still showed the question with the
    card, and the yes sent with that version is recorded with it (and ties a card tapped later)."""
    from kiosk.identity.prompt import ConsentAsked, ConsentPrompt, ConsentPromptClosed

    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    desk = ConsentDesk(directory, library)
    prompt = ConsentPrompt(desk, bus)
    assert prompt.ask("s1", card_reader=True)
    read = events[-1].offer
    prompt.reword(card_reader=False)  # the screen has not shown this one yet
    assert events[-1].offer.wording_version == WORDING_NO_READER.version
    prompt.answer("s1", True, "touch", read.wording_version)
    assert isinstance(events[-1], ConsentPromptClosed) and events[-1].answer == "yes"
    (record,) = directory.consents(session_id="s1")
    assert record.wording_version == V == read.wording_version
    # She said yes to "linked to your loyalty card if you tap it": her tap now keeps her looks on it.
    assert desk.card_tapped("s1", KEYER.key(ANNA_UID)) == STEP_WELCOME
    assert not [e for e in events if isinstance(e, ConsentAsked) and e.message]


def test_a_no_tapped_as_the_question_is_reworded_is_recorded_with_the_words_read(library, directory):
    from kiosk.identity.prompt import ConsentPrompt

    prompt = ConsentPrompt(ConsentDesk(directory, library), EventBus())
    assert prompt.ask("s1", card_reader=False)
    prompt.reword(card_reader=True)
    prompt.answer("s1", False, "touch", WORDING_NO_READER.version)
    assert [(r.decision, r.wording_version) for r in directory.consents(session_id="s1")] == [
        ("declined", WORDING_NO_READER.version)]


def test_an_answer_to_a_wording_no_longer_in_force_shows_the_question_again(library, directory):
    from kiosk.identity.prompt import ASK_AGAIN, ConsentAsked, ConsentPrompt, ConsentPromptClosed

    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    prompt = ConsentPrompt(ConsentDesk(directory, library), bus)
    assert prompt.ask("s1", card_reader=True)
    prompt.answer("s1", True, "touch", WORDINGS[0].version)
    # Nothing recorded, nothing closed: the question stands as asked now, with a plain word why.
    assert directory.consents() == [] and prompt.pending
    assert not [e for e in events if isinstance(e, ConsentPromptClosed)]
    assert isinstance(events[-1], ConsentAsked) and events[-1].message == ASK_AGAIN
    assert events[-1].offer.wording_version == V
    prompt.answer("s1", True, "touch", V)
    assert [r.wording_version for r in directory.consents(session_id="s1")] == [V]


def test_a_gesture_answers_the_question_asked_now(library, directory):
    from kiosk.identity.prompt import ConsentPrompt

    prompt = ConsentPrompt(ConsentDesk(directory, library), EventBus())
    assert prompt.ask("s1", card_reader=True)
    prompt.reword(card_reader=False)
    prompt.answer("s1", True, "gesture")
    assert [r.wording_version for r in directory.consents(session_id="s1")] == [WORDING_NO_READER.version]


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


@pytest.mark.parametrize("between", [STRANGER_UID, STAFF_UID])
def test_forget_me_forgets_the_card_it_was_offered_to_and_no_other(library, directory, tmp_path, between):
    # Anna's card, tapped again, offers "forget me"; before she answers another card is tapped
    # (someone else's, refused, or a staff card). The offer is withdrawn: nobody is forgotten.
    directory.import_customers([  # an import is the whole list
        Customer(KEYER.key(ANNA_UID), "Anna"), Customer(KEYER.key(STAFF_UID), "Carla", staff_role="associate"),
        Customer(KEYER.key(STRANGER_UID), "Bob"),
    ])
    bob_look = add_look(library, tmp_path, "earlier", 1)
    library.set_session_consent("earlier", True, KEYER.key(STRANGER_UID), V)
    service, reader, session, events = make_service(directory, library)
    session["id"] = "s1"
    anna_look = add_look(library, tmp_path, "s1", 2)
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    service.consent.accept("s1", V)
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    assert events[-1].next_step == STEP_FORGET
    reader.listener(CardEvent("tap", between, "pn532", "/dev/pts/3"))
    assert events[-1].next_step != STEP_FORGET

    assert service.forget_me("s1") is None
    assert not any(isinstance(e, CustomerForgotten) for e in events)
    assert library.get(anna_look).consented and library.get(anna_look).customer_id == KEYER.key(ANNA_UID)
    assert library.get(bob_look).customer_id == KEYER.key(STRANGER_UID)
    assert not directory.is_forgotten(KEYER.key(between)) and directory.get(KEYER.key(between)) is not None

    # Tapped again, Anna is offered it again, and it is Anna who is forgotten.
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    report = service.forget_me("s1")
    assert report is not None and report.looks == 1
    assert library.find(anna_look) is None and directory.is_forgotten(KEYER.key(ANNA_UID))
    assert library.get(bob_look).customer_id == KEYER.key(STRANGER_UID)
    assert service.forget_me("s1") is None, "an offer is answered once"
    service.stop()


def test_forget_me_offered_in_a_session_that_ended_does_nothing(library, directory, tmp_path):
    service, reader, session, events = make_service(directory, library)
    session["id"] = "s1"
    look = add_look(library, tmp_path, "s1", 1)
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    service.consent.accept("s1", V)
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))
    assert events[-1].next_step == STEP_FORGET
    service.session_ended("s1")
    assert service.forget_me("s1") is None and library.get(look).consented
    service.stop()


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


class _Refusing:
    """Wraps a store so that its writes fail while ``refuse`` is set (locked by another program, disk full)."""

    def __init__(self, inner, *methods: str) -> None:
        self._inner, self._methods, self.refuse = inner, methods, True

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name in self._methods:
            def refusing(*args, **kw):
                if self.refuse:
                    from kiosk.library import LibraryError

                    raise LibraryError("the look database could not be written (database is locked)")
                return attr(*args, **kw)
            return refusing
        return attr


def test_a_yes_that_cannot_be_saved_changes_nothing_and_can_be_given_again(library, directory, tmp_path):
    looks = _Refusing(library, "set_session_consent")
    desk = ConsentDesk(directory, looks)
    look = add_look(library, tmp_path, "s1", 1)
    assert desk.card_tapped("s1", KEYER.key(ANNA_UID)) == STEP_CONSENT
    with pytest.raises(IdentityError, match="could not save your answer"):
        desk.accept("s1", V)
    assert not desk.is_consented("s1") and not library.get(look).consented
    assert directory.consents(session_id="s1") == [], "no record of a yes that did not take effect"
    assert desk.offer("s1") is not None, "the question can be answered again"
    looks.refuse = False
    desk.accept("s1", V)  # the card tapped before is still the one the looks go to
    assert library.get(look).consented and library.get(look).customer_id == KEYER.key(ANNA_UID)


def test_a_yes_whose_record_cannot_be_written_is_undone_on_the_looks(library, directory, tmp_path):
    records = _Refusing(directory, "record_consent")
    desk = ConsentDesk(records, library)
    look = add_look(library, tmp_path, "s1", 1)
    with pytest.raises(IdentityError, match="could not save your answer"):
        desk.accept("s1", V)
    assert not desk.is_consented("s1") and not library.get(look).consented
    assert not library.session_consented("s1"), "a crash now must not bring the look back as kept"


def test_a_withdrawal_that_cannot_be_saved_leaves_the_yes_standing(library, directory, tmp_path):
    records = _Refusing(directory, "record_consent")
    records.refuse = False
    desk = ConsentDesk(records, library)
    look = add_look(library, tmp_path, "s1", 1)
    desk.accept("s1", V)
    records.refuse = True
    with pytest.raises(IdentityError, match="could not save your answer"):
        desk.decline("s1", V)
    assert desk.is_consented("s1") and library.get(look).consented
    assert [r.decision for r in directory.consents(session_id="s1")] == ["accepted"]


def test_the_question_closes_without_a_yes_when_the_answer_could_not_be_saved(library, directory, tmp_path):
    from kiosk.identity.prompt import ConsentPrompt, ConsentPromptClosed

    bus = EventBus()
    closed = []
    bus.subscribe(lambda e: closed.append(e) if isinstance(e, ConsentPromptClosed) else None)
    prompt = ConsentPrompt(ConsentDesk(directory, _Refusing(library, "set_session_consent")), bus)
    assert prompt.ask("s1", card_reader=True)
    prompt.answer("s1", True)
    # Not "yes": a share waiting for the yes must not go ahead; the shopper reads why.
    assert closed[-1].answer == "" and "answer again" in closed[-1].message
    assert prompt.ask("s1", card_reader=True), "the question can be asked again"


def test_forget_me_leaves_no_trace_in_the_open_databases_files(library, directory, tmp_path):
    # The kiosk keeps both databases open for hours: the deleted rows must be gone from the
    # files and their write-ahead logs at once, not at the next clean close.
    from kiosk.identity.forget import forget_card

    anna = KEYER.key(ANNA_UID)
    note = "Anna Schmidt wants it in navy, 38"
    directory.import_customers([Customer(anna, "Annalena"), Customer(KEYER.key(STAFF_UID), "Carla",
                                                                     staff_role="associate")])
    desk = ConsentDesk(directory, library)
    other = add_look(library, tmp_path, "s0", 1)  # someone else's look shares the pages
    library.set_session_consent("s0", True, "someone-else", V)
    library.add_note(other, "another shopper's note", "Linen shirt")
    look = add_look(library, tmp_path, "s1", 2)
    desk.card_tapped("s1", anna)
    desk.accept("s1", V)
    library.add_note(look, note, "Navy dress")

    forget_card(anna, directory, library)

    def leftovers(db_path, needles):
        found = []
        for path in (db_path, db_path.with_name(db_path.name + "-wal")):
            data = path.read_bytes() if path.exists() else b""
            found += [(path.name, n) for n in needles if n.encode() in data]
        return found

    assert leftovers(library.layout.db, [anna, note]) == []
    assert leftovers(directory.path, ["Annalena"]) == []  # the card key stays: it is the "forgotten" mark
    assert library.get(other) is not None and library.notes([other])[other][0].text == "another shopper's note"


def test_an_answer_refused_by_a_database_s_own_error_is_asked_again_plainly(library, directory, caplog):
    # A desk's refusals are its own sentences; another error's words (a path, "database is locked")
    # went on screen as they were.
    import logging
    from types import SimpleNamespace

    from kiosk.errors import LibraryError
    from kiosk.identity.consent import NOT_SAVED
    from kiosk.identity.prompt import ConsentPrompt, ConsentPromptClosed

    real = ConsentDesk(directory, library)
    leak = LibraryError("the look database /var/lib/smartmirror/looks.db could not be written (database is locked)")

    def refuse(*args, **kwargs):
        raise leak

    desk = SimpleNamespace(offer=real.offer, in_force=real.in_force, accept=refuse, decline=refuse)
    bus, events = EventBus(), []
    bus.subscribe(events.append)
    prompt = ConsentPrompt(desk, bus)
    assert prompt.ask("s1", card_reader=False)
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.prompt"):
        prompt.answer("s1", True)
    closed = events[-1]
    assert isinstance(closed, ConsentPromptClosed) and (closed.answer, closed.message) == ("", NOT_SAVED)
    assert [r.getMessage() for r in caplog.records if str(leak) in r.getMessage()], caplog.records
