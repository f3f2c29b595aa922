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


def test_the_zoom_closes_in_on_the_upper_body_at_the_middle_and_is_out_at_the_ends():
    import numpy as np

    frame = np.zeros((200, 100, 3), np.uint8)
    frame[90:110, 40:60] = 255  # a 20 px square at the centre
    frame[190:, :] = 128  # a grey floor along the bottom
    out = dict(VARIANTS["zoom"].frames([(0.0, frame), (1.0, frame), (2.0, frame)], 2.0))
    assert all(f.shape == frame.shape for f in out.values())
    assert np.array_equal(out[0.0], frame) and np.array_equal(out[2.0], frame)  # no zoom at either end
    middle = out[1.0]
    assert (middle > 200).all(axis=2).sum() == pytest.approx(30 * 30, rel=0.15)  # 1.5x: 20 px grows to 30
    assert middle[-10:].max() == 0  # the floor has left the picture; the top (the head) stays
    rows = np.nonzero((middle > 200).all(axis=2).any(axis=1))[0]
    assert rows[0] == pytest.approx(125, abs=2)  # it closes in on a point a tenth of the way down


def test_variations_combine_in_the_order_named():
    import numpy as np

    from kiosk.analysis.variants import variant

    frame = np.zeros((40, 30, 3), np.uint8)
    frame[:, :10] = 255
    both = variant("mirrored+fast2x")
    assert both.name == "mirrored+fast2x" and both.max_fps is None and both.rotation == 0
    out = list(both.frames([(0.0, frame), (1.0, frame)], 1.5))
    assert [t for t, _ in out] == [0.0, 0.5] and out[0][1][:, -10:].min() == 255
    # Labels change as each would change them: mirrored turns the other way, 2x halves times.
    labels = both.labels(LABELS)
    assert labels["turn"]["direction_from_above"] == VARIANTS["mirrored"].labels(LABELS)["turn"]["direction_from_above"]
    assert labels["turn"]["start_s"] == pytest.approx(LABELS["turn"]["start_s"] / 2)
    assert labels["duration_s"] == pytest.approx(LABELS["duration_s"] / 2)
    # The lowest analysis rate wins; a picture turned by one keeps its rotation.
    assert variant("sideways+5fps").max_fps == 5.0 and variant("sideways+5fps").rotation == 90
    assert variant("10fps+5fps-late").max_fps == 5.0
    assert variant("dim") is VARIANTS["dim"]
    for bad, says in (("dim+nope", "unknown variant 'nope'"), ("sideways+sideways", "twice"), ("dim+dim", "twice")):
        with pytest.raises(ValueError, match=says):
            variant(bad)


def test_a_slowed_clip_tells_the_next_variation_its_new_length(monkeypatch):
    # The passer-by, for one, crosses in the middle 40 % of the clip he is put into.
    from kiosk.analysis.variants import Variant, variant

    seen = []

    def record(frames, duration):
        seen.append(duration)
        yield from frames

    monkeypatch.setitem(VARIANTS, "probe", Variant("probe", record, dict))
    frames = [(i / 10, None) for i in range(11)]  # 1 s
    assert [t for t, _ in variant("slow0.5x+probe").frames(frames, 1.0)] == [i / 5 for i in range(11)]
    assert seen == [2.0]
    list(variant("fast2x+probe").frames(frames, 1.0))
    assert seen == [2.0, 0.5]
