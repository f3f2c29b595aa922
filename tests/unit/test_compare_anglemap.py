"""Body angle → frame time on canned yaw tracks: directions, partial turns, pauses, wrap-around, noise."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.compare.anglemap import COVER_TOL_DEG, AngleMap, Unaligned, build_angle_map
from kiosk.compare.panes import stored_analysis
from kiosk.compare.track import TurnSummary, YawTrack, angle_gap

from ._tracks import track, truth

CW_FULL = track((1.0, 0.0), (4.0, 360.0), (1.0, 360.0))  # 90°/s from t=1 to t=5
CCW_FULL = track((1.0, 0.0), (4.0, -360.0), (1.0, -360.0))
CW_PARTIAL = track((1.0, 0.0), (2.5, 200.0), (1.0, 200.0))  # 80°/s, stops at 200°
MID_TURN = track((3.0, 360.0), (1.0, 360.0), start=120.0)  # starts at 120° already turning
WRAP = track((3.0, 510.0), (0.5, 510.0), start=150.0)  # starts with the back turned, crosses ±180 at once
PAUSE = track((1.0, 0.0), (2.0, 180.0), (1.5, 180.0), (2.0, 360.0), (1.0, 360.0))  # 1.5 s with the back to the camera
BACK_AND_FORTH = track((1.0, 0.0), (1.5, 120.0), (0.5, 80.0), (3.0, 360.0), (1.0, 360.0))
LATE_START = track((2.0, 0.0), (4.0, 360.0), (1.0, 360.0), t0=3.0)  # delayed; samples begin at t=3
SLOW = track((1.0, 0.0), (8.0, 360.0), (1.0, 360.0), fps=15.0)
ONE_AND_A_HALF = track((1.0, 0.0), (6.0, 540.0), (1.0, 540.0))

# (name, entries, [(angle, expected time or None, expected covered, time tolerance)])
CASES = [
    ("clockwise", CW_FULL, [(90, 2.0, True, 0.1), (180, 3.0, True, 0.1), (-90, 4.0, True, 0.1), (45, 1.5, True, 0.1)]),
    ("counter-clockwise", CCW_FULL, [(90, 4.0, True, 0.1), (-90, 2.0, True, 0.1), (180, 3.0, True, 0.1)]),
    ("partial", CW_PARTIAL, [(100, 2.25, True, 0.1), (-160, None, True, 0), (-60, None, False, 0), (-130, None, False, 0)]),
    ("mid-turn start", MID_TURN, [(180, 0.75, True, 0.1), (-90, 1.875, True, 0.1), (100, None, False, 0)]),
    ("wrap-around", WRAP, [(179, 29 / 120, True, 0.1), (-179, 31 / 120, True, 0.1), (-90, 1.0, True, 0.1), (90, 2.5, True, 0.1)]),
    ("pause", PAUSE, [(170, 1 + 170 / 90, True, 0.1), (-170, 4.5 + 10 / 90, True, 0.1)]),
    ("back and forth", BACK_AND_FORTH, [(-160, 3 + 120 / (280 / 3), True, 0.1), (-60, 3 + 220 / (280 / 3), True, 0.1)]),
    ("delayed", LATE_START, [(90, 5.0 + 1.0, True, 0.1), (180, 5.0 + 2.0, True, 0.1)]),
    ("slow", SLOW, [(90, 3.0, True, 0.1), (-90, 7.0, True, 0.1)]),
    ("turn and a half", ONE_AND_A_HALF, [(90, 2.0, True, 0.1), (-90, 4.0, True, 0.1)]),
]


def _map(entries, turn=None) -> AngleMap:
    result = build_angle_map(YawTrack.from_entries(entries), turn)
    assert isinstance(result, AngleMap), result
    return result


@pytest.mark.parametrize("name,entries,queries", CASES, ids=[c[0] for c in CASES])
def test_angle_to_frame(name, entries, queries):
    m = _map(entries)
    rotation_at = truth(entries)
    for angle, expected_t, covered, tol in queries:
        pick = m.at(angle)
        assert pick.covered is covered, (angle, pick)
        if expected_t is not None:
            assert pick.t == pytest.approx(expected_t, abs=tol), (angle, pick)
        if covered:
            # what the look really shows there is the asked-for side of the body
            assert angle_gap(rotation_at(pick.t), angle) <= COVER_TOL_DEG, (angle, pick)


@pytest.mark.parametrize("name,entries,queries", CASES, ids=[c[0] for c in CASES])
def test_every_covered_angle_shows_that_angle(name, entries, queries):
    m = _map(entries)
    rotation_at = truth(entries)
    for angle in range(-180, 180, 3):
        pick = m.at(angle)
        if pick.covered:
            assert angle_gap(rotation_at(pick.t), angle) <= COVER_TOL_DEG, (angle, pick)


def test_coverage_and_partial_flag():
    assert _map(CW_FULL).coverage_deg == 360 and not _map(CW_FULL).partial
    partial = _map(CW_PARTIAL)
    assert partial.partial and 200 <= partial.coverage_deg <= 230
    assert 240 <= _map(MID_TURN).coverage_deg <= 270


def test_uncovered_angle_shows_the_nearest_end_of_a_partial_turn():
    m = _map(CW_PARTIAL)  # 0° .. 200°
    assert m.at(-60).t <= 1.05  # 60° from the start, 100° from the end: the start
    assert m.at(-130).t >= 3.4  # 30° past the end: the end (200° is reached at 3.5 s)
    assert angle_gap(m.at(-130).yaw_deg, 200) <= 5


@pytest.mark.parametrize("entries", [CW_FULL, CCW_FULL, SLOW, LATE_START, PAUSE, BACK_AND_FORTH], ids=str)
def test_sweeping_the_angle_plays_the_turn_in_order(entries):
    """Turning the shared angle the look's way never makes it jump back in time (pauses, sway included)."""
    m = _map(entries)
    offsets = np.arange(1, 359)
    times = np.array([m.at(m.origin_deg + m.sign * d).t for d in offsets])
    assert np.all(np.diff(times) >= -1e-9), times


def test_a_pause_is_shown_once_in_the_middle_of_the_sweep():
    m = _map(PAUSE)
    before, during, after = m.at(175).t, m.at(180).t, m.at(-175).t
    assert before < during < after
    assert 2.9 <= during <= 4.6


def test_clockwise_and_counter_clockwise_looks_line_up_by_the_side_they_show():
    cw, ccw = _map(CW_FULL), _map(CCW_FULL)
    cw_rot, ccw_rot = truth(CW_FULL), truth(CCW_FULL)
    for angle in range(-180, 180, 10):
        a, b = cw.at(angle), ccw.at(angle)
        assert angle_gap(cw_rot(a.t), ccw_rot(b.t)) <= 2 * COVER_TOL_DEG
    # the left side (yaw -90 turning clockwise is at 4 s, turning counter-clockwise at 2 s)
    assert cw.at(-90).t == pytest.approx(4.0, abs=0.1) and ccw.at(-90).t == pytest.approx(2.0, abs=0.1)


def test_noise_is_tolerated():
    noisy = track((1.0, 0.0), (4.0, 360.0), (1.0, 360.0), noise=6.0, seed=3)
    m = _map(noisy)
    clean = truth(CW_FULL)
    errors = [angle_gap(clean(m.at(a).t), a) for a in range(-180, 180, 5)]
    assert np.mean(errors) <= 8 and np.max(errors) <= 25
    assert m.coverage_deg >= 350


def test_low_confidence_samples_count_less():
    entries = [list(e) for e in CW_FULL]
    outliers = set()
    for i in range(3, len(entries), 4):  # every fourth sample is wrong by 150°, and says it is unsure
        t, yaw, rot, _ = entries[i]
        entries[i] = [t, float((yaw + 150 + 180) % 360 - 180), rot + 150, 0.1]
        outliers.add(round(t, 4))
    m = _map(entries)
    clean = truth(CW_FULL)
    picks = [m.at(a) for a in range(-180, 180, 2)]
    errors = [angle_gap(clean(p.t), a) for p, a in zip(picks, range(-180, 180, 2))]
    assert np.mean(errors) <= 4 and max(errors) <= COVER_TOL_DEG + 1
    assert sum(round(p.t, 4) in outliers for p in picks) <= len(picks) // 8  # no more than by chance


def test_confident_outliers_would_have_been_trusted():
    """The counterpart of the test above: the same outliers at full confidence do pull the answer."""
    entries = [list(e) for e in CW_FULL]
    for i in range(3, len(entries), 4):
        t, yaw, rot, _ = entries[i]
        entries[i] = [t, float((yaw + 150 + 180) % 360 - 180), rot + 150, 1.0]
    track_ = YawTrack.from_entries(entries)
    m = build_angle_map(track_)
    clean = truth(CW_FULL)
    if isinstance(m, AngleMap):
        errors = [angle_gap(clean(m.at(a).t), a) for a in range(-180, 180, 2)]
        assert max(errors) > COVER_TOL_DEG


def test_old_three_element_tracks_read_as_fully_confident():
    old = track((1.0, 0.0), (4.0, 360.0), (1.0, 360.0), confidence=None)
    assert len(old[0]) == 3
    a, b = _map(old), _map(CW_FULL)
    assert np.array_equal(a.times, b.times)


def test_a_stored_turn_contradicting_the_track_does_not_win():
    turn = TurnSummary(start_s=1.0, end_s=5.0, rotation_deg=360.0, direction="ccw")
    m = _map(CW_FULL, turn)
    assert m.sign == 1 and m.at(90).t == pytest.approx(2.0, abs=0.1)


def test_a_stored_turn_sets_the_direction_when_the_track_turns_both_ways():
    both = track((1.0, 0.0), (3.0, 300.0), (3.0, -60.0), (1.0, -60.0))  # 300° one way, 360° back
    assert _map(both).sign == -1  # the larger move
    turn = TurnSummary(start_s=1.0, end_s=4.0, rotation_deg=300.0, direction="cw")
    assert _map(both, turn).sign == 1


def test_rotation_rebuilt_from_yaw_when_the_producer_only_knows_wrapped_yaw():
    wrapped = [[t, yaw, yaw, c] for t, yaw, _, c in CW_FULL]  # rotation column holds the wrapped yaw
    track_ = YawTrack.from_entries(wrapped)
    assert track_.rotation.max() - track_.rotation.min() == pytest.approx(360, abs=1)
    assert _map(wrapped).at(-90).t == pytest.approx(4.0, abs=0.1)


def test_malformed_entries_are_skipped():
    entries = [["x", 1, 2], [float("nan"), 0, 0], [0.5], None, *CW_FULL, [1.0, 0.0, 0.0, 1.0, 9]]
    assert len(YawTrack.from_entries(entries)) == len(CW_FULL)


@pytest.mark.parametrize("yaw", [5, 2.5, True, "[[0, 0, 0]]", {"t": [0.0]}])
def test_a_damaged_stored_track_reads_as_none_and_never_raises(yaw):
    assert len(YawTrack.from_entries(yaw)) == 0
    assert stored_analysis({"yaw": yaw}) is None


def test_json_true_and_false_are_not_measurements():
    assert len(YawTrack.from_entries([[True, 10.0, 10.0, 1.0], [0.25, False, 0.0], [0.5, 1.0, 1.0, True]])) == 0


@pytest.mark.parametrize("rotation", ["nan", float("inf"), "-inf"])
def test_a_stored_turn_with_a_rotation_that_is_no_number_stays_valid_json(rotation):
    turn = TurnSummary.from_stored({"start_s": 0.5, "end_s": 2.5, "rotation_deg": rotation, "direction": "cw"})
    assert turn is not None and turn.rotation_deg == 0.0
    json.dumps(turn.to_json(), allow_nan=False)  # what the API's replies and kiosk compare --json need


UNUSABLE = [
    ("no track", [], "too few"),
    ("three samples", CW_FULL[:3], "too few"),
    ("standing still", track((2.0, 10.0), (2.0, -10.0), (2.0, 5.0)), "turns only"),
    ("unsure throughout", track((1.0, 0.0), (4.0, 360.0), confidence=0.1), "too little confidence"),
    ("nothing confident", track((1.0, 0.0), (4.0, 360.0), confidence=0.01), "too few"),
]


@pytest.mark.parametrize("name,entries,reason", UNUSABLE, ids=[u[0] for u in UNUSABLE])
def test_unusable_tracks_give_a_reason(name, entries, reason):
    result = build_angle_map(YawTrack.from_entries(entries))
    assert isinstance(result, Unaligned)
    assert reason in result.reason


def test_lookups_are_table_reads():
    m = _map(SLOW)
    assert m.times.shape == (360,)
    assert m.index(m.origin_deg) == 0
    assert m.index(m.origin_deg + 360.0) == 0
    times, _, covered = m.at_many(np.array([90.0, -90.0]))
    assert times[0] == m.at(90).t and times[1] == m.at(-90).t and covered.all()


@settings(max_examples=60, deadline=None)
@given(
    start=st.floats(-180, 180),
    amount=st.floats(120, 420),
    direction=st.sampled_from([1, -1]),
    first=st.floats(0.6, 6.0),
    pause=st.floats(0.0, 2.0),
    second=st.floats(0.6, 6.0),
    fps=st.sampled_from([10.0, 15.0, 30.0]),
)
def test_any_turn_covered_angles_show_their_side(start, amount, direction, first, pause, second, fps):
    """Turns of any start, extent, speed (up to 350°/s, faster than people turn) and pause."""
    half = start + direction * amount / 2
    end = start + direction * amount
    entries = track((0.5, start), (first, half), (pause, half), (second, end), (0.5, end), start=start, fps=fps)
    m = build_angle_map(YawTrack.from_entries(entries))
    assert isinstance(m, AngleMap)
    assert m.sign == direction
    rotation_at = truth(entries)
    sample_yaws = np.array([e[1] for e in entries])
    for angle in range(-180, 180, 7):
        pick = m.at(angle)
        if pick.covered:
            assert angle_gap(rotation_at(pick.t), angle) <= COVER_TOL_DEG + 0.5
        else:
            assert np.min(angle_gap(sample_yaws, angle)) > COVER_TOL_DEG - 0.5
    expected = min(amount, 360.0)
    assert m.coverage_deg >= expected - 2 * COVER_TOL_DEG


def test_detector_samples_are_read_through_one_adapter_with_or_without_confidence():
    from dataclasses import dataclass

    from kiosk.analysis.yaw import YawSample

    @dataclass
    class Older:  # a producer without a confidence
        t: float
        yaw_deg: float
        rotation_deg: float

    old = YawTrack.from_samples([Older(0.1 * i, float(i), float(i)) for i in range(5)])
    new = YawTrack.from_samples([YawSample(0.1 * i, float(i), float(i), 0.5) for i in range(5)])
    assert list(old.confidence) == [1.0] * 5 and list(new.confidence) == [0.5] * 5
    assert list(old.yaw) == list(new.yaw) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert new.to_entries()[2] == [0.2, 2.0, 2.0, 0.5]
