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
    sid = session_id(core)
    look_id = recorded(core, events).look_id
    library = core.parts.library
    with locked(library.layout.db):
        before = len(of(events, SessionStateChanged))
        core.end_session()
        assert wait_for(lambda: ended(events, before))
        assert wait_for(lambda: any(sid in e.what for e in of(events, CoreFault)))
        assert [look.id for look in library.list()] == [look_id]  # still locked: the look waits
        health = core.health()
        assert health["faults"] >= 1 and sid in health["last_fault"] and "locked" in health["last_fault"]
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
