"""``kiosk compare`` end to end: a labelled turning clip against variations of it, checked with ffprobe.

The variations are made here with ffmpeg: the same turn slowed to half speed after a second of
standing still, mirrored (so it turns the other way), and played backwards. Aligned by body
angle the panes must show the same side of the body (mean gap ≤ 15°) where aligned by time
they do not (≥ 45°), and the mirror's own detector, run afterwards on each pane cut out of the
rendered video, must agree (≤ 25°).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PYTHON

CLIP = "ubc_91-3003CN5S_mint_dress_turn.mp4"
VARIATIONS = {
    "slow_delayed": "scale=480:-2,setpts=2.0*PTS,tpad=start_duration=1:start_mode=clone",
    "mirrored": "scale=480:-2,hflip",
    "reversed": "scale=480:-2,reverse",
}


def kiosk(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, KIOSK_LOG_LEVEL="WARNING")
    env.pop("KIOSK_CONFIG", None)
    return subprocess.run([PYTHON, "-m", "kiosk", *args], capture_output=True, text=True, timeout=timeout, env=env)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
         "stream=codec_name,pix_fmt,width,height,nb_read_frames", "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=120,
    )
    stream = json.loads(out.stdout)["streams"][0]
    trace = subprocess.run(["ffprobe", "-v", "trace", str(path)], capture_output=True, text=True, timeout=120).stderr
    atoms = [a for a in ("'moov'", "'mdat'") if a in trace]
    stream["moov_before_mdat"] = bool(atoms) and trace.index("type:'moov'") < trace.index("type:'mdat'")
    return stream


def check_video(path: Path, frames: int) -> dict:
    info = ffprobe(path)
    assert info["codec_name"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["moov_before_mdat"], "not faststart"
    assert int(info["nb_read_frames"]) == frames
    assert info["width"] % 2 == 0 and info["height"] % 2 == 0 and info["height"] >= 240
    return info


# -- bad input ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_person(tmp_path_factory) -> Path:
    from tests.unit._videos import counting_video

    return counting_video(tmp_path_factory.mktemp("plain") / "plain.mp4", frames=45, width=320, height=240)


@pytest.mark.slow
@pytest.mark.parametrize(
    "case,expected",
    [
        ("one look", "at least 2 looks"),
        ("five looks", "at most 4 looks"),
        ("missing file", "does not exist"),
        ("not a video", "cannot open"),
        ("missing folder", "does not exist"),
        ("no person", "shows no person"),
        ("unknown look id", "no look library in"),  # --library names a folder without one
    ],
)
def test_bad_input_gets_one_sentence_and_nothing_is_written(case, expected, tmp_path, no_person):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n")
    out = tmp_path / "out.mp4"
    looks = {
        "one look": [str(no_person)],
        "five looks": [str(no_person)] * 5,
        "missing file": [str(no_person), str(tmp_path / "gone.mp4")],
        "not a video": [str(no_person), str(text)],
        "missing folder": [str(no_person), str(no_person)],
        "no person": [str(no_person), str(no_person)],
        "unknown look id": [str(no_person), "AAAAAAAAAAAAAAAAAAAAAA"],
    }[case]
    target = tmp_path / "nowhere" / "out.mp4" if case == "missing folder" else out
    done = kiosk("compare", *looks, "--out", str(target), "--json", "--library", str(tmp_path / "lib"))
    assert done.returncode != 0
    assert done.stdout == ""
    line = last_line(done.stderr)
    assert line.startswith("kiosk: ") and expected in line, done.stderr[-800:]
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mp4"]


# -- the goal, on footage ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(footage_dir, footage_labels) -> tuple[Path, dict]:
    labels = next(entry for entry in footage_labels if entry["file"] == CLIP)
    return footage_dir / CLIP, labels


@pytest.fixture(scope="module")
def variations(clip, tmp_path_factory) -> dict[str, Path]:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (scripts/test installs it)")
    folder = tmp_path_factory.mktemp("variations")
    made = {"original": clip[0]}
    for name, graph in VARIATIONS.items():
        path = folder / f"{name}.mp4"
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-i", str(clip[0]), "-vf", graph, "-an", "-c:v", "libx264",
             "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(path)],
            check=True, timeout=300,
        )
        made[name] = path
    return made


@pytest.fixture(scope="module")
def library(variations, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The variations as consented looks with the yaw tracks the mirror keeps, analysed once here."""
    from kiosk.compare.decode import probe
    from kiosk.compare.panes import analyse_file
    from kiosk.config import Config
    from kiosk.library import Library, NewLook

    root = tmp_path_factory.mktemp("library")
    ids = {}
    with Library(root) as lib:
        for name, source in variations.items():
            analysed = analyse_file(source, 0, Config())
            look_id = Library.new_id()
            work = lib.layout.work / f"{look_id}.mp4"
            shutil.copyfile(source, work)
            shape = probe(work)
            lib.add_look(NewLook(look_id, work, None, None, time.time(), shape.duration_s, shape.width, shape.height,
                                 consent_by="operator"))
            turn = analysed.turn
            lib.set_analysis(look_id, "turn", {
                "turn": None if turn is None else {**turn.to_json(), "complete": turn.complete},
                "yaw": analysed.track.to_entries(),
            })
            ids[name] = look_id
    return root, ids


def independent_gap(out: Path, report: dict, panes: int) -> float:
    """The detector run on each pane cut out of the rendered video: the largest mean yaw gap between two panes."""
    from kiosk.analysis.video import analyse_frames, read_frames
    from kiosk.compare.render import DIVIDER
    from kiosk.compare.track import YawTrack, angle_gap

    frames, duration = read_frames(str(out))
    frames = list(frames)
    height, width = frames[0][1].shape[:2]
    pane_w = (width - DIVIDER * (panes - 1)) // panes  # equal-aspect inputs: equal widths
    tracks = []
    for i in range(panes):
        left = i * (pane_w + DIVIDER)
        cut = [(t, np.ascontiguousarray(px[:, left : left + pane_w])) for t, px in frames]
        tracks.append(YawTrack.from_samples(analyse_frames(cut, f"pane {i}", duration).track))
    times = np.arange(report["frames"]) / 30.0
    yaws = np.vstack([tr.yaw_at(times) for tr in tracks])
    pairwise = [np.nanmean(angle_gap(yaws[a], yaws[b])) for a in range(panes) for b in range(a + 1, panes)]
    return float(np.max(pairwise))


@pytest.mark.slow
@pytest.mark.footage
def test_video_paths_are_analysed_and_aligned_by_angle(variations, tmp_path):
    out = tmp_path / "paths.mp4"
    done = kiosk("compare", str(variations["original"]), str(variations["mirrored"]), "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr[-1500:]
    report = json.loads(done.stdout)
    assert report["out"] == str(out) and report["align"] == "angle"
    assert [look["source"] for look in report["looks"]] == [str(variations["original"]), str(variations["mirrored"])]
    directions = [look["turn"]["direction"] for look in report["looks"]]
    assert directions == ["cw", "ccw"]  # the mirrored scene turns the other way
    assert report["mean_angle_gap_deg"] <= 15
    check_video(out, report["frames"])


@pytest.mark.slow
@pytest.mark.footage
def test_angle_alignment_beats_time_alignment_on_a_slower_later_turn(library, clip, tmp_path):
    root, ids = library
    labels = clip[1]["turn"]
    pair = [ids["original"], ids["slow_delayed"]]
    results = {}
    for align in ("angle", "time"):
        out = tmp_path / f"{align}.mp4"
        done = kiosk("compare", *pair, "--out", str(out), "--align", align, "--json", "--library", str(root))
        assert done.returncode == 0, done.stderr[-1500:]
        results[align] = json.loads(done.stdout)
        check_video(out, results[align]["frames"])
    angle, by_time = results["angle"], results["time"]
    print(f"mean gap by angle {angle['mean_angle_gap_deg']}°, by time {by_time['mean_angle_gap_deg']}°")
    assert angle["mean_angle_gap_deg"] <= 15
    assert by_time["mean_angle_gap_deg"] >= 45
    original, slowed = (look["turn"] for look in angle["looks"])
    assert abs(original["start_s"] - labels["start_s"]) <= 0.5 and abs(original["end_s"] - labels["end_s"]) <= 0.5
    assert abs(slowed["start_s"] - (1.0 + 2 * labels["start_s"])) <= 1.0
    assert abs(slowed["end_s"] - (1.0 + 2 * labels["end_s"])) <= 1.0
    # one full turn at the slower look's pace
    assert angle["frames"] == pytest.approx(30 * (slowed["end_s"] - slowed["start_s"]), abs=2)

    measured = independent_gap(tmp_path / "angle.mp4", angle, 2)
    print(f"independently measured on the rendered panes: {measured:.1f}°")
    assert measured <= 25


@pytest.mark.slow
@pytest.mark.footage
def test_four_looks_turning_both_ways_line_up(library, tmp_path):
    root, ids = library
    names = ["original", "mirrored", "reversed", "slow_delayed"]
    out = tmp_path / "four.mp4"
    done = kiosk("compare", *(ids[n] for n in names), "--out", str(out), "--json", "--library", str(root))
    assert done.returncode == 0, done.stderr[-1500:]
    report = json.loads(done.stdout)
    assert [look["source"] for look in report["looks"]] == [ids[n] for n in names]
    assert all(look["aligned_by"] == "angle" for look in report["looks"]), report
    assert report["mean_angle_gap_deg"] <= 15
    info = check_video(out, report["frames"])
    assert info["width"] > 3 * info["height"] * 480 / 628  # four portrait panes side by side


@pytest.mark.slow
def test_a_render_stopped_midway_leaves_nothing(tmp_path):
    """SIGTERM (a service manager) or Ctrl+C during the render: no file at --out, no temporary file."""
    import signal

    from kiosk.library import Library, NewLook
    from tests.unit._tracks import track
    from tests.unit._videos import counting_video

    root = tmp_path / "library"
    ids = []
    with Library(root) as lib:
        for i, entries in enumerate([track((0.5, 0.0), (2.0, 360.0), (0.4, 360.0)), track((0.3, 0.0), (1.0, -360.0), (0.6, -360.0))]):
            look_id = Library.new_id()
            video = counting_video(tmp_path / f"{i}.mp4", frames=90, width=480, height=720)
            lib.add_look(NewLook(look_id, video, None, None, time.time(), 3.0, 480, 720, consent_by="operator"))
            lib.set_analysis(look_id, "turn", {"turn": None, "yaw": entries})
            ids.append(look_id)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = dict(os.environ, KIOSK_LOG_LEVEL="WARNING")
    env.pop("KIOSK_CONFIG", None)
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Ctrl+C as a terminal delivers it: a suite started in the background (`scripts/test &`,
        # nohup) ignores SIGINT, and the render would rightly inherit that and finish.
        proc = subprocess.Popen([PYTHON, "-m", "kiosk", "compare", *ids, "--out", str(out_dir / "cmp.mp4"), "--library", str(root),
                                 "--seconds", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                preexec_fn=_interruptible)
        deadline = time.monotonic() + 120
        while not any(out_dir.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"the render ended before it could be interrupted: {proc.communicate()[1]}"
        assert [p.name.startswith(".cmp.mp4.") for p in out_dir.iterdir()] == [True]  # the hidden temporary file
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode != 0, err
        assert "Traceback" not in err
        assert list(out_dir.iterdir()) == []


def _interruptible() -> None:
    """In the child before it runs: SIGINT back to its default, whatever the suite inherited."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
