"""The comparison's pure decisions: what a swipe means while looks are compared, what a tap on a look means while picking."""

import pytest

from kiosk.intents import MAX_PICKS, SHARE_AGAIN_S, Meaning, gesture_meaning, pick_meaning, share_meaning, shares_again


@pytest.mark.parametrize(
    "gesture, asking, comparing, meaning",
    [
        ("swipe_left", False, True, Meaning.TURN_LEFT),
        ("swipe_right", False, True, Meaning.TURN_RIGHT),
        ("swipe_left", True, True, Meaning.CONSENT_NO),  # the question on screen comes first
        ("swipe_right", True, True, Meaning.CONSENT_NO),
        ("swipe_left", False, False, Meaning.TRAY_OLDER),  # no comparison open: the tray, as before
        ("swipe_right", False, False, Meaning.TRAY_NEWER),
        ("raise_hand", False, True, Meaning.TOGGLE_RECORDING),
        ("raise_hand", True, True, Meaning.CONSENT_YES),
        ("raise_hand", True, False, Meaning.CONSENT_YES),
        ("wave", False, True, Meaning.NOTHING),
    ],
)
def test_gesture_meaning_with_a_comparison_open(gesture, asking, comparing, meaning):
    assert gesture_meaning(gesture, asking, comparing) is meaning


def test_gesture_meaning_defaults_to_no_comparison():
    assert gesture_meaning("swipe_left", False) is Meaning.TRAY_OLDER


@pytest.mark.parametrize(
    "picked, in_tray, count, meaning",
    [
        (False, True, 0, Meaning.PICK),
        (False, True, MAX_PICKS - 1, Meaning.PICK),
        (False, True, MAX_PICKS, Meaning.PICKS_FULL),
        (True, True, MAX_PICKS, Meaning.UNPICK),  # a full comparison can always lose a look
        (True, False, 2, Meaning.UNPICK),  # a look that left the tray can still be unpicked
        (False, False, 1, Meaning.NOTHING),  # not the shopper's look
    ],
)
def test_pick_meaning(picked, in_tray, count, meaning):
    assert pick_meaning(picked, in_tray, count) is meaning


@pytest.mark.parametrize(
    "all_found, all_consented, meaning",
    [(True, True, Meaning.SHARE), (True, False, Meaning.ASK_CONSENT_THEN_SHARE), (False, False, Meaning.NOTHING)],
)
def test_sharing_a_comparison_needs_every_look_consented(all_found, all_consented, meaning):
    assert share_meaning(all_found, all_consented) is meaning


@pytest.mark.parametrize(
    "last_look, made_at, look_id, now, again",
    [
        ("a", 100.0, "a", 100.0, True),  # queued while the link was made: run right after it
        ("a", 100.0, "a", 100.3, True),  # a double tap
        ("a", 100.0, "a", 100.0 + SHARE_AGAIN_S, True),
        ("a", 100.0, "a", 100.1 + SHARE_AGAIN_S, False),  # asked again later, on purpose: a new link
        ("a", 100.0, "b", 100.1, False),  # another look
        (None, 0.0, "a", 1.0, False),  # no link made yet
        ("a", 100.0, "a", 99.0, False),
    ],
)
def test_share_again_within_a_moment_of_its_link_is_the_same_tap(last_look, made_at, look_id, now, again):
    assert shares_again(last_look, made_at, look_id, now) is again
