"""Scoring against labels, and how clip variations change the labels (pure, no video)."""

from __future__ import annotations

import pytest

from kiosk.analysis.scoring import expects_full_turn, score, totals
from kiosk.analysis.variants import VARIANTS, paused, paused_labels, there_and_back

LABELS = {
    "file": "clip.mp4",
    "duration_s": 10.0,
    "person_intervals": [[0.0, 10.0]],
    "turn": {"rotation_deg": 360, "direction_from_above": "clockwise", "start_s": 3.0, "back_s": 5.0,
             "back_interval_s": [5.0, 5.4], "end_s": 7.0},
}


def result(*turns, intervals=((0.0, 10.0),)):
    return {"person_intervals": [list(i) for i in intervals], "turns": [
        {"start_s": s, "back_s": None, "end_s": e, "rotation_deg": r, "direction": d, "complete": c}
        for s, e, r, d, c in turns
    ]}


def test_a_turn_within_the_targets_passes():
    clip = score(LABELS, result((3.3, 6.6, 350.0, "cw", True)))
    assert clip.passed and clip.start_err_s == pytest.approx(0.3) and clip.end_err_s == pytest.approx(-0.4)
    assert clip.rotation_err_deg == pytest.approx(-10) and clip.presence_iou == 1.0


@pytest.mark.parametrize(
    "turn",
    [
        (3.6, 7.0, 360.0, "cw", True),  # starts 0.6 s late
        (3.0, 7.6, 360.0, "cw", True),  # ends 0.6 s late
        (3.0, 7.0, 300.0, "cw", True),  # 60° short
        (3.0, 7.0, 360.0, "ccw", True),  # wrong way round
    ],
)
def test_each_target_can_fail(turn):
    assert not score(LABELS, result(turn)).passed


def test_missing_or_partial_turn_fails_and_extra_turns_are_false_turns():
    assert not score(LABELS, result()).passed
    assert not score(LABELS, result((3.0, 5.0, 180.0, "cw", False))).passed
    extra = score(LABELS, result((3.0, 7.0, 360.0, "cw", True), (8.0, 9.5, 350.0, "cw", True)))
    assert extra.false_turns == 1 and not extra.passed


def test_clip_without_a_turn_passes_with_partial_turns_only():
    still = dict(LABELS, turn=None)
    assert not expects_full_turn(still)
    assert score(still, result((3.0, 5.0, 150.0, "cw", False))).passed
    assert not score(still, result((3.0, 7.0, 360.0, "cw", True))).passed


def test_totals():
    scores = [score(LABELS, result((3.1, 7.2, 350.0, "cw", True))), score(dict(LABELS, turn=None), result())]
    t = totals(scores)
    assert t["clips"] == 2 and t["passed"] == 2 and t["turns_found"] == t["turns_expected"] == 1
    assert t["start_err_max_abs_s"] == pytest.approx(0.1) and t["false_turns"] == 0


def test_mirrored_labels_flip_the_direction_only():
    mirrored = VARIANTS["mirrored"].labels(LABELS)
    assert mirrored["turn"]["direction_from_above"] == "counterclockwise"
    assert mirrored["turn"]["start_s"] == 3.0 and mirrored["turn"]["end_s"] == 7.0


def test_reversed_labels_swap_start_and_end_and_flip_the_direction():
    rev = VARIANTS["reversed"].labels(LABELS)["turn"]
    assert rev["direction_from_above"] == "counterclockwise"
    assert rev["start_s"] == pytest.approx(3.0) and rev["end_s"] == pytest.approx(7.0)  # 10 − 7, 10 − 3
    assert rev["back_s"] == pytest.approx(4.6)  # the back view's last moment, reversed


def test_speed_variants_scale_the_times():
    slow = VARIANTS["slow0.5x"].labels(LABELS)
    fast = VARIANTS["fast2x"].labels(LABELS)
    assert slow["duration_s"] == 20.0 and slow["turn"]["start_s"] == 6.0 and slow["turn"]["end_s"] == 14.0
    assert fast["duration_s"] == 5.0 and fast["turn"]["back_s"] == 2.5
    assert fast["person_intervals"] == [[0.0, 5.0]]


def test_variant_frames_are_changed_as_named():
    import numpy as np

    frame = np.zeros((40, 30, 3), np.uint8)
    frame[:, :10] = 255  # bright on the left
    [(t, mirrored)] = list(VARIANTS["mirrored"].frames([(1.0, frame)], 2.0))
    assert t == 1.0 and mirrored[:, -10:].min() == 255 and mirrored[:, :10].max() == 0
    [(_, boxed)] = list(VARIANTS["letterbox"].frames([(0.0, frame)], 1.0))
    assert boxed.shape == (720, 1280, 3) and boxed[:, :300].max() == 0  # black side bars
    frames = [(0.0, frame), (0.5, frame), (1.0, frame)]
    assert [t for t, _ in VARIANTS["reversed"].frames(frames, 1.5)] == [0.0, 0.5, 1.0]
    assert [t for t, _ in VARIANTS["fast2x"].frames(frames, 1.5)] == [0.0, 0.25, 0.5]


def test_reversed_labels_move_the_back_interval_too():
    rev = VARIANTS["reversed"].labels(LABELS)["turn"]
    assert rev["back_interval_s"] == [pytest.approx(4.6), pytest.approx(5.0)]
    slow = VARIANTS["slow0.5x"].labels(LABELS)["turn"]
    assert slow["back_interval_s"] == [10.0, 10.8]


def test_yaw_track_error_where_the_labels_say_front_and_back():
    rows = [[t / 10, 0.0, 0.0, 1.0] for t in range(0, 30)]  # facing front before the turn
    rows += [[5.0, 170.0, 170.0, 0.9], [5.2, -165.0, 195.0, 0.9]]  # back: 10° and 15° off
    rows += [[7.5, 20.0, 380.0, 1.0], [8.0, -10.0, 350.0, 1.0]]  # front again: 20° and 10° off
    clip = score(LABELS, dict(result((3.0, 7.0, 360.0, "cw", True)), yaw=rows))
    assert clip.yaw_back_err_deg == pytest.approx(12.5)
    assert clip.yaw_front_err_deg == pytest.approx(30 / 12, abs=0.1)  # 10 rows at 0° (1.8–2.7 s), 20° and 10°
    assert clip.passed  # the yaw error is reported, not a target
    # A 540° spin ends showing the back: after it the labels do not say front.
    spin = dict(LABELS, total_rotation_deg=540)
    clip = score(spin, dict(result((3.0, 7.0, 360.0, "cw", True)), yaw=rows + [[7.8, 175.0, 535.0, 1.0]]))
    assert clip.yaw_front_err_deg == pytest.approx(0.0)  # only the 10 rows before the turn


GESTURE_LABELS = dict(LABELS, turn=None, gestures=[
    {"kind": "raise_hand", "start_s": 2.0, "raised_s": 2.5, "t_s": 3.5, "end_s": 4.5},
    {"kind": "swipe_left", "start_s": 6.0, "t_s": 6.4, "end_s": 6.4},
], lookalikes=[{"kind": "wave", "start_s": 8.0, "end_s": 9.0}])


def test_every_labelled_gesture_must_fire_in_time_and_nothing_else():
    good = dict(result(), gestures=[{"t": 3.7, "gesture": "raise_hand"}, {"t": 6.5, "gesture": "swipe_left"}])
    clip = score(GESTURE_LABELS, good)
    assert clip.passed and clip.gestures_found == 2 and clip.false_gestures == 0
    assert clip.gesture_err_s == [pytest.approx(0.2), pytest.approx(0.1)]
    late = dict(result(), gestures=[{"t": 4.1, "gesture": "raise_hand"}, {"t": 6.5, "gesture": "swipe_left"}])
    assert not score(GESTURE_LABELS, late).passed
    wrong_way = dict(result(), gestures=[{"t": 3.5, "gesture": "raise_hand"}, {"t": 6.4, "gesture": "swipe_right"}])
    assert score(GESTURE_LABELS, wrong_way).false_gestures == 1
    on_a_wave = dict(good, gestures=good["gestures"] + [{"t": 8.5, "gesture": "swipe_right"}])
    clip = score(GESTURE_LABELS, on_a_wave)
    assert not clip.passed and clip.false_gestures == 1
    assert totals([clip])["false_gestures"] == 1 and totals([clip])["gestures_expected"] == 2


def test_gesture_labels_follow_the_variants():
    mirrored = VARIANTS["mirrored"].labels(GESTURE_LABELS)["gestures"]
    assert [g["kind"] for g in mirrored] == ["raise_hand", "swipe_right"]
    rev = VARIANTS["reversed"].labels(GESTURE_LABELS)
    raise_hand, swipe = sorted(rev["gestures"], key=lambda g: g["kind"])
    # Backwards, the hand is up from 10 − 4.5 = 5.5 s and the 1 s hold completes at 6.5 s.
    assert raise_hand["raised_s"] == pytest.approx(5.5) and raise_hand["t_s"] == pytest.approx(6.5)
    assert swipe["kind"] == "swipe_right" and swipe["t_s"] == pytest.approx(4.0)
    assert rev["lookalikes"][0]["start_s"] == pytest.approx(1.0) and rev["lookalikes"][0]["end_s"] == pytest.approx(2.0)
    slow = VARIANTS["slow0.5x"].labels(GESTURE_LABELS)["gestures"]
    assert slow[0]["t_s"] == pytest.approx(6.0)  # raised at 5 s, held 1 s of real time
    fast = VARIANTS["fast2x"].labels(GESTURE_LABELS)
    # At double speed the 2 s the hand is up become 1 s: the hold still completes.
    assert [g["kind"] for g in fast["gestures"]] == ["raise_hand", "swipe_left"]
    brief = dict(GESTURE_LABELS, gestures=[dict(GESTURE_LABELS["gestures"][0], end_s=3.8)])
    fast = VARIANTS["fast2x"].labels(brief)
    assert fast["gestures"] == [] and fast["lookalikes"][-1]["kind"] == "short_raise_hand"


def test_a_540_spin_holds_one_full_turn():
    spin = dict(LABELS, turn=dict(LABELS["turn"], rotation_deg=540))
    assert score(spin, result((3.0, 7.0, 360.0, "cw", True), (7.0, 8.5, 180.0, "cw", False))).passed


def test_new_variants_change_the_frames():
    import numpy as np

    frame = np.zeros((60, 40, 3), np.uint8)
    frame[20:40, 10:30] = 200
    [(_, tilted)] = list(VARIANTS["tilt"].frames([(0.0, frame)], 1.0))
    assert tilted.shape == frame.shape and not np.array_equal(tilted, frame)
    still = [(i / 30, frame) for i in range(4)]
    blurred = [p for _, p in VARIANTS["blur"].frames(still, 0.2)]
    assert blurred[0][30, 9].max() > 0  # smeared sideways past the square's edge (column 10)
    assert VARIANTS["5fps"].max_fps == 5.0
    [(_, cropped)] = list(VARIANTS["cropped"].frames([(0.0, frame)], 1.0))
    assert cropped.shape == (45, 40, 3) and np.array_equal(cropped, frame[:45])  # from the knees up
    # 5fps-late: the same rate from 0.1 s in, so every analysed frame falls half an interval later.
    clip = [(2.0 + i / 30, frame) for i in range(6)]
    assert VARIANTS["5fps-late"].max_fps == 5.0
    assert [round(t, 3) for t, _ in VARIANTS["5fps-late"].frames(clip, 0.2)] == [2.1, 2.133, 2.167]


@pytest.mark.parametrize("written", ["counterclockwise", "counter-clockwise", "anticlockwise", "anti-clockwise", "ccw"])
def test_every_spelling_of_counter_clockwise_is_understood(written):
    labels = dict(LABELS, turn=dict(LABELS["turn"], direction_from_above=written))
    assert score(labels, result((3.0, 7.0, 360.0, "ccw", True))).direction_ok
    assert VARIANTS["mirrored"].labels(labels)["turn"]["direction_from_above"] in ("clockwise", "cw")


def test_yaw_track_error_against_the_exact_yaw_of_every_frame():
    truth = [[i / 10, 36.0 * i] for i in range(11)]  # 0 → 360° in a second
    rows = [[0.05, 18.0 + 5.0, 0, 1], [0.55, 198.0 - 360.0 + 10.0, 0, 1], [0.95, 342.0 - 360.0, 0, 1], [2.0, 0.0, 0, 1]]
    clip = score(dict(LABELS, yaw_truth=truth), dict(result(), yaw=rows))
    assert clip.yaw_err_deg == pytest.approx(5.0, abs=0.1)  # 5°, 10° and 0°; the row past the truth is left out
    assert clip.yaw_err_p90_deg == pytest.approx(5.0, abs=0.1)
    mirrored = VARIANTS["mirrored"].labels(dict(LABELS, yaw_truth=truth))["yaw_truth"]
    assert mirrored[3] == [0.3, pytest.approx(-108.0)]
    rev = VARIANTS["reversed"].labels(dict(LABELS, yaw_truth=truth))["yaw_truth"]
    assert rev[0] == [pytest.approx(9.0), 360.0] and rev[-1] == [10.0, 0.0]  # the last frame comes first
    assert VARIANTS["slow0.5x"].labels(dict(LABELS, yaw_truth=truth))["yaw_truth"][1] == [0.2, 36.0]


def test_there_and_back_goes_out_holds_and_comes_back_the_way_it_went():
    from tests.unit._poses import make_pose

    poses = [(i / 10, make_pose(i / 10, 30.0 * i)) for i in range(10)]  # 0..270° at 10 frames a second
    out = there_and_back(poses, at=0.6, hold_s=0.3)
    times = [t for t, _ in out]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert len(out) == 7 + 3 + 6  # out to 0.6 s (180°), held 0.3 s, and back
    assert [p.t for _, p in out] == times  # each pose carries its new time
    yaws = [round(float(p.world[11][2] - p.world[12][2]), 6) for _, p in out]  # the shoulders' depth
    assert yaws[7:10] == [yaws[6]] * 3 and yaws[10:] == yaws[5::-1]


def test_a_pause_holds_the_first_pose_from_its_point_and_moves_the_rest_later():
    from tests.unit._poses import make_pose

    poses = [(i / 5, make_pose(i / 5, 7.2 * i)) for i in range(50)]  # a slow turn, 5 frames a second
    out, held_at, shift = paused(poses, at=3.9, hold_s=1.0)
    times = [t for t, _ in out]
    assert held_at == pytest.approx(4.0) and shift == pytest.approx(1.0)
    assert times == sorted(times) and len(set(times)) == len(times)
    assert len(out) == 50 + 5  # the pose at 4.0 s (the first from 3.9 s on) held five frames more
    assert [p.t for _, p in out] == times

    def depth(seq):  # the shoulders' depth: which way each pose faces
        return [round(float(p.world[11][2] - p.world[12][2]), 6) for _, p in seq]

    assert depth(out[20:26]) == [depth(poses)[20]] * 6 and depth(out[26:]) == depth(poses[21:])
    labels = paused_labels(dict(LABELS), held_at, shift)
    assert labels["turn"]["start_s"] == 3.0  # before the pause: where it was
    assert (labels["turn"]["back_s"], labels["turn"]["end_s"]) == (pytest.approx(6.0), pytest.approx(8.0))
    assert labels["duration_s"] == pytest.approx(11.0)
