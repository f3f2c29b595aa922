"""The process runner's transport: frames through shared memory, poses back, and every way it can end."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.analysis.frame_segment import SEGMENT_NAME, FrameSegment
from kiosk.analysis.pose import PoseModelMissing
from kiosk.analysis.pose_process import PoseProcessCancelled, PoseProcessError, ProcessPoseEstimator
from tests.unit._estimators import FakeEstimator, FakeSettings, checksum


def segments_open() -> set[int]:
    """This process's open frame segments, by inode (memfds have no name in /dev/shm: they show here).

    One segment may hold two descriptors: ours and the one ``mmap`` keeps for itself.
    """
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(f"/memfd:{SEGMENT_NAME}"):
                found.add(os.stat(f"/proc/self/fd/{fd}").st_ino)
        except OSError:
            continue  # the fd of the listing itself
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def frame(height: int, width: int, seed: int) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    pixels.flags.writeable = False  # as the hub hands them out
    return pixels


@pytest.fixture
def runner():
    made = []

    def make(**settings) -> ProcessPoseEstimator:
        est = ProcessPoseEstimator(FakeSettings(**settings), factory=FakeEstimator, nice=0)
        made.append(est)
        return est

    yield make
    for est in made:
        est.close()


def test_frames_go_through_shared_memory_and_keep_their_timestamps(runner):
    shm_before = set(os.listdir("/dev/shm"))
    est = runner()
    est.start()
    pid = est.pid
    stamps = [1000.0 + i / 30 for i in range(5)]
    for i, t in enumerate(stamps):
        pixels = frame(240, 320, i)
        pose = est.estimate(pixels, t)
        assert pose.t == t
        assert pose.shape == (240, 320, 3)
        assert pose.checksum == checksum(pixels)  # the child saw exactly these pixels
        assert pose.pid == pid != os.getpid()
        assert est.last_cpu_s is not None and est.last_cpu_s >= 0
    assert len(segments_open()) == 1
    est.close()
    assert segments_open() == set()
    assert not alive(pid)
    assert set(os.listdir("/dev/shm")) == shm_before


def test_a_frame_larger_than_the_segment_gets_a_larger_segment(runner):
    est = runner()
    est.start()
    small, large = frame(120, 160, 1), frame(1080, 1920, 2)
    assert est.estimate(small, 1.0).checksum == checksum(small)
    first = est._segment.size
    pose = est.estimate(large, 2.0)
    assert pose.shape == (1080, 1920, 3) and pose.checksum == checksum(large)
    assert est._segment.size >= large.nbytes > first
    assert len(segments_open()) == 1  # the small one was let go
    again = est.estimate(small, 3.0)  # a smaller frame fits the large segment
    assert again.checksum == checksum(small) and again.shape == (120, 160, 3)
    crop = large[100:300, 200:500]  # not contiguous: copied once on the way
    assert est.estimate(crop, 4.0).checksum == checksum(crop)


def test_a_killed_child_is_reported_and_leaves_nothing_behind(runner):
    est = runner()
    est.start()
    est.estimate(frame(60, 80, 0), 1.0)
    pid = est.pid
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(PoseProcessError, match="killed by SIGKILL"):
        est.estimate(frame(60, 80, 1), 2.0)
    est.close()
    assert segments_open() == set()
    assert not alive(pid)
    est.start()  # the same estimator starts a new child
    assert est.pid != pid
    assert est.estimate(frame(60, 80, 2), 3.0).t == 3.0


def test_a_child_that_exits_in_the_middle_of_a_frame(runner):
    est = runner(exit_on_frame=2)
    est.start()
    est.estimate(frame(60, 80, 0), 1.0)
    with pytest.raises(PoseProcessError, match="exited with status 3"):
        est.estimate(frame(60, 80, 1), 2.0)
    est.close()
    assert segments_open() == set()


def test_stop_while_the_child_is_busy(runner, tmp_path):
    busy = tmp_path / "busy"
    est = runner(sleep_s=600, busy_file=str(busy))
    est.start()
    pid = est.pid
    outcome = []

    def analyse():
        try:
            est.estimate(frame(60, 80, 0), 1.0)
        except (PoseProcessError, PoseProcessCancelled) as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=analyse)
    waiting.start()
    while not busy.exists() and waiting.is_alive():
        waiting.join(0.05)
    est.cancel()
    waiting.join(30)
    assert not waiting.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], PoseProcessCancelled)
    closing = threading.Thread(target=est.close)
    closing.start()
    closing.join(30)  # the child is in a 600 s sleep: it is killed, not waited for
    assert not closing.is_alive()
    assert not alive(pid)
    assert segments_open() == set()


def test_a_missing_model_is_raised_as_itself(runner):
    est = runner(fail_start="model")
    with pytest.raises(PoseModelMissing, match="model_complexity = 2"):
        est.start()
    assert est.pid is None


def test_a_child_that_cannot_start_says_why(runner):
    est = runner(fail_start="no GL context")
    with pytest.raises(PoseProcessError, match="RuntimeError: no GL context"):
        est.start()


def test_reset_reaches_the_estimator_in_the_child(runner):
    est = runner()
    est.start()
    assert est.estimate(frame(60, 80, 0), 1.0).resets == 0
    est.reset()
    assert est.estimate(frame(60, 80, 0), 2.0).resets == 1


def test_the_child_runs_at_lower_priority_than_the_kiosk():
    est = ProcessPoseEstimator(FakeSettings(), factory=FakeEstimator, nice=7)
    try:
        est.start()
        assert os.getpriority(os.PRIO_PROCESS, est.pid) == min(os.getpriority(os.PRIO_PROCESS, 0) + 7, 19)
    finally:
        est.close()


def test_the_segment_refuses_what_does_not_fit():
    segment = FrameSegment.create(1000)
    try:
        with pytest.raises(Exception, match="does not fit"):
            segment.write(np.zeros((100, 100, 3), np.uint8), 0.0)
        header = segment.write(np.full((10, 10, 3), 7, np.uint8), 5.0)
        view = segment.view(header)
        assert view.shape == (10, 10, 3) and int(view.sum()) == 7 * 300 and header.t == 5.0
        assert not view.flags.writeable
        del view
    finally:
        segment.close()
    assert segments_open() == set()


def test_the_child_ends_when_the_kiosk_is_killed(tmp_path):
    import subprocess
    import sys
    import time

    script = (
        "import sys\n"
        "from kiosk.analysis.pose_process import ProcessPoseEstimator\n"
        "from tests.unit._estimators import FakeEstimator, FakeSettings\n"
        "est = ProcessPoseEstimator(FakeSettings(), factory=FakeEstimator, nice=0)\n"
        "est.start()\n"
        "print(est.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    kiosk = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             cwd=str(Path(__file__).resolve().parents[2]))
    try:
        child = int(kiosk.stdout.readline())
        assert alive(child)
        kiosk.kill()
        kiosk.wait()
        deadline = time.monotonic() + 30
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)  # it saw its pipe close and left
    finally:
        kiosk.kill()
        kiosk.wait()


def test_idle_priority_puts_the_child_in_the_idle_scheduling_class():
    est = ProcessPoseEstimator(FakeSettings(), factory=FakeEstimator, nice=0, idle=True)
    try:
        est.start()
        assert os.sched_getscheduler(est.pid) == os.SCHED_IDLE
        assert est.estimate(frame(60, 80, 0), 1.0).t == 1.0
    finally:
        est.close()


def test_an_estimator_that_cannot_cross_over_is_refused_cleanly():
    est = ProcessPoseEstimator(FakeSettings(), factory=lambda settings: FakeEstimator(settings), nice=0)
    with pytest.raises(PoseProcessError, match="cannot be handed"):
        est.start()
    assert est.pid is None and segments_open() == set()


def test_the_child_is_given_no_display(runner, monkeypatch):
    # On a display mediapipe opens an EGL context the CPU model never uses (52 MB), and under
    # cage that first X client starts cage's Xwayland.
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("KIOSK_PROBE", "kept")
    est = runner()
    est.start()
    environ = dict(item.split(b"=", 1) for item in Path(f"/proc/{est.pid}/environ").read_bytes().split(b"\0") if item)
    assert b"DISPLAY" not in environ and b"WAYLAND_DISPLAY" not in environ
    assert environ[b"KIOSK_PROBE"] == b"kept"
