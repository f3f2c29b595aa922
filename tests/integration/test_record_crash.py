"""SIGKILL mid-take: recovery yields a playable look or nothing, and the library stays consistent.

Also the mirror itself killed mid-take: a shopper's take comes back kept after their yes, and
does not come back at all without it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import PYTHON, ROOT
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
    again = recover(lib)
    assert again["salvaged"] == again["removed_takes"] == again["missing_rows"] == again["orphan_files"] == []
    assert again == dict.fromkeys(again, [])


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


def fragments(take: Path) -> int:
    """Complete ``moof`` boxes in a fragmented MP4 (each a keyframe group recovery can use)."""
    count, offset = 0, 0
    data = take.read_bytes() if take.exists() else b""
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size < 8 or offset + size > len(data):
            break
        count += kind == b"moof"
        offset += size
    return count


def kill_mirror_mid_take(lib: Path, consent: bool) -> dict:
    """The mirror (``mirror_child``) records a shopper's take; SIGKILL once three groups are on disk."""
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    # The child's log goes to a file beside the library: a child that dies before its take says why.
    errors = lib.parent / "mirror-child.log"
    with errors.open("w") as err:
        proc = subprocess.Popen(
            [PYTHON, "-m", "tests.integration.mirror_child", "take", str(lib), "yes" if consent else "no"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True, env=env,
        )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 90)
        assert ready, f"the mirror never started its take:\n{errors.read_text()}"
        line = proc.stdout.readline()
        assert line, f"the mirror ended before its take (status {proc.wait(10)}):\n{errors.read_text()}"
        info = json.loads(line)
        take = lib / "work" / info["look_id"] / "take.mp4"
        deadline = time.monotonic() + 60
        while fragments(take) < 3:
            assert proc.poll() is None, "the mirror stopped before it was killed"
            assert time.monotonic() < deadline, "the take never reached three keyframe groups"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    return info


def restart_mirror(lib: Path) -> dict:
    """Start the mirror again (recovery and start-up clean-up run) and stop it; its looks by id."""
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    result = subprocess.run([PYTHON, "-m", "tests.integration.mirror_child", "start", str(lib)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return {look["id"]: look for look in json.loads(result.stdout.strip().splitlines()[-1])}


def test_a_consented_take_cut_off_by_a_crash_comes_back_kept(tmp_path):
    lib = tmp_path / "lib"
    info = kill_mirror_mid_take(lib, consent=True)
    looks = restart_mirror(lib)
    assert list(looks) == [info["look_id"]]
    look = looks[info["look_id"]]
    assert (look["consent"], look["consent_by"], look["session_id"]) == ("granted", "customer", info["session_id"])
    assert look["duration_s"] >= 2.0
    assert_playable_mp4(Path(look["path"]))
    assert assert_consistent(lib) == library_state(lib)
    assert restart_mirror(lib) == looks  # and it stays


def test_a_take_cut_off_by_a_crash_without_a_yes_does_not_come_back(tmp_path):
    lib = tmp_path / "lib"
    info = kill_mirror_mid_take(lib, consent=False)
    report = recover(lib)
    assert report["unconsented"] == [info["look_id"]] and report["salvaged"] == []
    assert restart_mirror(lib) == {}
    assert assert_consistent(lib) == {}
    assert list((lib / "looks").iterdir()) == []
