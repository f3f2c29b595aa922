"""A small real tmpfs filled up: recording is refused or stopped cleanly, earlier looks still play."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from kiosk.recording.finisher import KEPT_WHEN_ROOM
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
    kept = []  # a take of no visit cut by the full disk, long enough: kept in work/ for the next start
    if proc.returncode != 0:
        assert proc.returncode == 1 and "Traceback" not in err
        said = err.strip().splitlines()[-1]
        if said == f"kiosk: {KEPT_WHEN_ROOM[0].lower()}{KEPT_WHEN_ROOM[1:-1]}":
            kept = [p.name for p in (lib / "work").iterdir()]
            assert len(kept) == 1
        else:
            assert said == "kiosk: the disk is full, so the recording was stopped and not kept"
        assert after == before
    (small_disk / "filler").unlink()
    recovered = json.loads(kiosk("looks", "recover", "--library", str(lib), "--json").stdout)
    assert recovered["salvaged"] == kept and recovered["missing_rows"] == [] and recovered["orphan_files"] == []
    for look_id in kept:  # what was written before the disk filled, whole
        assert_playable_mp4(Path(library_state(lib)[look_id]["path"]))
    assert list((lib / "work").iterdir()) == []


@pytest.mark.parametrize("room", ["none", "half", "all but the index"])
def test_disk_filling_while_a_take_is_finished_holds_no_space_and_keeps_the_take(small_disk, monkeypatch, room):
    # The free-space check passed, then the disk filled while take.mp4 was copied into final.mp4: at
    # its header ("none"), halfway, or at the index (faststart) written last. PyAV never closed a
    # final.mp4 whose header failed, so a descriptor to it, deleted with the take, held its space
    # until the kiosk ended; midway the half-copy stayed on the full disk.
    import errno
    import hashlib

    import kiosk.recording.container as container
    from kiosk.recording.container import remux_faststart, verify
    from tests.unit.test_recording_media import FPS, encode, open_files, write_take

    take, final = small_disk / "take.mp4", small_disk / "final.mp4"
    write_take(take, encode([i / FPS for i in range(3000)]))  # 100 s: an index of some 15 kB
    whole = remux_faststart(take, final)
    data = final.read_bytes()
    index = int.from_bytes(data[data.index(b"moov") - 4:][:4], "big")  # in front (faststart), written last
    final.unlink()
    digest = hashlib.sha256(take.read_bytes()).hexdigest()
    free = shutil.disk_usage(small_disk).free
    leave = {"none": 0, "half": len(data) // 2, "all but the index": len(data) - index // 2}[room]
    real = shutil.disk_usage
    monkeypatch.setattr(container.shutil, "disk_usage", lambda path: real(path)._replace(free=free))
    filler = fill(small_disk, leave_bytes=leave)
    with pytest.raises(Exception) as raised:  # which one: below, once the disk is checked
        remux_faststart(take, final)
    assert open_files(str(small_disk)) == [], "a file on the full disk is still open"
    assert not final.exists(), "the half-copy stays on the full disk"
    assert isinstance(raised.value, OSError) and raised.value.errno == errno.ENOSPC, raised.value
    assert str(raised.value) == "[Errno 28] No space left to finish take.mp4"
    filler.unlink()
    assert shutil.disk_usage(small_disk).free == free, "space still held once the filler is gone"
    assert hashlib.sha256(take.read_bytes()).hexdigest() == digest
    assert remux_faststart(take, final) == whole == verify(final)
