"""Scores an analysis against hand labels (the format of ../shared/footage/labels.json).

Targets (docs/ANALYSIS.md): every clip with a full turn has one complete turn whose start and
end are within ±0.5 s of the labels, whose rotation is within ±45° and whose direction is
right; a clip without a full turn has no complete turn at all.

Gestures (``gestures`` and ``lookalikes`` in the labels, the footage manifest's format): every
labelled gesture must fire, as that gesture, within ±0.5 s of its ``t_s``; any other gesture
that fires is a false gesture (on a look-alike or anywhere else).

The yaw track is scored where the labels give the truth: facing the camera (yaw 0) in the
second before the turn starts and after it ends (a quarter second away from either, so the
label's own tolerance does not count), and showing the back (yaw 180) during
``back_interval_s``; where the labels carry the exact yaw of every frame (``yaw_truth``, the
rendered clips), on every analysed frame too. Its error is reported, not part of passing.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, replace

START_END_TOLERANCE_S = 0.5
ROTATION_TOLERANCE_DEG = 45.0
GESTURE_TOLERANCE_S = 0.5
_DIRECTIONS = {"clockwise": "cw", "counterclockwise": "ccw", "counter-clockwise": "ccw", "anticlockwise": "ccw",
               "anti-clockwise": "ccw", "cw": "cw", "ccw": "ccw"}


@dataclass(frozen=True)
class ClipScore:
    """How one analysed clip compares with its labels."""

    file: str
    variant: str
    expected_turn: bool
    complete_turns: int
    start_err_s: float | None
    end_err_s: float | None
    rotation_err_deg: float | None
    direction: str | None  # found direction of the matched turn
    direction_ok: bool | None
    false_turns: int  # complete turns that match no labelled turn
    presence_iou: float | None
    passed: bool
    yaw_front_err_deg: float | None = None  # mean |error| of the yaw track where the labels say front
    yaw_back_err_deg: float | None = None  # and where they say back
    gestures_expected: int = 0
    gestures_found: int = 0  # labelled gestures that fired in time
    false_gestures: int = 0  # gestures that fired where none was labelled (look-alikes included)
    gesture_err_s: list[float] | None = None  # fired minus labelled time, per found gesture
    yaw_err_deg: float | None = None  # mean |error| of the yaw track against yaw_truth, every frame
    yaw_err_p90_deg: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


def expects_full_turn(labels: dict) -> bool:
    turn = labels.get("turn")
    return bool(turn) and turn.get("end_s") is not None and float(turn.get("rotation_deg", 0)) >= 300


def score(labels: dict, result: dict, variant: str = "original") -> ClipScore:
    """Compare one ``kiosk analyze`` JSON object with one labels entry."""
    clip = _score_turn(labels, result, variant)
    front, back = yaw_errors(labels, result.get("yaw") or [])
    every, p90 = yaw_truth_errors(labels.get("yaw_truth") or [], result.get("yaw") or [])
    expected, found, false, errors = gesture_score(labels.get("gestures") or [], result.get("gestures") or [])
    passed = clip.passed and found == expected and false == 0
    return replace(clip, yaw_front_err_deg=front, yaw_back_err_deg=back, gestures_expected=expected,
                   gestures_found=found, false_gestures=false, gesture_err_s=errors or None, passed=passed,
                   yaw_err_deg=every, yaw_err_p90_deg=p90)


def yaw_truth_errors(truth: list, yaw: list) -> tuple[float | None, float | None]:
    """Mean and 90th percentile |error| of ``[t, yaw_deg, ...]`` rows against per-frame ``[t, yaw]`` truth."""
    if len(truth) < 2 or not yaw:
        return None, None
    times = [float(t) for t, _ in truth]
    values = [float(y) for _, y in truth]
    errors = []
    for row in yaw:
        t = float(row[0])
        if times[0] <= t <= times[-1]:
            i = max(bisect.bisect_right(times, t) - 1, 0)
            j = min(i + 1, len(times) - 1)
            w = 0.0 if j == i else (t - times[i]) / (times[j] - times[i])
            errors.append(abs(_wrap(float(row[1]) - (values[i] + w * (values[j] - values[i])))))
    if not errors:
        return None, None
    errors.sort()
    return round(sum(errors) / len(errors), 1), round(errors[int(0.9 * (len(errors) - 1))], 1)


def gesture_score(labelled: list[dict], fired: list[dict]) -> tuple[int, int, int, list[float]]:
    """(expected, found in time, false, timing errors): each fired gesture matches one label at most."""
    unused = list(fired)
    found, errors = 0, []
    for want in sorted(labelled, key=lambda g: g["t_s"]):
        match = [g for g in unused if g["gesture"] == want["kind"] and abs(g["t"] - want["t_s"]) <= GESTURE_TOLERANCE_S]
        if match:
            best = min(match, key=lambda g: abs(g["t"] - want["t_s"]))
            unused.remove(best)
            found += 1
            errors.append(round(best["t"] - want["t_s"], 3))
    return len(labelled), found, len(unused), errors


def yaw_errors(labels: dict, yaw: list) -> tuple[float | None, float | None]:
    """Mean absolute error of ``[t, yaw_deg, ...]`` rows where the labels say front, and back."""
    turn = labels.get("turn")
    if not turn or turn.get("end_s") is None or turn.get("start_s") is None or not yaw:
        return None, None
    start, end = sorted((turn["start_s"], turn["end_s"]))
    interval = turn.get("back_interval_s") or ([turn["back_s"], turn["back_s"]] if turn.get("back_s") else None)
    # After the turn the body faces front again only if it stopped there: a 540° spin ends
    # showing its back, however right the track is.
    ends_front = abs(_wrap(float(labels.get("total_rotation_deg") or 360.0))) <= 45.0
    front, back = [], []
    for row in yaw:
        t, y = float(row[0]), float(row[1])
        if start - 1.25 <= t <= start - 0.25 or (ends_front and end + 0.25 <= t <= end + 1.25):
            front.append(abs(_wrap(y)))
        elif interval and interval[0] - 0.05 <= t <= interval[1] + 0.05:
            back.append(abs(_wrap(y - 180.0)))

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None

    return mean(front), mean(back)


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


def _score_turn(labels: dict, result: dict, variant: str) -> ClipScore:
    complete = [t for t in result["turns"] if t["complete"]]
    expected = expects_full_turn(labels)
    iou = _interval_iou(labels.get("person_intervals", []), result["person_intervals"], labels["duration_s"])
    if not expected:
        return ClipScore(labels["file"], variant, False, len(complete), None, None, None, None, None,
                         len(complete), iou, not complete)
    want = labels["turn"]
    if not complete:
        return ClipScore(labels["file"], variant, True, 0, None, None, None, None, False, 0, iou, False)
    best = min(complete, key=lambda t: abs(t["start_s"] - want["start_s"]) + abs(t["end_s"] - want["end_s"]))
    start_err = best["start_s"] - want["start_s"]
    end_err = best["end_s"] - want["end_s"]
    rot_err = best["rotation_deg"] - min(float(want["rotation_deg"]), 360.0)  # a 540° spin holds one full turn
    direction_ok = best["direction"] == _DIRECTIONS.get(want["direction_from_above"])
    false_turns = len(complete) - 1
    passed = (
        abs(start_err) <= START_END_TOLERANCE_S
        and abs(end_err) <= START_END_TOLERANCE_S
        and abs(rot_err) <= ROTATION_TOLERANCE_DEG
        and direction_ok
        and false_turns == 0
    )
    return ClipScore(labels["file"], variant, True, len(complete), round(start_err, 3), round(end_err, 3),
                     round(rot_err, 1), best["direction"], direction_ok, false_turns, iou, passed)


def totals(scores: list[ClipScore]) -> dict:
    """Summary figures over many clips."""
    turning = [s for s in scores if s.expected_turn and s.start_err_s is not None]

    def mean_abs(values: list[float]) -> float | None:
        return round(sum(abs(v) for v in values) / len(values), 3) if values else None

    def max_abs(values: list[float]) -> float | None:
        return round(max(abs(v) for v in values), 3) if values else None

    starts = [s.start_err_s for s in turning]
    ends = [s.end_err_s for s in turning]
    rots = [s.rotation_err_deg for s in turning]
    return {
        "clips": len(scores),
        "passed": sum(s.passed for s in scores),
        "turns_expected": sum(s.expected_turn for s in scores),
        "turns_found": len(turning),
        "start_err_mean_abs_s": mean_abs(starts),
        "start_err_max_abs_s": max_abs(starts),
        "end_err_mean_abs_s": mean_abs(ends),
        "end_err_max_abs_s": max_abs(ends),
        "rotation_err_mean_abs_deg": mean_abs(rots),
        "rotation_err_max_abs_deg": max_abs(rots),
        "direction_wrong": sum(1 for s in turning if not s.direction_ok),
        "false_turns": sum(s.false_turns for s in scores),
        "gestures_expected": sum(s.gestures_expected for s in scores),
        "gestures_found": sum(s.gestures_found for s in scores),
        "false_gestures": sum(s.false_gestures for s in scores),
        "yaw_front_err_mean_deg": _mean([s.yaw_front_err_deg for s in scores if s.yaw_front_err_deg is not None]),
        "yaw_back_err_mean_deg": _mean([s.yaw_back_err_deg for s in scores if s.yaw_back_err_deg is not None]),
        "yaw_err_mean_deg": _mean([s.yaw_err_deg for s in scores if s.yaw_err_deg is not None]),
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _interval_iou(truth: list, found: list, duration: float) -> float | None:
    """Overlap of two sets of [start, end] intervals over their union (None if both empty)."""
    step = 0.01
    n = max(int(duration / step) + 1, 1)

    def mask(intervals: list) -> list[bool]:
        m = [False] * n
        for a, b in intervals:
            for i in range(max(int(a / step), 0), min(int(b / step), n)):
                m[i] = True
        return m

    a, b = mask(truth), mask(found)
    union = sum(x or y for x, y in zip(a, b))
    if union == 0:
        return None
    return round(sum(x and y for x, y in zip(a, b)) / union, 3)
