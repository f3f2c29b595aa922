"""When the screen is lit: table tests of the pure ``screen_step``."""

import pytest

from kiosk.screen_policy import ScreenSettings, ScreenState, presence_counts, screen_step
from kiosk.session import EndRequested, Phase, PersonGone, PersonSeen, Tick, Touch

IDLE, SESSION = Phase.IDLE, Phase.SESSION
S = ScreenSettings(sleep_after_s=60)
LIT = ScreenState(on=True, reason="x", last_activity=100.0)
DARK = ScreenState(on=False, reason="nobody", last_activity=100.0)


@pytest.mark.parametrize(
    "state, event, phase, open_now, on",
    [
        # an empty room during opening hours: dark after sleep_after_s, not before
        (LIT, Tick(159.0), IDLE, True, True),
        (LIT, Tick(160.0), IDLE, True, False),
        (LIT, PersonGone(170.0), IDLE, True, False),
        # someone stepping in (whole body or not) or a touch lights it at once
        (DARK, PersonSeen(500.0, full_body=False), IDLE, True, True),
        (DARK, PersonSeen(500.0), IDLE, True, True),
        (DARK, Touch(500.0), IDLE, True, True),
        # a session keeps it lit however long nobody touches it
        (LIT, Tick(10_000.0), SESSION, True, True),
        (DARK, Tick(500.0), SESSION, True, True),
        # outside opening hours: dark whenever no session runs; presence wakes nothing; touch does
        (LIT, Tick(101.0), IDLE, False, False),
        (DARK, PersonSeen(500.0), IDLE, False, False),
        (DARK, Touch(500.0), IDLE, False, True),
        (DARK, Touch(500.0), SESSION, False, True),
        (LIT, PersonSeen(500.0), SESSION, False, True),
        (LIT, EndRequested(101.0), IDLE, False, False),
        # an end request alone does not darken an open store's screen
        (LIT, EndRequested(101.0), IDLE, True, True),
    ],
)
def test_screen_step(state, event, phase, open_now, on):
    assert screen_step(state, event, phase, open_now, S).on is on


def test_the_empty_time_counts_from_the_last_person_seen_not_from_the_session_end():
    state = screen_step(LIT, PersonSeen(200.0), SESSION, True, S)
    state = screen_step(state, Tick(215.0), SESSION, True, S)  # still in the session, nobody seen
    state = screen_step(state, Tick(221.0), IDLE, True, S)  # the session ended (nobody for 20 s)
    assert state.on
    state = screen_step(state, Tick(260.0), IDLE, True, S)
    assert not state.on and "60 s" in state.reason


def test_zero_means_never_dark_for_an_empty_room_but_hours_still_apply():
    never = ScreenSettings(sleep_after_s=0)
    assert screen_step(LIT, Tick(1e6), IDLE, True, never).on
    assert not screen_step(LIT, Tick(1e6), IDLE, False, never).on


def test_the_first_input_starts_the_clock():
    start = ScreenState()
    state = screen_step(start, Tick(1000.0), IDLE, True, S)
    assert state.on and state.last_activity == 1000.0
    assert not screen_step(state, Tick(1060.0), IDLE, True, S).on


def test_reasons_say_why_in_plain_words():
    assert screen_step(LIT, Tick(101.0), IDLE, False, S).reason == "outside opening hours"
    assert screen_step(DARK, Touch(500.0), IDLE, True, S).reason == "touched"


@pytest.mark.parametrize("phase, open_now, counts", [(IDLE, True, True), (IDLE, False, False),
                                                     (SESSION, False, True), (SESSION, True, True)])
def test_presence_counts(phase, open_now, counts):
    assert presence_counts(phase, open_now) is counts
