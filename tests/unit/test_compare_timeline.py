"""The shared timeline: one turn of a shared angle, each pane's source time, and the angle gap."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.compare.anglemap import AngleMap, build_angle_map
from kiosk.compare.timeline import MAX_SECONDS, MIN_SECONDS, PaneTiming, default_seconds, plan
from kiosk.compare.track import YawTrack, angle_gap

from ._tracks import track


def pane(entries, start=None, end=None, with_map=True) -> PaneTiming:
    t = YawTrack.from_entries(entries)
    m = build_angle_map(t) if with_map else None
    assert m is None or isinstance(m, AngleMap)
    lo, hi = (m.span if m is not None else (0.0, float(t.t[-1]) if len(t) else 5.0))
    return PaneTiming(t, m, lo if start is None else start, (float(t.t[-1]) if len(t) else 5.0) if end is None else end, hi - lo)


NORMAL = track((1.0, 0.0), (4.0, 360.0), (1.0, 360.0))  # turn 1 → 5 s
SLOW_LATE = track((2.0, 0.0), (8.0, 360.0), (1.0, 360.0))  # half the speed, a second later
CCW = track((1.0, 0.0), (3.0, -360.0), (1.0, -360.0))
PARTIAL = track((1.0, 0.0), (2.0, 180.0), (1.0, 180.0))


def test_same_turn_at_another_speed_and_start_lines_up_by_angle_not_by_time():
    a = pane(NORMAL, start=1.0)
    b = pane(SLOW_LATE, start=2.0)
    by_angle = plan([a, b], "angle")
    by_time = plan([a, b], "time")
    assert by_angle.mean_gap <= 5 and by_angle.max_gap <= 15
    assert by_time.mean_gap >= 45
    assert by_angle.frames == by_time.frames


def test_the_sweep_is_one_full_turn_from_the_front_the_first_look_s_way():
    tl = plan([pane(CCW), pane(NORMAL)], "angle", fps=30.0, seconds=4.0)
    assert tl.frames == 120
    assert tl.angles[0] == 0.0
    steps = angle_gap(tl.angles[1:], tl.angles[:-1])
    assert np.allclose(steps, 3.0)
    assert tl.angles[1] < 0  # counter-clockwise, as the first look turned
    # the clockwise look plays backwards, the counter-clockwise one forwards, both show the same side
    mid = slice(10, 110)
    assert np.all(np.diff(tl.times[0][mid]) >= 0) and np.all(np.diff(tl.times[1][mid]) <= 0)
    assert tl.mean_gap <= 5


def test_time_alignment_plays_each_look_from_its_turn_at_its_own_speed():
    a, b = pane(NORMAL, start=1.0, end=6.0), pane(SLOW_LATE, start=2.0, end=11.0)
    tl = plan([a, b], "time", fps=10.0, seconds=7.0)
    assert np.allclose(tl.times[0][:50], 1.0 + np.arange(50) / 10.0)
    assert tl.times[0][-1] == pytest.approx(6.0)  # held on the last frame
    assert np.allclose(tl.times[1], 2.0 + np.arange(70) / 10.0)
    assert np.isnan(tl.angles).all() and tl.covered.all()
    assert tl.by_angle == (False, False)


def test_a_look_without_a_usable_track_plays_by_time_and_still_counts_in_the_gap():
    still = track((3.0, 10.0), (3.0, -10.0))  # stands, never turns
    tl = plan([pane(NORMAL), pane(still, start=0.0, with_map=False)], "angle", fps=10.0, seconds=5.0)
    assert tl.by_angle == (True, False)
    assert np.allclose(tl.times[1], np.arange(50) / 10.0)
    assert tl.max_gap > 150  # it faces the camera while the other shows its back


def test_no_gap_without_two_measurable_tracks():
    tl = plan([pane(NORMAL), PaneTiming(YawTrack.empty(), None, 0.0, 4.0, 4.0)], "angle")
    assert tl.mean_gap is None and tl.max_gap is None


def test_partial_turn_marks_the_angles_it_does_not_reach():
    tl = plan([pane(NORMAL), pane(PARTIAL)], "angle", fps=30.0, seconds=6.0)
    reached = tl.covered[1]
    assert 0.4 <= reached.mean() <= 0.65  # about 180° of 360°
    assert tl.covered[0].all()


def test_default_length_follows_the_slowest_turn_within_bounds():
    assert default_seconds([pane(NORMAL), pane(SLOW_LATE)]) == pytest.approx(pane(SLOW_LATE).turn_s)
    short = PaneTiming(YawTrack.empty(), None, 0.0, 1.0, 1.0)
    long = PaneTiming(YawTrack.empty(), None, 0.0, 100.0, 100.0)
    assert default_seconds([short]) == MIN_SECONDS and default_seconds([long]) == MAX_SECONDS


def test_unknown_alignment_is_refused():
    with pytest.raises(ValueError):
        plan([pane(NORMAL), pane(NORMAL)], "speed")
