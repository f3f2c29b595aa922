"""A visit's end always reaches the screen and the tablets, and its unconsented looks go even
when the look database was locked as it ended (another program holding ``BEGIN EXCLUSIVE``)."""

from __future__ import annotations

import pytest

import kiosk.library.library as library_module
from kiosk.events import CoreFault, SessionStateChanged
from kiosk.session import Phase
from tests.unit._cores import core_config, running
from tests.unit._locks import locked, short_busy_timeout
from tests.unit.test_core_intents import of, recorded, session_id, wait_for


@pytest.fixture
def core(tmp_path, monkeypatch):
    # The kiosk waits 10 s for a locked database before giving up; the test needs it to give up at once.
    short_busy_timeout(monkeypatch, library_module)
    with running(core_config(tmp_path)) as (core, events):
        yield core, events


def ended(events, before: int) -> bool:
    """An idle ``SessionStateChanged`` came after the first ``before`` ones."""
    return any(e.state == "idle" for e in of(events, SessionStateChanged)[before:])


def test_a_visit_ending_while_the_library_is_locked_is_announced_and_its_unconsented_look_goes_once_free(core):
    # The end's deletion failed (database is locked) and was never tried again: the unconsented
    # look stayed until the next start, days later, and no idle state was ever announced.
    core, events = core
    core.touch()
    look_id = recorded(core, events).look_id
    library = core.parts.library
    with locked(library.layout.db):
        before = len(of(events, SessionStateChanged))
        core.end_session()
        assert wait_for(lambda: ended(events, before))
        # one fault kind for every visit (health's list of kinds does not grow with each); the log names it
        assert wait_for(lambda: any("the end of a visit" in e.what for e in of(events, CoreFault)))
        assert [look.id for look in library.list()] == [look_id]  # still locked: the look waits
        health = core.health()
        assert health["faults"] >= 1 and "the end of a visit" in health["last_fault"]
        assert "locked" in health["last_fault"]
    assert wait_for(lambda: library.list() == [])  # on the core's clock, with no new visit
    assert core.session.phase is Phase.IDLE
    assert {e.state for e in of(events, SessionStateChanged)[before:]} == {"idle"}  # no visit in between


def test_a_visit_whose_end_fails_half_way_is_still_announced(core, monkeypatch):
    core, events = core
    core.touch()
    session_id(core)

    def fails(_session_id):
        raise RuntimeError("the consent question would not close")

    monkeypatch.setattr(core.parts.identity, "session_ended", fails)
    before = len(of(events, SessionStateChanged))
    core.end_session()
    assert wait_for(lambda: of(events, CoreFault))
    assert core.flush() and ended(events, before)


def test_the_clocks_own_retries_never_wait_out_another_programs_lock(core, monkeypatch):
    # Each retry of a visit's end or an unfinished "forget me" waited the 10 s busy timeout on the
    # core's thread, again and again while the lock lasted: the shopper's touches waited with it.
    import kiosk.storage.database as database

    core, _ = core
    patience = []
    monkeypatch.setattr(core._effects, "settle", lambda force=True: patience.append(getattr(database._patience, "seconds", None)))
    assert wait_for(lambda: patience)  # the clock's tick
    assert patience[-1] == database.IMPATIENT_S


def test_an_impatient_use_gives_up_on_a_lock_at_once_and_the_timeout_comes_back(tmp_path):
    import time

    from kiosk.library import Library
    from kiosk.storage.database import impatient

    library = Library(tmp_path / "lib").open()
    db = library._db
    try:
        with locked(library.layout.db):
            started = time.monotonic()
            with impatient(), pytest.raises(Exception, match="locked"):
                with db.transaction() as conn:
                    conn.execute("DELETE FROM looks")
            assert time.monotonic() - started < db.schema.busy_timeout_s / 2  # 0.1 s, not 10 s
        with db.reading() as conn:  # outside: the schema's own patience again
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == int(db.schema.busy_timeout_s * 1000)
    finally:
        library.close()
