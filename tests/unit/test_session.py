"""The session state machine, as a table of (state, input) -> (state, effects)."""

import itertools

import pytest

from kiosk.session import (
    EndRequested, PersonGone, PersonSeen, Phase, SessionEnded, SessionSettings, SessionStarted,
    SessionState, Tick, Touch, step,
)

S = SessionSettings(wake_after_s=1.0, end_after_s=5.0, idle_timeout_s=30.0)


def run(events, state=None):
    ids = (f"s{i}" for i in itertools.count(1))
    state = state or SessionState()
    effects = []
    for e in events:
        state, fx = step(state, e, S, lambda: next(ids))
        effects += fx
    return state, effects


def test_touch_wakes_at_once():
    state, fx = run([Touch(0.0)])
    assert state.phase == Phase.SESSION and fx == [SessionStarted("s1")]


def test_person_must_stay_in_view_to_wake():
    state, fx = run([PersonSeen(0.0), PersonSeen(0.5)])
    assert state.phase == Phase.IDLE and fx == []
    state, fx = run([PersonSeen(0.0), PersonSeen(0.5), PersonSeen(1.0)])
    assert state.phase == Phase.SESSION and fx == [SessionStarted("s1")]


def test_a_passer_by_or_half_body_does_not_wake():
    state, fx = run([PersonSeen(0.0), PersonGone(0.5), PersonSeen(0.9), PersonSeen(1.5)])
    assert state.phase == Phase.IDLE and fx == []
    state, fx = run([PersonSeen(t / 10, full_body=False) for t in range(30)])
    assert state.phase == Phase.IDLE and fx == []


def test_brief_occlusion_keeps_the_session_and_absence_ends_it():
    awake, _ = run([PersonSeen(0.0), PersonSeen(1.0)])
    state, fx = run([PersonGone(2.0), Tick(4.0), PersonSeen(5.0), Tick(9.0)], awake)
    assert state.phase == Phase.SESSION and fx == []
    state, fx = run([PersonGone(6.0), Tick(8.0), Tick(10.1)], state)
    assert state.phase == Phase.IDLE and fx == [SessionEnded("s1", "nobody in front of the mirror")]


def test_without_presence_detection_touch_timeout_ends_it():
    state, _ = run([Touch(0.0)])
    state, fx = run([Tick(10.0), Touch(20.0), Tick(45.0)], state)
    assert state.phase == Phase.SESSION and fx == []
    state, fx = run([Tick(50.0)], state)
    assert state.phase == Phase.IDLE and fx == [SessionEnded("s1", "nobody in front of the mirror")]


def test_end_requested():
    state, _ = run([Touch(0.0)])
    state, fx = run([EndRequested(1.0)], state)
    assert state.phase == Phase.IDLE and fx == [SessionEnded("s1", "ended on request")]


@pytest.mark.parametrize("event", [Tick(1.0), PersonGone(1.0), EndRequested(1.0)])
def test_idle_ignores_events_that_cannot_wake(event):
    state, fx = run([event])
    assert state.phase == Phase.IDLE and fx == []


def test_each_session_gets_a_new_id():
    state, fx = run([Touch(0.0), EndRequested(1.0), Touch(2.0)])
    assert [f.session_id for f in fx] == ["s1", "s1", "s2"]
