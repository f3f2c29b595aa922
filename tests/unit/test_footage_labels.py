"""The team's own rendered footage (tests/footage/synth): files, labels and the dev/holdout split agree.

Every labelled clip must exist with the recorded sha256; ffprobe must agree with the recorded
duration, rate, size and frame count; every labelled time must lie inside the clip and in order;
the two split files (synth-dev.json, synth-holdout.json) must not share a clip and must be exactly
what the written split rule (tests/footage/MANIFEST.md) gives; the labels and yaw tracks must be
exactly what the generator's keyframes give (recomputed here without rendering). Nothing here
runs a model on the clips.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

FOOTAGE = Path(__file__).resolve().parents[1] / "footage"
SYNTH_SPLITS = ("synth-dev.json", "synth-holdout.json")
SYNTH_DIR = FOOTAGE / "synth"
MAX_SYNTH_BYTES = 25 * 1024 * 1024
KINDS = {"turn", "turn_partial", "negative", "gesture"}
DIRECTIONS = {"clockwise", "counter-clockwise"}
SHOULDERS = {"left", "right"}
GESTURES = {"raise_hand", "swipe_left", "swipe_right"}
SLACK_S = 0.001  # labels are written to the millisecond


def _load(name: str) -> list[dict]:
    return json.loads((FOOTAGE / name).read_text())


def _entries(splits: tuple[str, ...]) -> list[tuple[str, dict]]:
    return [(name, entry) for name in splits for entry in _load(name)]


SYNTH_ENTRIES = _entries(SYNTH_SPLITS)
SYNTH_IDS = [entry["file"] for _, entry in SYNTH_ENTRIES]


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def ffprobe() -> None:
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe is not installed (scripts/test installs ffmpeg)")


def _rule_holdout(entries: list[dict]) -> set[str]:
    want_holdout = set()
    for kind in {e["kind"] for e in entries}:
        group = sorted((e for e in entries if e["kind"] == kind), key=lambda e: (e["batch"], e["sha256"]))
        want_holdout |= {e["file"] for position, e in enumerate(group, start=1) if position % 3 == 2}
    return want_holdout


@pytest.mark.parametrize("split,entry", SYNTH_ENTRIES, ids=SYNTH_IDS)
def test_file_matches_its_labels(split, entry, ffprobe):
    path = FOOTAGE / entry["file"]
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert data.find(b"moov") < data.find(b"mdat"), "not faststart (moov after mdat)"
    info = _probe(path)
    streams = info["streams"]
    assert [s["codec_type"] for s in streams] == ["video"], "only one video stream, no audio"
    video = streams[0]
    assert video["codec_name"] == entry["codec"] == "h264"
    assert video["pix_fmt"] == entry["pix_fmt"] == "yuv420p"
    assert (video["width"], video["height"]) == (entry["width"], entry["height"])
    assert max(video["width"], video["height"]) <= 720 or entry["processing"].startswith("remuxed only")
    rate = Fraction(video["r_frame_rate"])
    assert rate == Fraction(entry["fps_rational"])
    assert float(rate) == pytest.approx(entry["fps"], abs=0.001)
    assert int(video["nb_read_frames"]) == entry["frame_count"]
    assert float(info["format"]["duration"]) == pytest.approx(entry["duration_s"], abs=0.002)
    assert float(info["format"].get("start_time", 0.0)) == pytest.approx(0.0, abs=1e-3)
    assert entry["frame_count"] / float(rate) == pytest.approx(entry["duration_s"], abs=1.5 / float(rate))


def _check_times(entry: dict) -> None:
    duration = entry["duration_s"]

    def inside(t: float | None, what: str) -> None:
        if t is not None:
            assert -SLACK_S <= t <= duration + SLACK_S, f"{what}={t} outside 0..{duration}"

    assert entry["kind"] in KINDS
    for intervals in (entry["person_intervals"], entry["partial_person_intervals"]):
        for a, b in intervals:
            inside(a, "interval start"), inside(b, "interval end")
            assert a < b
    turn = entry["turn"]
    if entry["kind"] in ("negative", "gesture"):
        assert turn is None and entry["total_rotation_deg"] == 0
    if entry["kind"] in ("turn", "turn_partial"):
        assert turn is not None
        assert turn["back_s"] is not None or turn["rotation_deg"] < 180, "a turn past 180 degrees shows the back"
        assert turn["direction_from_above"] in DIRECTIONS
        assert turn["first_shoulder_away"] in SHOULDERS
        # Seen from above, clockwise is a turn to the person's own right: the right shoulder leaves first.
        assert (turn["direction_from_above"] == "clockwise") == (turn["first_shoulder_away"] == "right")
        assert turn["complete"] == (entry["kind"] == "turn")
        assert turn["complete"] == (turn["end_s"] is not None and turn["rotation_deg"] >= 360)
        assert entry["total_rotation_deg"] == turn["rotation_deg"]
        times = [turn["start_s"], turn["back_s"], turn["end_s"], turn["rotation_end_s"]]
        for t in times:
            inside(t, "turn time")
        present = [t for t in times if t is not None]
        assert present == sorted(present), f"turn times out of order: {times}"
        if turn["back_s"] is not None:
            a, b = turn["back_interval_s"]
            assert a == turn["back_s"] and a <= b and b <= (turn["end_s"] or duration)
        for key, t in turn["approx_frames"].items():
            want = turn[f"{key}_s"]
            assert t == (None if want is None else round(want * entry["fps"]))
    for g in entry["gestures"]:
        assert g["kind"] in GESTURES
        inside(g["start_s"], "gesture start"), inside(g["end_s"], "gesture end")
        assert g["start_s"] <= g["t_s"] <= g["end_s"]
        if g["kind"] == "raise_hand":
            assert g["start_s"] <= g["raised_s"] and g["t_s"] == pytest.approx(g["raised_s"] + 1.0)
    for look in entry["lookalikes"]:
        assert look["kind"] and look["start_s"] < look["end_s"]
        inside(look["start_s"], "look-alike start"), inside(look["end_s"], "look-alike end")
    if entry["kind"] == "gesture":
        assert entry["gestures"]


# --- Rendered clips (tests/footage/synth): exact labels from the generator's own keyframes. ---


def _generator():
    """tests/footage/synth/generate.py as a module (it needs only the standard library)."""
    spec = importlib.util.spec_from_file_location("footage_synth_generate", SYNTH_DIR / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(SYNTH_DIR))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SYNTH_DIR))
    return module


def test_rendered_split_files_are_the_written_rule():
    dev, hold = (_load(name) for name in SYNTH_SPLITS)
    assert dev and hold
    assert not {e["file"] for e in dev} & {e["file"] for e in hold}
    assert {e["file"] for e in hold} == _rule_holdout(dev + hold)
    on_disk = {f"synth/clips/{p.name}" for p in (SYNTH_DIR / "clips").glob("*.mp4")}
    assert on_disk == set(SYNTH_IDS)
    assert sum((FOOTAGE / f).stat().st_size for f in on_disk) <= MAX_SYNTH_BYTES


def test_rendered_set_covers_the_cases_of_issue_14():
    entries = [e for _, e in SYNTH_ENTRIES]
    turns = [e["turn"] for e in entries if e["turn"]]
    complete = [t for t in turns if t["complete"]]
    assert {t["direction_from_above"] for t in complete} == DIRECTIONS
    assert {t["pattern"] for t in turns} >= {"full", "multi", "partial", "turn_and_return"}
    assert any(h["yaw_deg"] % 360 == 180 for t in complete for h in t.get("holds", [])), "no back-view hold"
    assert any(e["kind"] == "negative" for e in entries)
    gestures = {g["kind"] for e in entries for g in e["gestures"]}
    assert gestures == GESTURES
    lookalikes = {look["kind"] for e in entries for look in e["lookalikes"]}
    assert lookalikes >= {"fix_hair", "adjust_collar", "arms_crossed", "dressing", "wave"}
    for split in SYNTH_SPLITS:
        assert {e["kind"] for e in _load(split)} >= {"turn", "turn_partial", "negative", "gesture"}, split


@pytest.mark.parametrize("split,entry", SYNTH_ENTRIES, ids=SYNTH_IDS)
def test_rendered_labels_are_complete_and_times_inside_and_ordered(split, entry):
    assert entry["synthetic"] is True
    assert entry["labelled"].startswith("exact") and "no pose model" in entry["labelled"]
    for key in ("generator", "clip", "seed", "character", "character_sha256", "licence"):
        assert entry["source"][key], key
    assert entry["height"] <= 540 and entry["fps"] >= 15
    assert entry["person_intervals"] == [[0.0, entry["duration_s"]]], "the whole person is in every frame"
    _check_times(entry)


@pytest.mark.parametrize("split,entry", SYNTH_ENTRIES, ids=SYNTH_IDS)
def test_rendered_labels_are_what_the_keyframes_give(split, entry):
    """Labels and yaw tracks are recomputed from clips.py; a hand edit or a stale render fails here."""
    gen = _generator()
    clip = next(c for c in gen.clips() if c.name == entry["source"]["clip"])
    script = gen.Script(clip)
    assert script.n == entry["frame_count"]
    want = gen.turn_labels(script, clip.kind)
    if want is not None:
        for key in ("start", "back", "end"):
            want["approx_frames"][key] = None if want[f"{key}_s"] is None else round(want[f"{key}_s"] * gen.FPS)
    assert entry["turn"] == json.loads(json.dumps(want))
    yaw = entry["yaw_truth"]
    assert [t for t, _ in yaw] == [round(i / entry["fps"], 3) for i in range(entry["frame_count"])]
    assert yaw == [[round(t, 3), round(script.turn[i] + script.jitter(t), 2)] for i, t in enumerate(script.times)]
    assert len(entry["head_yaw_truth"]) == len(yaw)


@pytest.mark.parametrize("split,entry", SYNTH_ENTRIES, ids=SYNTH_IDS)
def test_rendered_yaw_track_agrees_with_the_turn_labels(split, entry):
    """The labelled moments are where the true yaw says: back at 180, front again at 360, no back elsewhere."""
    fps, turn = entry["fps"], entry["turn"]
    yaw = dict((round(t * fps), y) for t, y in entry["yaw_truth"])
    first = yaw[0]
    if turn is None:
        assert max(abs(y - first) for y in yaw.values()) < 90, "a non-turning clip shows the back"
        return
    sign = 1 if turn["direction_from_above"] == "clockwise" else -1
    rel = {i: sign * (y - first) for i, y in yaw.items()}
    jitter = 2.5  # the idle sway moves the yaw by up to 1.2 degrees either way (so 2.4 between two frames)
    assert max(rel.values()) == pytest.approx(turn["rotation_deg"], abs=jitter)
    assert min(rel.values()) > -jitter, "the turn goes the labelled way"
    if turn["back_s"] is not None:
        back = round(turn["back_s"] * fps)
        half_step = abs(rel[back + 1] - rel[back - 1]) / 4  # a fast turn may pass 180 between frames
        assert abs((rel[back] - 180 + 180) % 360 - 180) <= max(10, half_step) + jitter
        assert all(rel[i] < 170 + jitter for i in range(back - 1)), "the back shows before back_s"
    if turn["end_s"] is not None:
        end = round(turn["end_s"] * fps)
        assert rel[end] >= 350 - jitter and all(rel[i] < 350 + jitter for i in range(end - 1))
    if turn.get("returns_front_s") is not None:
        assert abs(rel[round(turn["returns_front_s"] * fps)]) <= 10 + jitter


@pytest.mark.parametrize("split,entry", [e for e in SYNTH_ENTRIES if e[1]["gestures"]],
                         ids=[e[1]["file"] for e in SYNTH_ENTRIES if e[1]["gestures"]])
def test_rendered_gestures_are_labelled_like_the_real_ones(split, entry):
    for g in entry["gestures"]:
        assert g["hand"] in SHOULDERS
        if g["kind"] == "raise_hand":
            assert g["end_s"] - g["raised_s"] >= 1.0, "a raise is only labelled when held a second"
        else:
            assert g["t_s"] == g["end_s"] and 0.2 <= g["end_s"] - g["start_s"] <= 0.8
            assert g["wrist_travel_px"] > 0.15 * entry["height"]
        for look in entry["lookalikes"]:
            if g["kind"] == "raise_hand":
                assert not look["start_s"] < g["raised_s"] < look["end_s"], "a gesture inside a look-alike interval"
