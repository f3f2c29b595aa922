"""Presence from canned poses: whole body or not, and brief gaps bridged."""

from __future__ import annotations

import pytest

from kiosk.analysis import landmarks as lm
from kiosk.analysis.presence import Presence, PresenceTracker, classify
from tests.unit._poses import make_pose


def test_whole_body_in_view():
    assert classify(make_pose(0.0)) is Presence.FULL_BODY
    assert classify(make_pose(0.0, 180.0)) is Presence.FULL_BODY  # the back counts too


def test_nobody():
    assert classify(None) is Presence.NOBODY


def test_feet_out_of_the_picture_is_partial():
    # Standing close to the camera: the feet fall below the bottom edge.
    assert classify(make_pose(0.0, shift=(0.0, 0.25))) is Presence.PARTIAL


def test_head_cut_off_is_partial():
    assert classify(make_pose(0.0, shift=(0.0, -0.3))) is Presence.PARTIAL


def test_feet_under_a_long_dress_still_count_when_placed_in_the_picture():
    pose = make_pose(0.0)
    for i in (lm.LEFT_ANKLE, lm.RIGHT_ANKLE, lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT, lm.RIGHT_FOOT):
        pose.visibility[i] = 0.1
    assert classify(pose) is Presence.FULL_BODY


def test_hidden_feet_below_the_picture_are_partial():
    pose = make_pose(0.0, shift=(0.0, 0.2))  # ankles placed below the bottom edge
    for i in (lm.LEFT_ANKLE, lm.RIGHT_ANKLE, lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT, lm.RIGHT_FOOT):
        pose.visibility[i] = 0.1
    assert classify(pose) is Presence.PARTIAL


def test_face_only_is_partial():
    pose = make_pose(0.0, scale=4.0, shift=(0.0, 0.6))  # a close-up: only the head is in the picture
    assert classify(pose) is Presence.PARTIAL


def feed(tracker, states, fps=10.0):
    changes = []
    for i, state in enumerate(states):
        change = tracker.update(i / fps, state)
        if change:
            changes.append(change)
    return changes


def test_arrival_is_confirmed_quickly_and_a_short_gap_is_bridged():
    tracker = PresenceTracker(bridge_s=0.5)
    full, nobody = Presence.FULL_BODY, Presence.NOBODY
    changes = feed(tracker, [nobody] * 5 + [full] * 10 + [nobody] * 3 + [full] * 10)
    assert [c.presence for c in changes] == [full]
    assert changes[0].t == pytest.approx(0.5)
    assert tracker.intervals == [[pytest.approx(0.5), pytest.approx(2.7)]]


def test_leaving_is_reported_after_the_bridge():
    tracker = PresenceTracker(bridge_s=0.5)
    full, nobody = Presence.FULL_BODY, Presence.NOBODY
    changes = feed(tracker, [full] * 10 + [nobody] * 10)
    assert [c.presence for c in changes] == [full, nobody]
    assert changes[1].t == pytest.approx(1.0)  # dated when the person was first missing
    assert tracker.state is nobody


def test_separate_visits_are_separate_intervals():
    tracker = PresenceTracker(bridge_s=0.5)
    full, nobody = Presence.FULL_BODY, Presence.NOBODY
    feed(tracker, [full] * 10 + [nobody] * 20 + [full] * 10)
    assert len(tracker.intervals) == 2
