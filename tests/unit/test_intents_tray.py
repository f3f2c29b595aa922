"""Where a swipe through the looks tray goes: always to another look while there is one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.intents import tray_target

TRAY = ["newest", "middle", "oldest"]


def test_from_the_live_mirror_a_step_either_way_opens_the_newest():
    assert tray_target(TRAY, "", +1) == "newest"
    assert tray_target(TRAY, "", -1) == "newest"
    assert tray_target(TRAY, "a look since deleted", -1) == "newest"


def test_steps_go_older_and_newer_and_round_the_ends():
    assert tray_target(TRAY, "newest", +1) == "middle"
    assert tray_target(TRAY, "middle", -1) == "newest"
    # Past either end it comes round: "Next look" on the ring never does nothing.
    assert tray_target(TRAY, "oldest", +1) == "newest"
    assert tray_target(TRAY, "newest", -1) == "oldest"


def test_an_empty_tray_opens_nothing_and_a_single_look_stays():
    assert tray_target([], "", +1) is None
    assert tray_target(["only"], "only", -1) == "only"


@given(st.integers(min_value=2, max_value=8), st.data())
def test_a_step_from_a_playing_look_always_shows_another(size, data):
    ids = [f"look-{i}" for i in range(size)]
    playing = data.draw(st.sampled_from(ids))
    delta = data.draw(st.sampled_from([+1, -1]))
    target = tray_target(ids, playing, delta)
    assert target in ids and target != playing
    assert tray_target(ids, target, -delta) == playing  # and the other way comes back
