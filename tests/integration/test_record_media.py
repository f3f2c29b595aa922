"""`kiosk record` files checked by ffprobe: h264, yuv420p, moov before mdat, exact length, true speed.

Also the shared helpers of the recording tests (the kiosk command, ffprobe, a library's state).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PYTHON

pytestmark = pytest.mark.slow

SMALL = "synthetic:?width=320&height=240&fps=30"


def kiosk(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run the kiosk command in a child process; stdout and stderr are captured as text."""
    env = dict(os.environ)
    env.pop("KIOSK_CONFIG", None)
    return subprocess.run(
        [PYTHON, "-m", "kiosk", *args], capture_output=True, text=True, timeout=timeout, env=env, **kw
    )


def ffprobe(path: Path) -> dict:
    """The video stream of ``path`` as ffprobe sees it, with the frames counted."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-print_format", "json",
         "-show_streams", "-show_format", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    data = json.loads(out)
    stream = data["streams"][0]
    stream["format"] = data["format"]
    return stream


def packet_times(path: Path) -> list[float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
         "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    return sorted(float(line) for line in out.split() if line.strip())


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order (read independently of the kiosk's code)."""
    boxes, data = [], path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        boxes.append(kind)
        if size < 8:
            break
        offset += size
    return boxes


def assert_playable_mp4(path: Path, seconds: float | None = None, frames: int | None = None, fps: float = 30.0):
    """The checks every produced file must pass; returns ffprobe's stream.

    Always: H.264, yuv420p, moov before mdat, and a duration within one frame of the frames
    written (last timestamp plus one frame). ``seconds``: the length asked for; a late last frame
    (a loaded machine) may carry it a little past. ``frames``: the count a steady camera gives;
    a loaded machine may lose a few.
    """
    stream = ffprobe(path)
    assert stream["codec_name"] == "h264"
    assert stream["pix_fmt"] == "yuv420p"
    boxes = top_level_boxes(path)
    assert "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat"), boxes
    duration = float(stream["format"]["duration"])
    times = packet_times(path)
    assert len(times) == int(stream["nb_read_packets"])
    assert abs(duration - (times[-1] - times[0] + 1 / fps)) <= 1 / fps + 1e-3
    if seconds is not None:
        assert seconds - 1 / fps - 1e-3 <= duration <= seconds + 0.15, duration
    if frames is not None:
        assert 0.9 * frames <= int(stream["nb_read_packets"]) <= frames + 1
    # Decode every frame (ffprobe, not `ffmpeg -f null`: that muxer complains about frames closer
    # than 1/fps, which a camera that catches up after a hiccup legitimately produces).
    decoded = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True,
    )
    assert decoded.returncode == 0 and decoded.stderr.strip() == "", decoded.stderr
    assert int(decoded.stdout.strip().rstrip(",")) == int(stream["nb_read_packets"])
    return stream


def library_state(folder: Path) -> dict:
    """`kiosk looks list --json` of a library folder."""
    listed = kiosk("looks", "list", "--library", str(folder), "--json")
    assert listed.returncode == 0, listed.stderr
    return {look["id"]: look for look in json.loads(listed.stdout)}


def test_record_to_a_file(tmp_path):
    out = tmp_path / "look.mp4"
    result = kiosk("record", "--source", SMALL, "--seconds", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out)
    stream = assert_playable_mp4(out, seconds=3.0, frames=90)
    assert (stream["width"], stream["height"]) == (320, 240)
    assert list(tmp_path.iterdir()) == [out]  # no work folder left behind


def test_frames_lost_by_the_camera_keep_true_speed(tmp_path):
    # The camera freezes for 1 s after 1 s: fewer frames, same length, one gap of 1 s.
    out = tmp_path / "gap.mp4"
    spec = "synthetic:?width=320&height=240&fps=30&stall_at=1.5&stall_for=1"
    result = kiosk("record", "--source", spec, "--seconds", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    stream = assert_playable_mp4(out, seconds=4.0)
    assert 80 <= int(stream["nb_read_packets"]) <= 93  # about 3 s of frames in 4 s of video
    times = packet_times(out)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert max(gaps) == pytest.approx(1.0 + 1 / 30, abs=0.1)
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(1 / 30, abs=0.005)


def test_a_file_source_that_ends_early_gives_what_it_had(tmp_path):
    clip = tmp_path / "clip.mp4"
    made = kiosk("record", "--source", SMALL, "--seconds", "2", "--out", str(clip))
    assert made.returncode == 0, made.stderr
    out = tmp_path / "again.mp4"
    result = kiosk("record", "--source", f"file:{clip}?loop=0", "--seconds", "6", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "recording what came so far" in result.stderr
    stream = assert_playable_mp4(out)
    assert 1.5 <= float(stream["format"]["duration"]) <= 2.05


def test_record_into_a_library_prints_the_id_last(tmp_path):
    lib = tmp_path / "lib"
    result = kiosk("record", "--source", SMALL, "--seconds", "2", "--library", str(lib), "--consent")
    assert result.returncode == 0, result.stderr
    look_id = result.stdout.strip().splitlines()[-1]
    looks = library_state(lib)
    assert list(looks) == [look_id]
    look = looks[look_id]
    assert look["consent"] == "granted" and look["consent_by"] == "operator"
    assert (look["width"], look["height"]) == (320, 240)
    assert 2.0 - 1 / 30 <= look["duration_s"] <= 2.15
    assert look["bytes"] == Path(look["path"]).stat().st_size
    assert_playable_mp4(Path(look["path"]), seconds=2.0, frames=60)
    assert Path(look["poster_path"]).read_bytes()[:2] == b"\xff\xd8"  # JPEG
    assert Path(look["strip_path"]).read_bytes()[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seconds", "0", "--out", "{tmp}/a.mp4"], "--seconds must be between"),
        (["--seconds", "nan", "--out", "{tmp}/a.mp4"], "--seconds must be between"),
        (["--seconds", "2", "--out", "{tmp}/a.avi"], "must name an .mp4 file"),
        (["--seconds", "2", "--out", "{tmp}/missing/a.mp4"], "does not exist"),
        (["--seconds", "2", "--out", "{tmp}/a.mp4", "--consent"], "--consent only applies"),
        (["--seconds", "2", "--out", "{tmp}/a.mp4", "--source", "bogus:x"], "unknown source kind"),
        (["--seconds", "2", "--out", "{tmp}/a.mp4", "--source", "file:{tmp}/none.mp4"], "does not exist"),
    ],
)
def test_bad_input_is_one_sentence_and_writes_nothing(tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    if "--source" not in args:
        args += ["--source", SMALL]
    result = kiosk("record", *args, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_never_overwritten(tmp_path):
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"precious")
    result = kiosk("record", "--source", SMALL, "--seconds", "1", "--out", str(out))
    assert result.returncode != 0 and "already exists" in result.stderr
    assert out.read_bytes() == b"precious"


def _recording(cmd: list[str], take_dir: Path, fragments: int) -> subprocess.Popen:
    """``kiosk record`` in a child, returned once its take holds ``fragments`` fragments (one a keyframe, 1 s)."""
    import signal
    import time

    env = dict(os.environ)
    env.pop("KIOSK_CONFIG", None)
    # Ctrl-C as a terminal delivers it: a suite started in the background ignores SIGINT.
    proc = subprocess.Popen([PYTHON, "-m", "kiosk", "record", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        takes = list(take_dir.glob("*/take.mp4")) if take_dir.is_dir() else []
        if takes and takes[0].read_bytes().count(b"moof") >= fragments:
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the take never reached {fragments} fragments: {proc.communicate()[1]}")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupted_recording_keeps_what_was_recorded_and_leaves_no_work_folder(tmp_path, sig):
    """Ctrl-C or a service manager's stop ends the take early: it is kept and printed, stderr says so, exit 130."""
    import signal

    out = tmp_path / "look.mp4"
    proc = _recording(["--source", SMALL, "--seconds", "60", "--out", str(out)], tmp_path / ".kiosk-work", fragments=2)
    proc.send_signal(getattr(signal, sig))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stdout.splitlines() == [str(out)]
    assert stderr.startswith("kiosk: stopped early: kept the first ") and stderr.endswith(" of the 60 s asked for\n"), stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    stream = assert_playable_mp4(out)
    assert 2.0 <= float(stream["format"]["duration"]) < 30
    assert list(tmp_path.iterdir()) == [out]  # no .kiosk-work left behind

    lib = tmp_path / "lib"
    proc = _recording(["--source", SMALL, "--seconds", "60", "--library", str(lib)], lib / "work", fragments=2)
    proc.send_signal(getattr(signal, sig))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    look_id = stdout.strip().splitlines()[-1]
    assert list(library_state(lib)) == [look_id]  # the id printed is the look stored
    assert "stopped early: kept the first" in stderr and stderr.count("\n") == 1
    assert list((lib / "work").iterdir()) == []


def test_an_interrupted_recording_too_short_to_keep_says_so(tmp_path):
    import signal

    config = tmp_path / "kiosk.toml"
    config.write_text("[recording]\nmax_s = 60\nmin_s = 30\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = _recording(["--config", str(config), "--source", SMALL, "--seconds", "60", "--out", str(out_dir / "a.mp4")],
                      out_dir / ".kiosk-work", fragments=0)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and stdout == ""
    assert stderr == "kiosk: stopped early: the recording was shorter than 30 s and was not kept\n"
    assert list(out_dir.iterdir()) == []
