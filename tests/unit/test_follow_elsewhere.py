"""What a command beside the kiosk commits (``kiosk customers forget``, ``kiosk looks delete``) reaches
the running kiosk: its connection notices another's commit, and a card forgotten meanwhile is let go."""

from __future__ import annotations

import pytest

from kiosk.identity import STEP_WELCOME, ConsentDesk, Customer, CustomerDirectory, CustomerForgotten, IdentityError, forget_card
from kiosk.library import Library
from kiosk.storage import Database
from tests.unit.test_identity_consent import ANNA_UID, KEYER, V, add_look, make_service, stores
from tests.unit.test_storage import schema

ANNA = KEYER.key(ANNA_UID)


library, directory = stores(Customer(ANNA, "Anna", "gold"))


def test_a_connection_notices_another_connections_commit_once_and_never_its_own(tmp_path):
    path = tmp_path / "db.sqlite3"
    with Database(path, schema()) as mine, Database(path, schema()) as other:
        assert not mine.changed_elsewhere(), "the first look only sets where it stands"
        with mine.transaction() as conn:
            conn.execute("CREATE TABLE t (x)")
        assert not mine.changed_elsewhere(), "its own commit is no news"
        with other.transaction() as conn:
            conn.execute("INSERT INTO t VALUES (1)")
        assert mine.changed_elsewhere()
        assert not mine.changed_elsewhere(), "told once"
    closed = Database(path, schema())
    assert not closed.changed_elsewhere(), "nothing open, nothing to follow"


def test_a_tie_counts_as_forgotten_only_once_the_card_was_forgotten_after_it(directory):
    desk = ConsentDesk(directory)
    desk.card_tapped("s1", ANNA)
    desk.accept("s1", V)
    assert not directory.tie_forgotten("s1", ANNA)
    directory.forget(ANNA)
    assert directory.tie_forgotten("s1", ANNA)
    # Forgotten on an earlier visit, she comes back, says yes, then taps: her old tombstone stays,
    # but the tie is new, with its answer on record.
    desk.accept("s2", V)
    assert desk.card_tapped("s2", ANNA) == STEP_WELCOME
    assert directory.is_forgotten(ANNA) and not directory.tie_forgotten("s2", ANNA)


def tied_after_her_yes(directory, library):
    """The identity part with Anna's card tapped in visit s1 and her yes."""
    service, reader, session, events = make_service(directory, library)
    service.tap(ANNA, "s1")
    service.consent.accept("s1", V)
    return service


def test_a_card_forgotten_by_another_program_is_let_go_by_the_visit_at_once(library, directory, tmp_path):
    service, reader, session, events = make_service(directory, library)
    session["id"] = "s1"
    before = add_look(library, tmp_path, "s1", 1)
    service.tap(ANNA, "s1")
    service.consent.accept("s1", V)
    assert service.follow_directory("s1") == []  # where it stands

    # Store IT's ``kiosk customers import`` changes the directory: nobody is let go.
    with CustomerDirectory(directory.path) as elsewhere:
        elsewhere.import_customers([], merge=True)
    assert service.follow_directory("s1") == [] and service.owner("s1") == ANNA

    # ``kiosk customers forget``, on connections of its own.
    with Library(library.layout.root) as their_library, CustomerDirectory(directory.path) as their_directory:
        forget_card(ANNA, their_directory, their_library)
    assert library.find(before) is None
    assert service.follow_directory("s1") == ["s1"]
    assert service.owner("s1") is None and not service.consent.is_consented("s1")
    assert [e.card_key for e in events if isinstance(e, CustomerForgotten)] == [ANNA]
    assert service.follow_directory("s1") == [], "let go once"

    # A take of the visit that lands now is not kept, nor tied to her.
    after = add_look(library, tmp_path, "s1", 2)
    service.look_added(after, "s1")
    service.settle("s1")
    assert not library.get(after).consented and library.get(after).customer_id is None
    assert library.end_session("s1") == [after]
    service.stop()


def test_a_take_tied_to_her_between_the_commands_two_steps_goes_too(library, directory, tmp_path):
    # ``kiosk customers forget`` deletes her looks, then her records: a take that landed in between
    # was still kept under her card by the kiosk, which had not heard yet.
    service = tied_after_her_yes(directory, library)
    service.follow_directory("s1")
    with Library(library.layout.root) as their_library:
        their_library.forget_customer(ANNA)
    between = add_look(library, tmp_path, "s1", 1)
    service.look_added(between, "s1")
    assert library.get(between).customer_id == ANNA
    with CustomerDirectory(directory.path) as their_directory:
        their_directory.forget(ANNA)
    assert service.follow_directory("s1") == ["s1"]
    assert library.find(between) is None
    service.stop()


def test_an_ended_visit_waiting_for_its_last_take_lets_her_go_too(library, directory, tmp_path):
    service = tied_after_her_yes(directory, library)
    service.session_ended("s1")  # she left; a take of hers is still being finished
    service.follow_directory("s2")
    with CustomerDirectory(directory.path) as their_directory:
        forget_card(ANNA, their_directory, None)
    assert service.follow_directory("s2") == ["s1"]
    late = add_look(library, tmp_path, "s1", 1)
    service.look_added(late, "s1")
    service.settle("s1")
    assert library.get(late).customer_id is None and not library.get(late).consented
    service.stop()


def test_a_check_that_failed_is_made_again_at_the_next_tick(library, directory, monkeypatch):
    service = tied_after_her_yes(directory, library)
    service.follow_directory("s1")
    with CustomerDirectory(directory.path) as their_directory:
        forget_card(ANNA, their_directory, None)

    def refuse(*args):
        raise IdentityError("the customer directory could not be read (database is locked)")

    with monkeypatch.context() as patch:
        patch.setattr(directory, "tie_forgotten", refuse)
        with pytest.raises(IdentityError):
            service.follow_directory("s1")
    assert service.follow_directory("s1") == ["s1"], "the change was seen before the failure; it is followed now"
    service.stop()
