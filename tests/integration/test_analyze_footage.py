"""The turn and gesture analysis on every labelled clip and on variations of it, against the targets.

Targets (issue 14): every turning clip has exactly one complete turn, start and end within
±0.5 s of the labels, rotation within ±45°, the right direction; clips without a full turn have
no complete turn; every labelled gesture fires within ±0.5 s and nothing fires on a look-alike.
The labelled sets are ../shared/footage (labels.json, labels-added.json) and our own
tests/footage: real clips (dev.json, holdout.json) and rendered people with exact labels
(synth-dev.json, synth-holdout.json); the holdouts are never used to tune anything.

Each clip and variation is its own test. CI runs, on every real clip, the clip as recorded,
mirrored, time-reversed and analysed at 5 frames a second (the live rate on a 2-core machine)
at two phases (``5fps`` and ``5fps-late``, half an interval later),
and on real turning clips also the other variations that ``kiosk eval footage --variants all``
runs, except 10fps (``KIOSK_FOOTAGE_VARIANTS=all`` runs every one). Every real clip, turning or
not, also runs each change to the picture at the live rate (``letterbox+5fps``…): a face close
to the glass, letterboxed at 5 frames a second, once made a 360° turn out of nothing. The rendered sets already
vary speed, holds, outfits and camera height: every rendered clip runs as rendered and at
5 frames a second at both phases, the turning ones also mirrored and reversed, and every one
with a passer-by behind the shopper at 15 and at 5 frames a second (the rendered clips are
where the pose model takes the passer for her). Pose results are cached per clip and variation for the whole test session, so the
model runs once per video; ``KIOSK_POSE_CACHE=DIR`` keeps them on disk between sessions too
(the same files as ``kiosk eval footage --pose-cache DIR``).
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

from kiosk.analysis.cues import CueModel
from kiosk.analysis.pose import PoseSettings
from kiosk.analysis.pose_cache import PoseCache
from kiosk.analysis.scoring import expects_full_turn, gesture_score, score
from kiosk.analysis.variants import VARIANTS, paused, paused_labels, there_and_back, turn_cuts, variant as named
from kiosk.analysis.video import VideoAnalysis, VideoOptions, analyse_frames, read_frames
from tests.conftest import FOOTAGE, ROOT

pytestmark = pytest.mark.footage

SETS = {
    "shared": FOOTAGE / "labels.json",
    "shared-added": FOOTAGE / "labels-added.json",
    "dev": ROOT / "tests" / "footage" / "dev.json",
    "holdout": ROOT / "tests" / "footage" / "holdout.json",
    "synth-dev": ROOT / "tests" / "footage" / "synth-dev.json",
    "synth-holdout": ROOT / "tests" / "footage" / "synth-holdout.json",
}
RENDERED = {"synth-dev", "synth-holdout"}
EVERY_CLIP = ["original", "mirrored", "reversed", "5fps", "5fps-late"]
TURNING_ONLY = ["slow0.5x", "fast2x", "letterbox", "cropped", "zoom", "tilt", "passerby", "blur", "dim", "dropouts", "sideways"]
if os.environ.get("KIOSK_FOOTAGE_VARIANTS") == "all":
    TURNING_ONLY = [v for v in VARIANTS if v not in EVERY_CLIP]
# Changes to the picture, each at the live rate, on every real clip (turning or not); and dim and
# blurred at once (the mint dress's plain back, drifting, once read as a turn back that way).
AT_LIVE_RATE = [f"{v}+5fps" for v in ("letterbox", "cropped", "zoom", "tilt", "passerby", "blur", "dim", "dropouts", "sideways",
                                      "dim+blur")]


def _entries() -> dict[str, list[dict]]:
    out = {}
    for name, path in SETS.items():
        if path.is_file():
            out[name] = json.loads(path.read_text())
    return out


ENTRIES = _entries()


def _variants(set_name: str, entry: dict, turning_only: bool) -> list[str]:
    turning = expects_full_turn(entry)
    if set_name in RENDERED:
        if turning_only:
            return []
        return ["original", "5fps", "5fps-late"] + (["mirrored", "reversed"] if turning else [])
    if turning_only:
        return (TURNING_ONLY if turning else []) + AT_LIVE_RATE
    return EVERY_CLIP


def _cases(turning_only: bool) -> list:
    cases = []
    for name, entries in ENTRIES.items():
        for entry in entries:
            for variant in _variants(name, entry, turning_only):
                cases.append(pytest.param(name, entry["file"], variant, id=f"{name}:{entry['file']}:{variant}"))
    return cases


def _turning_clips(rendered: bool = True) -> list:
    return [pytest.param(name, e["file"], id=f"{name}:{e['file']}")
            for name, entries in ENTRIES.items() for e in entries
            if expects_full_turn(e) and (rendered or name not in RENDERED)]


@pytest.fixture(scope="session")
def analysed():
    """analysed(set, file, variant) -> (labels for that variant, VideoAnalysis), computed once."""
    cache: dict[tuple[str, str, str], tuple[dict, VideoAnalysis]] = {}
    disk = PoseCache(os.environ["KIOSK_POSE_CACHE"]) if os.environ.get("KIOSK_POSE_CACHE") else None

    def get(set_name: str, file: str, variant: str) -> tuple[dict, VideoAnalysis]:
        key = (set_name, file, variant)
        if key not in cache:
            entry = next(e for e in ENTRIES[set_name] if e["file"] == file)
            clip = SETS[set_name].parent / file
            if not clip.is_file():
                pytest.skip(f"{clip} is not here")
            v = named(variant)
            labels = v.labels(entry)
            options = VideoOptions(max_fps=v.max_fps or 15.0, pose=PoseSettings(rotation=v.rotation))
            poses = disk.load(clip, variant, options.max_fps, options.pose) if disk else None
            if poses is None:
                frames, duration = read_frames(str(clip))
                result = analyse_frames(v.frames(frames, duration), file, labels["duration_s"], options)
                if disk:
                    disk.save(clip, variant, options.max_fps, options.pose, result.poses)
            else:
                result = analyse_frames([], file, labels["duration_s"], options, poses=poses)
            cache[key] = (labels, result)
        return cache[key]

    return get


def assert_meets_targets(labels: dict, result: VideoAnalysis, variant: str) -> None:
    data = result.to_json()
    clip = score(labels, data, variant)
    assert clip.passed, (f"{labels['file']} [{variant}] misses the targets: {clip} turns={data['turns']} "
                         f"gestures={data['gestures']}")


def test_the_labelled_sets_hold_turning_clips_and_negatives():
    """The suite must not pass by finding nothing to test."""
    if not ENTRIES:
        pytest.skip(f"no labelled footage (looked for {', '.join(str(p) for p in SETS.values())})")
    everything = [e for entries in ENTRIES.values() for e in entries]
    assert sum(expects_full_turn(e) for e in everything) >= 4
    assert sum(not expects_full_turn(e) for e in everything) >= 2
    if "dev" in ENTRIES:
        assert any(e.get("gestures") for e in ENTRIES["dev"]), "the dev set has no gesture clip"


@pytest.mark.parametrize("set_name, file, variant", _cases(turning_only=False))
def test_every_labelled_clip_meets_the_targets(analysed, set_name, file, variant):
    labels, result = analysed(set_name, file, variant)
    assert_meets_targets(labels, result, variant)
    if expects_full_turn(labels):
        assert len([t for t in result.turns if t.complete]) == 1


@pytest.mark.slow
@pytest.mark.parametrize("set_name, file, variant", _cases(turning_only=True))
def test_real_clips_meet_the_targets_when_varied(analysed, set_name, file, variant):
    """Turning clips in every variation; every real clip with the picture changed at the live rate."""
    labels, result = analysed(set_name, file, variant)
    assert_meets_targets(labels, result, variant)


@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_direction_flips_with_mirror_and_time(analysed, set_name, file):
    original = analysed(set_name, file, "original")[1].turns[0].direction
    assert analysed(set_name, file, "mirrored")[1].turns[0].direction != original
    assert analysed(set_name, file, "reversed")[1].turns[0].direction != original


def _raising_clips() -> list:
    return [pytest.param("synth-dev", e["file"], id=e["file"]) for e in ENTRIES.get("synth-dev", [])
            if any(g["kind"] == "raise_hand" for g in e.get("gestures") or [])]


@pytest.mark.parametrize("set_name, file", _raising_clips())
def test_a_hand_raised_between_two_analysed_frames_is_found_from_the_knees_up(analysed, set_name, file):
    """At 5 analysed frames a second an arm raised between two frames can leave the hand outside
    the region the model tracks; seen from the knees up it stayed lost (placed at the chin, unseen)
    for the whole hold. The picture is searched again without tracking, and the raise is found."""
    labels, result = analysed(set_name, file, "cropped+5fps")
    expected, found, _, _ = gesture_score([g for g in labels["gestures"] if g["kind"] == "raise_hand"],
                                          [g for g in result.to_json()["gestures"] if g["gesture"] == "raise_hand"])
    assert found == expected, (file, result.to_json()["gestures"])


@pytest.mark.parametrize("set_name, file", _raising_clips())
def test_a_hand_raised_to_the_pictures_top_edge_is_found(analysed, set_name, file):
    """A camera zoomed in on the shopper (a shopper close to the mirror) puts a raised hand at the
    picture's top edge, where the model often cannot place it, tracking or not; at 5 analysed
    frames a second the raise then came late (g06) or never (g04). The second look is given room
    above the person, and every raise is found on time, with no other gesture."""
    labels, result = analysed(set_name, file, "zoom+5fps")
    expected, found, false, _ = gesture_score(labels["gestures"], result.to_json()["gestures"])
    assert found == expected and false == 0, (file, result.to_json()["gestures"])


@pytest.mark.parametrize("file", ["synth/clips/t06_soldier_ccw_veryfast_black.mp4",
                                  "synth/clips/p05_soldier_cw_270-return.mp4",
                                  "synth/clips/g05_soldier_swipes_wave.mp4"])
def test_a_shopper_filling_the_picture_is_found_from_the_first_frame(analysed, file):
    """The rendered soldier seen from the knees up (``cropped``: close to the camera) stands in
    view from the clip's first frame. The model finds a person by their whole outline and
    expects room around it: tracking found nobody for his first 0.07-0.4 s. The look with room
    around the picture finds him on the first frame."""
    labels, result = analysed("synth-dev", file, "cropped")
    intervals = result.to_json()["person_intervals"]
    assert intervals and intervals[0][0] == 0.0, (file, intervals)


def _swiping_clips() -> list:
    return [pytest.param("synth-dev", e["file"], variant, id=f"{e['file']}-{variant}")
            for e in ENTRIES.get("synth-dev", []) if any(g["kind"].startswith("swipe") for g in e.get("gestures") or [])
            for variant in ("letterbox+5fps", "blur+5fps", "dropouts+5fps")]


@pytest.mark.parametrize("set_name, file, variant", _swiping_clips())
def test_a_swipe_sampled_at_the_live_rate_is_found_in_a_changed_picture(analysed, set_name, file, variant):
    """At 5 analysed frames a second a swipe's frames fall inside its stroke, so the hand's
    travel between them is short of the stroke; a letterboxed, blurred or blinking picture
    placed the soldier's swipes 0.84-0.89 torso lengths apart where 0.9 was asked for."""
    labels, result = analysed(set_name, file, variant)
    swipes = [g for g in labels["gestures"] if g["kind"].startswith("swipe")]
    expected, found, false, _ = gesture_score(swipes, [g for g in result.to_json()["gestures"]
                                                       if g["gesture"].startswith("swipe")])
    assert found == expected and false == 0, (file, result.to_json()["gestures"])


def _rendered_clips_with_a_passer_by() -> list:
    return [pytest.param(name, e["file"], variant, id=f"{name}:{e['file']}:{variant}")
            for name in sorted(RENDERED) for e in ENTRIES.get(name, [])
            for variant in ("passerby", "passerby+5fps")]


@pytest.mark.slow
@pytest.mark.parametrize("set_name, file, variant", _rendered_clips_with_a_passer_by())
def test_a_passer_by_behind_the_rendered_shopper_changes_nothing(analysed, set_name, file, variant):
    """Someone smaller walks across behind her (the clip's own person, mirrored, at 60 % of the
    height). On the rendered clips the pose model takes the passer for the shopper, or mixes the
    two, for up to 1.3 s; the passer's face then read as her front and her turn was dated from it
    (t05: 0.61 s early). The person gate (``kiosk.analysis.continuity``) refuses a pose that is
    smaller and elsewhere. The real clips run this variation in the varied test above."""
    labels, result = analysed(set_name, file, variant)
    assert_meets_targets(labels, result, variant)


@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_the_yaw_track_is_right_where_the_labels_say_front_and_back(analysed, set_name, file):
    labels, result = analysed(set_name, file, "original")
    clip = score(labels, result.to_json())
    assert clip.yaw_back_err_deg is not None and clip.yaw_back_err_deg <= 35, clip
    if clip.yaw_front_err_deg is not None:
        assert clip.yaw_front_err_deg <= 35, clip
    assert all(0.0 <= s.confidence <= 1.0 for s in result.track)


def test_person_intervals_match_the_labels(analysed):
    for name, entries in ENTRIES.items():
        if name == "holdout":
            continue  # scored by the targets above; presence is not tuned on it either way
        for entry in entries:
            _, result = analysed(name, entry["file"], "original")
            want = entry["person_intervals"]
            assert len(result.person_intervals) == len(want), (entry["file"], result.person_intervals)
            for (a, b), (c, d) in zip(result.person_intervals, want):
                assert abs(a - c) <= 0.5 and abs(b - d) <= 0.5, (entry["file"], result.person_intervals)


def _rerun(labels: dict, poses) -> VideoAnalysis:
    return analyse_frames([], labels["file"], labels["duration_s"], poses=poses)


@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_pose_dropouts_in_the_middle_of_the_turn_are_bridged(analysed, set_name, file):
    """The model loses the person on some frames (sequins, an arm in front): same turn."""
    labels, result = analysed(set_name, file, "original")
    poses = [(t, None if i % 5 == 2 else p) for i, (t, p) in enumerate(result.poses)]
    assert_meets_targets(labels, _rerun(labels, poses), "pose dropouts")


@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_left_right_label_swaps_are_ignored(analysed, set_name, file):
    """mediapipe often swaps left and right when it sees a back; here on 40% of all frames."""
    pairs = [(11, 12), (23, 24), (13, 14), (15, 16), (25, 26), (27, 28), (7, 8), (2, 5)]
    labels, result = analysed(set_name, file, "original")
    rng = np.random.default_rng(5)
    swapped = []
    for t, p in result.poses:
        if p is not None and rng.random() < 0.4:
            order = list(range(33))
            for a, b in pairs:
                order[a], order[b] = b, a
            p = dataclasses.replace(p, image=p.image[order], world=p.world[order], visibility=p.visibility[order])
        swapped.append((t, p))
    assert_meets_targets(labels, _rerun(labels, swapped), "label swaps")


@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_a_half_turn_clip_is_not_a_complete_turn(analysed, set_name, file):
    """Cut each turning clip just after the back view: a 180° walk-and-turn, reported partial.
    (0.3 s after it, or halfway to the end for a turn faster than that: a 0.5 s spin is round
    again 0.3 s after its back.)"""
    labels, result = analysed(set_name, file, "original")
    turn = labels["turn"]
    until = turn["back_s"] + min(0.3, (turn["end_s"] - turn["back_s"]) / 2)
    cut = [(t, p) for t, p in result.poses if t <= until]
    half = analyse_frames([], file, until, poses=cut)
    assert not any(t.complete for t in half.turns), half.turns


@pytest.mark.parametrize("set_name, file", _turning_clips())
@pytest.mark.parametrize("where", ["before_back", "back", "after_back"])
def test_the_person_lost_for_a_quarter_of_the_turn_is_bridged(analysed, set_name, file, where):
    """No pose at all for a quarter of the turn's duration (a second of a normal turn)."""
    labels, result = analysed(set_name, file, "original")
    turn = labels["turn"]
    length = turn["end_s"] - turn["start_s"]
    centre = {"before_back": turn["back_s"] - length / 4, "back": turn["back_s"],
              "after_back": turn["back_s"] + length / 4}[where]
    poses = [(t, None if abs(t - centre) < length / 8 else p) for t, p in result.poses]
    assert_meets_targets(labels, _rerun(labels, poses), f"lost around {where}")


@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_jittery_landmarks_and_wild_frames_change_nothing(analysed, set_name, file):
    """A shiny, patterned dress: every landmark shakes, and one frame in eight is someone else's pose."""
    labels, result = analysed(set_name, file, "original")
    rng = np.random.default_rng(9)
    seen = [p for _, p in result.poses if p is not None]
    shaken = []
    for t, p in result.poses:
        if p is not None:
            if rng.random() < 1 / 8:
                other = seen[rng.integers(len(seen))]  # a wild frame: a pose from elsewhere in the clip
                p = dataclasses.replace(other, t=t)
            else:
                image = p.image + rng.normal(0.0, 0.006, p.image.shape).astype(np.float32)
                world = p.world + rng.normal(0.0, 0.03, p.world.shape).astype(np.float32)
                p = dataclasses.replace(p, image=image, world=world)
        shaken.append((t, p))
    assert_meets_targets(labels, _rerun(labels, shaken), "jitter")


@pytest.mark.parametrize("variant", ["original", "5fps"])
@pytest.mark.parametrize("cut", ["side", "back", "three-quarter"])
@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_a_pause_in_the_turn_is_still_one_turn(analysed, set_name, file, cut, variant):
    """Shoppers stop on the way round to look (a side view, the back, three-quarters round) and
    turn on. Built from each turning clip's own poses: the pose at that point of the turn held
    for a second, then the rest of the clip a second later: the same one turn, ending later."""
    labels, result = analysed(set_name, file, variant)
    at = turn_cuts(labels["turn"])[cut]
    poses, held_at, shift = paused(result.poses, at, hold_s=1.0)
    later = paused_labels(labels, held_at, shift)
    assert_meets_targets(later, _rerun(later, poses), f"paused at {cut}")


@pytest.mark.parametrize("variant", ["original", "5fps"])
@pytest.mark.parametrize("cut", ["side", "back", "three-quarter"])
@pytest.mark.parametrize("set_name, file", _turning_clips())
def test_a_look_at_the_back_and_back_again_is_no_full_turn(analysed, set_name, file, cut, variant):
    """What shoppers do all the time: turn to a side view, the back or three-quarters round,
    stop a moment to look (0.6 s) and turn back the way they came. Built from each turning clip's
    own poses (up to a point of its turn, then the same poses in reverse): no complete turn."""
    labels, result = analysed(set_name, file, variant)
    poses = there_and_back(result.poses, turn_cuts(labels["turn"])[cut], hold_s=0.6)
    found = _rerun(labels, poses).turns  # analysed to its last pose, past the clip's own length
    assert not any(t.complete for t in found), found


def test_the_flows_blank_share_is_what_the_dev_footage_shows(analysed):
    """The torso flow's model says how often a turning body shows no flow (``flow_blank``: a
    plain garment, blur); that share, measured on the dev turning clips inside their turns, stays
    near the model's. The rendered clips count where their yaw truth turns faster than 60°/s,
    the real ones from 0.15 s after the labelled start to 0.15 s before the end."""
    model = CueModel()
    blank = []
    for set_name, entries in ENTRIES.items():
        if "holdout" in set_name:
            continue
        for entry in entries:
            if not expects_full_turn(entry) or not (SETS[set_name].parent / entry["file"]).is_file():
                continue
            labels, result = analysed(set_name, entry["file"], "original")
            start, end = labels["turn"]["start_s"] + 0.15, labels["turn"]["end_s"] - 0.15
            truth = labels.get("yaw_truth")
            if truth:
                times = np.array([t for t, _ in truth])
                speeds = np.degrees(np.gradient(np.unwrap(np.radians([y for _, y in truth])), times))
            for t, pose in result.poses:
                if pose is None or pose.flow is None or not start <= t <= end:
                    continue
                if truth and abs(float(np.interp(t, times, speeds))) < 60.0:
                    continue
                blank.append(abs(pose.flow) < model.flow_still)
    assert len(blank) >= 100, f"only {len(blank)} turning frames with a flow"
    assert abs(float(np.mean(blank)) - model.flow_blank) <= 0.08, (float(np.mean(blank)), len(blank))
