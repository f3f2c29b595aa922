"""A small real tmpfs filled up: recording is refused or stopped cleanly, earlier looks still play."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PYTHON
from tests.integration.test_record_media import assert_playable_mp4, kiosk, library_state

pytestmark = pytest.mark.slow

SOURCE = "synthetic:?width=320&height=240&fps=30"
MB = 1024 * 1024


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MB tmpfs mounted in the test's folder; skips where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", str(mount)],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc})")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root: {done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


def configure(tmp_path: Path, disk: Path, floor_mb: int) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[library]\ndata_dir = "{disk / "lib"}"\n\n[recording]\nmin_free_mb = {floor_mb}\n')
    return config


def fill(disk: Path, leave_bytes: int, name: str = "filler") -> Path:
    """Use up the disk until ``leave_bytes`` are free (fallocate: real, instant)."""
    path = disk / name
    free = shutil.disk_usage(disk).free
    with open(path, "ab") as f:
        os.posix_fallocate(f.fileno(), f.tell(), max(0, free - leave_bytes))
    return path


def record(config: Path, seconds: float) -> subprocess.CompletedProcess:
    return kiosk("record", "--config", str(config), "--source", SOURCE, "--seconds", str(seconds),
                 "--library", str(Path(config.read_text().split('"')[1])))


def test_full_disk_refuses_to_record_and_keeps_earlier_looks(small_disk, tmp_path):
    config = configure(tmp_path, small_disk, floor_mb=8)
    first = record(config, 2)
    assert first.returncode == 0, first.stderr
    lib = small_disk / "lib"
    before = library_state(lib)
    fill(small_disk, leave_bytes=4 * MB)
    refused = record(config, 2)
    assert refused.returncode == 1
    assert "disk is almost full" in refused.stderr and "did not start" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert library_state(lib) == before
    assert list((lib / "work").iterdir()) == []
    for look in before.values():
        assert_playable_mp4(Path(look["path"]), seconds=2.0)


def test_disk_filling_mid_take_stops_it_cleanly(small_disk, tmp_path):
    config = configure(tmp_path, small_disk, floor_mb=8)
    lib = small_disk / "lib"
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    proc = subprocess.Popen(
        [PYTHON, "-m", "kiosk", "record", "--config", str(config), "--source", SOURCE, "--seconds", "12",
         "--library", str(lib)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 30
    while not list((lib / "work").glob("*/take.mp4")):
        assert proc.poll() is None and time.monotonic() < deadline, "the take never started"
        time.sleep(0.02)
    time.sleep(2.0)
    fill(small_disk, leave_bytes=4 * MB)  # below the 8 MB floor, enough to finish the take
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped early: the disk is almost full" in err
    look_id = out.strip().splitlines()[-1]
    look = library_state(lib)[look_id]
    assert 1.5 <= look["duration_s"] < 8.0
    stream = assert_playable_mp4(Path(look["path"]))
    assert float(stream["format"]["duration"]) == pytest.approx(look["duration_s"], abs=0.002)
    assert list((lib / "work").iterdir()) == []


def test_disk_full_to_the_last_byte_fails_plainly_and_corrupts_nothing(small_disk, tmp_path):
    config = configure(tmp_path, small_disk, floor_mb=1)
    first = record(config, 2)
    assert first.returncode == 0, first.stderr
    lib = small_disk / "lib"
    before = library_state(lib)
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    proc = subprocess.Popen(
        [PYTHON, "-m", "kiosk", "record", "--config", str(config), "--source", SOURCE, "--seconds", "12",
         "--library", str(lib)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 30
    while not list((lib / "work").glob("*/take.mp4")):
        assert proc.poll() is None and time.monotonic() < deadline, "the take never started"
        time.sleep(0.02)
    time.sleep(1.5)
    fill(small_disk, leave_bytes=0)
    out, err = proc.communicate(timeout=60)
    # Either it stopped at the floor and still fitted, or it failed; never a broken look.
    after = library_state(lib)
    for look_id, look in before.items():
        assert after[look_id] == look
        assert_playable_mp4(Path(look["path"]), seconds=2.0)
    if proc.returncode == 0:
        new = after[out.strip().splitlines()[-1]]
        assert_playable_mp4(Path(new["path"]))
    else:
        assert proc.returncode == 1 and "Traceback" not in err
        assert err.strip().splitlines()[-1] == "kiosk: the disk is full, so the recording was stopped and not kept"
        assert after == before
    (small_disk / "filler").unlink()
    recovered = json.loads(kiosk("looks", "recover", "--library", str(lib), "--json").stdout)
    assert recovered["salvaged"] == [] and recovered["missing_rows"] == [] and recovered["orphan_files"] == []
    assert list((lib / "work").iterdir()) == []
