"""Issue 14 in the real window: a person turns once, and the mirror records one look by itself
that goes on until they face it again.

The clip is the dark sequinned dress with a 1.6 s pause showing the back (labels-added.json:
turn 4.4 s → back 5.3 s, held to 6.9 s → front 7.8 s), the case an earlier detector ended at
5.9 s, while the back still showed. It plays as the camera (``file:``) into ``kiosk run`` under
Xvfb, analysed at 5 frames a second, the rate a 2-core mirror gets. Nobody touches anything.
Its first frame is held for 30 s first (she stands there facing the mirror), so the pose
model has loaded before she turns even on a busy machine.
The recorded look is then analysed by ``kiosk analyze``: its turn must be complete and end
(the person facing front again) before the look does.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.conftest import PYTHON
from tests.integration.test_mirror_window import MirrorWindow

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.footage]

CLIP = "ubc_dwnet_fashion_test_2_black_sequin_dress_turn.mp4"
HOLD_S = 30


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "kiosk", *args], capture_output=True, text=True, timeout=timeout)


def test_a_turn_records_one_look_that_ends_facing_front(xvfb, tmp_path, footage_dir):
    clip = footage_dir / CLIP
    if not clip.is_file():
        pytest.skip(f"{clip} is not here")
    padded = tmp_path / "standing-then-turning.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(clip), "-vf", f"tpad=start_duration={HOLD_S}:start_mode=clone",
                    "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", str(padded)], check=True, timeout=120)
    library = tmp_path / "library"
    out = tmp_path / "look.mp4"
    # The session ends 20 s after the clip does (nobody in view); its looks go with it, so the
    # look is fetched while the window still runs.
    with MirrorWindow(xvfb, tmp_path, 480, 640, library=library, source=f"file:{padded}?loop=0",
                      extra_toml="[analysis]\nmax_fps = 5\n") as win:
        started = time.monotonic()
        deadline = started + HOLD_S + 90
        looks: list = []
        while time.monotonic() < deadline:
            listing = kiosk("looks", "list", "--library", str(library), "--json")
            looks = json.loads(listing.stdout) if listing.returncode == 0 and listing.stdout.strip() else []
            # One look, and the clip over with some time to spare for a second one to show.
            if looks and time.monotonic() - started > HOLD_S + 16:
                break
            time.sleep(0.5)
        log = win.log.read_text()
        assert looks, f"no look was recorded by the turn:\n{log}"
        assert len(looks) == 1, looks
        assert looks[0]["reason"] == "turn"
        exported = kiosk("looks", "export", looks[0]["id"], "--out", str(out), "--library", str(library))
        assert exported.returncode == 0, exported.stderr
    assert "ended: turn completed" in log, log
    analysed = kiosk("analyze", str(out), "--json")
    assert analysed.returncode == 0, analysed.stderr
    data = json.loads(analysed.stdout)
    complete = [t for t in data["turns"] if t["complete"]]
    assert len(complete) == 1, data["turns"]
    turn = complete[0]
    assert turn["direction"] == "cw"
    # The look holds the whole turn, the back-view pause included, and the front view after it.
    assert turn["end_s"] - turn["start_s"] == pytest.approx(7.8 - 4.4, abs=0.6)
    assert turn["end_s"] <= data["duration_s"] - 0.3, (turn, data["duration_s"])
