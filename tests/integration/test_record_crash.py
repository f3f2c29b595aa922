"""SIGKILL mid-take: recovery yields a playable look or nothing, and the library stays consistent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PYTHON
from tests.integration.test_record_media import assert_playable_mp4, kiosk, library_state

pytestmark = pytest.mark.slow

SOURCE = "synthetic:?width=320&height=240&fps=30"


def kill_mid_take(lib: Path, after_s: float) -> None:
    """Start `kiosk record --library`, SIGKILL it ``after_s`` into its take."""
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    proc = subprocess.Popen(
        [PYTHON, "-m", "kiosk", "record", "--source", SOURCE, "--seconds", "20", "--library", str(lib)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not list((lib / "work").glob("*/take.mp4")):
            assert proc.poll() is None, "the recording ended before it was killed"
            assert time.monotonic() < deadline, "the take never started"
            time.sleep(0.02)
        time.sleep(after_s)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def assert_consistent(lib: Path) -> dict:
    looks = library_state(lib)
    for look in looks.values():
        for key in ("path", "poster_path", "strip_path"):
            assert Path(look[key]).is_file()
    ids = {p.name.split(".")[0] for p in (lib / "looks").iterdir()}
    assert ids == set(looks), "files without rows or rows without files"
    assert list((lib / "work").iterdir()) == []
    return looks


def recover(lib: Path) -> dict:
    result = kiosk("looks", "recover", "--library", str(lib), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_killed_mid_take_is_salvaged_into_a_playable_look(tmp_path):
    lib = tmp_path / "lib"
    kill_mid_take(lib, after_s=3.2)
    report = recover(lib)
    assert len(report["salvaged"]) == 1 and report["removed_takes"] == []
    looks = assert_consistent(lib)
    look = looks[report["salvaged"][0]]
    assert 1.0 <= look["duration_s"] <= 3.5
    stream = assert_playable_mp4(Path(look["path"]))
    assert float(stream["format"]["duration"]) == pytest.approx(look["duration_s"], abs=0.002)
    assert recover(lib) == {"salvaged": [], "removed_takes": [], "missing_rows": [], "orphan_files": [], "busy": []}


def test_killed_at_once_leaves_nothing(tmp_path):
    lib = tmp_path / "lib"
    kill_mid_take(lib, after_s=0.2)  # not one whole keyframe group written yet
    report = recover(lib)
    assert report["salvaged"] == [] and len(report["removed_takes"]) == 1
    assert assert_consistent(lib) == {}


def test_earlier_looks_survive_a_crash_and_startup_recovers(tmp_path):
    lib = tmp_path / "lib"
    first = kiosk("record", "--source", SOURCE, "--seconds", "1.5", "--library", str(lib))
    assert first.returncode == 0, first.stderr
    kept_id = first.stdout.strip().splitlines()[-1]
    kill_mid_take(lib, after_s=2.5)
    # The next recording's start-up runs the same recovery before it records.
    second = kiosk("record", "--source", SOURCE, "--seconds", "1.5", "--library", str(lib))
    assert second.returncode == 0, second.stderr
    looks = assert_consistent(lib)
    assert kept_id in looks and second.stdout.strip().splitlines()[-1] in looks
    assert len(looks) == 3  # the first, the salvaged one, the second
    for look in looks.values():
        assert_playable_mp4(Path(look["path"]))
