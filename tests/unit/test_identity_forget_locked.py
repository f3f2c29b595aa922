""""Forget me" while another program holds a database's write lock: her card is untied at once, so
nothing more of the visit is kept for her; the deletions are tried again until they are made."""

from __future__ import annotations

import math
import sqlite3

import pytest

import kiosk.identity.directory as directory_module
import kiosk.library.schema as library_schema
from hardware.card_tap import CardEvent
from kiosk.identity import STEP_FORGET, STEP_WELCOME, CardTapped, ConsentDesk, Customer
from kiosk.identity import CustomerForgetting, CustomerForgotten, IdentityError
from kiosk.identity.service import FORGET_UNFINISHED
from tests.unit._locks import locked, short_busy_timeout
from tests.unit.test_identity_consent import ANNA_UID, KEYER, STAFF_UID, V, add_look, make_service, stores

ANNA = KEYER.key(ANNA_UID)


@pytest.fixture(autouse=True)
def answered_soon(monkeypatch):
    """A locked database answers in 0.2 s instead of the kiosk's 10 s."""
    short_busy_timeout(monkeypatch, directory_module, library_schema)


library, directory = stores(Customer(ANNA, "Anna"), Customer(KEYER.key(STAFF_UID), "Carla", staff_role="associate"))


def tap(reader):
    reader.listener(CardEvent("tap", ANNA_UID, "pn532", "/dev/pts/3"))


def kept_and_offered(library, directory, tmp_path):
    """Anna said yes with her card in s1, has a kept look, and tapped again: "forget me" is offered."""
    service, reader, session, events = make_service(directory, library)
    session["id"] = "s1"
    look = add_look(library, tmp_path, "s1", 1)
    tap(reader)
    service.consent.accept("s1", V)
    tap(reader)
    assert events[-1].next_step == STEP_FORGET
    return service, reader, events, look


@pytest.mark.parametrize("database", ["identity.sqlite3", "library/looks.db"])
def test_forget_me_under_a_lock_keeps_nothing_more_and_finishes_once_unlocked(library, directory, tmp_path, database):
    # Locked: the button went, nothing was said, and (the directory locked) her looks were deleted but
    # her yes and card stayed tied to the visit: the next take was kept under her card for good.
    service, reader, events, look = kept_and_offered(library, directory, tmp_path)
    with locked(tmp_path / database):
        with pytest.raises(IdentityError) as raised:
            service.forget_me("s1")
        assert str(raised.value) == FORGET_UNFINISHED
        assert not service.consent.is_consented("s1") and service.owner("s1") is None
        assert not any(isinstance(e, CustomerForgotten) for e in events), "not told as done"
        # the network side, which needs none of the locked databases, forgets her at once
        assert [e.card_key for e in events if isinstance(e, CustomerForgetting)] == [ANNA]

    # Her next take in this visit is not kept, nor tied to her card, and goes with the visit.
    later = add_look(library, tmp_path, "s1", 2)
    service.look_added(later, "s1")
    stored = library.find(later)
    assert stored is None or not (stored.consented or stored.customer_id), "not kept, nor tied to her"
    service.session_ended("s1")
    service.settle("s1")
    library.end_session("s1")
    assert library.find(later) is None

    # Once the lock is gone, the next try deletes the rest: looks, answers, and the "forgotten" mark.
    done = service.finish_forgets(math.inf)
    # (The look database locked: the take stored as kept by the visit's yes it still held made the
    # forget try again at once, and both looks went then.)
    assert [(sid, report.looks) for sid, report in done] == [("s1", 0 if database == "identity.sqlite3" else 2)]
    assert library.find(look) is None and library.list(customer_id=ANNA) == []
    assert directory.consents(card_key=ANNA) == [] and directory.get(ANNA) is None
    assert directory.is_forgotten(ANNA)
    assert isinstance(events[-1], CustomerForgotten)
    assert service.finish_forgets(math.inf) == [], "done once"
    service.stop()


def test_an_unfinished_forget_is_offered_again_at_her_next_tap_and_tried_then(library, directory, tmp_path):
    service, reader, events, look = kept_and_offered(library, directory, tmp_path)
    with locked(directory.path):
        with pytest.raises(IdentityError, match="could not finish forgetting you"):
            service.forget_me("s1")
        assert service.finish_forgets(math.inf) == [], "still locked: still to do"
        tap(reader)  # her card again, still locked: "forget me" again, not the question
        assert events[-1].next_step == STEP_FORGET
        # untied from the visit: the tap must not name her to the tablets or the store (card_tapped)
        assert not events[-1].tied and events[-1].forgetting
    assert service.forget_me("s1") is not None
    assert directory.is_forgotten(ANNA) and directory.consents(card_key=ANNA) == []
    assert service.finish_forgets(math.inf) == []
    service.stop()


def test_an_unfinished_forget_waits_before_it_is_tried_again(library, directory, tmp_path):
    # Each try may wait for the busy timeout on the core's thread: never at every tick.
    service, reader, events, look = kept_and_offered(library, directory, tmp_path)
    with locked(directory.path), pytest.raises(IdentityError):
        service.forget_me("s1")
    assert service.finish_forgets() == [], "not yet due"
    assert len(service.finish_forgets(math.inf)) == 1
    service.stop()


def test_a_tap_that_cannot_tie_a_yes_given_before_it_is_not_tied_in_memory(library, directory, tmp_path):
    # The yes given before the tap was tied in memory, then the database refused: nothing was said,
    # and the next tap offered "forget me" for a tie that never reached the database.
    desk = ConsentDesk(directory, library)
    look = add_look(library, tmp_path, "s1", 1)
    desk.accept("s1", V)
    with locked(directory.path):
        with pytest.raises(IdentityError, match="could not use your card just now"):
            desk.card_tapped("s1", ANNA)
        assert desk.owner("s1") is None and desk.is_consented("s1")
        assert library.get(look).consented and library.get(look).customer_id is None, "the looks' tie is undone"
    assert desk.card_tapped("s1", ANNA) == STEP_WELCOME
    assert desk.owner("s1") == ANNA and library.get(look).customer_id == ANNA


def test_a_tap_under_a_lock_publishes_nothing_and_says_so(library, directory, tmp_path):
    service, reader, session, events = make_service(directory, library)
    session["id"] = "s1"
    service.consent.accept("s1", V)
    with locked(directory.path):
        with pytest.raises(IdentityError, match="tap it again"):
            service.tap(ANNA, "s1")
        assert not any(isinstance(e, CardTapped) for e in events)
        service.stop()


def test_a_yes_whose_record_fails_leaves_no_earlier_answer_tied_to_her_card(library, directory, tmp_path):
    # The claim of the session's earlier answers was written, then the yes's record failed: the
    # earlier "no" of the visit stayed under her card, though she was told to answer again.
    desk = ConsentDesk(directory, library)
    desk.decline("s1", V)
    assert desk.card_tapped("s1", ANNA) != STEP_FORGET

    # The yes's record itself fails (as a full disk would), after the claim in the same transaction.
    other = sqlite3.connect(directory.path, isolation_level=None)
    other.execute("CREATE TRIGGER refuse_yes BEFORE INSERT ON consents WHEN NEW.decision = 'accepted' "
                  "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    other.close()
    with pytest.raises(IdentityError, match="could not save your answer"):
        desk.accept("s1", V)
    assert directory.consents(card_key=ANNA) == []
    assert [r.card_key for r in directory.consents(session_id="s1")] == [None]
