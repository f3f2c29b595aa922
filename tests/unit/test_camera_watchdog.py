"""Camera sources: stamping, pacing, and the watchdog that reopens a stalled camera."""

import threading
import time

import numpy as np
import pytest

from hardware.camera_base import CameraSource, SourceOpenError, SourceState, WatchdogPolicy
from hardware.camera_synthetic import SyntheticSource, decode_stamp

FAST = WatchdogPolicy(timeout_s=0.3, backoff_initial_s=0.05, backoff_max_s=0.2)


class Recorder:
    def __init__(self):
        self.frames = []
        self.states = []
        self.lock = threading.Lock()

    def frame(self, f):
        with self.lock:
            self.frames.append(f)

    def state(self, s, reason):
        with self.lock:
            self.states.append((s, reason))

    def wait(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.01)
        return False


class ScriptedCamera(CameraSource):
    """A device that hangs in read (like an unplugged USB camera) while ``hang`` is set."""

    def __init__(self):
        super().__init__("scripted", FAST)
        self.hang = threading.Event()
        self.unplugged = threading.Event()
        self.opens = 0

    def _open(self):
        if self.unplugged.is_set():
            raise SourceOpenError("camera is not plugged in")
        self.opens += 1
        return Handle()

    def _grab(self, device):
        while self.hang.is_set():
            time.sleep(0.01)  # a blocking read that never returns a picture
        time.sleep(0.01)
        assert not device.closed, "read from a device handle that was closed under it"
        return np.zeros((8, 8, 3), np.uint8)

    def _close(self, device):
        device.closed = True


class Handle:
    """One opening of a scripted device."""

    def __init__(self):
        self.closed = False


class StuckOnceCamera(ScriptedCamera):
    """The first opening hangs in a read until released; later openings work."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()
        self.handles = []
        self.errors = []

    def _open(self):
        handle = super()._open()
        self.handles.append(handle)
        return handle

    def _grab(self, device):
        if device is self.handles[0] and not self.release.is_set():
            self.release.wait(5)  # stuck in the driver; returns only after the watchdog moved on
        if device.closed:
            self.errors.append("a read on a closed handle")
        return super()._grab(device)


def test_frames_are_stamped_with_monotonic_time_and_increasing_seq():
    src = SyntheticSource(320, 180, 60)
    rec = Recorder()
    before = time.monotonic()
    src.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: len(r.frames) >= 10)
    finally:
        src.stop()
    frames = rec.frames
    assert [f.seq for f in frames[:10]] == list(range(1, 11))
    assert all(before <= a.ts <= b.ts for a, b in zip(frames, frames[1:]))
    seq, ms = decode_stamp(frames[5].pixels)
    assert seq == frames[5].seq and abs(ms - round(frames[5].ts * 1000) % 2**32) <= 1
    assert src.state == SourceState.STOPPED


def test_synthetic_picture_is_left_right_asymmetric():
    src = SyntheticSource(640, 360, 30)
    src._open()
    image = src._render(1, 0.0).astype(int)
    assert not np.array_equal(image, image[:, ::-1])
    left, right = image[:, :320], image[:, 320:]
    assert (left[..., 2] > 200).sum() > 1000 and (right[..., 0] > 200).sum() > 1000  # red left, blue right


def test_watchdog_reopens_a_stalled_camera_and_frames_resume():
    cam = ScriptedCamera()
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: len(r.frames) > 5)
        cam.hang.set()
        assert rec.wait(lambda r: any(s == SourceState.UNAVAILABLE for s, _ in r.states), 3)
        reason = [why for s, why in rec.states if s == SourceState.UNAVAILABLE][0]
        assert "no picture for 0.3 s" in reason
        count = len(rec.frames)
        cam.hang.clear()
        assert rec.wait(lambda r: len(r.frames) > count + 5, 5)
        assert rec.states[-1][0] == SourceState.RUNNING
        assert cam.stats.reconnects >= 1 and cam.opens >= 2
        seqs = [f.seq for f in rec.frames]
        assert seqs == sorted(set(seqs)), "sequence numbers keep increasing across the reconnect"
    finally:
        cam.hang.clear()
        cam.stop()


def test_a_read_that_returns_after_the_watchdog_moved_on_closes_only_its_own_handle():
    # The abandoned generation's late return used to release the device the next generation
    # had just opened (a shared handle): FFmpeg aborted the kiosk on a file camera that hung.
    cam = StuckOnceCamera()
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: any(s == SourceState.UNAVAILABLE for s, _ in r.states), 3)
        assert rec.wait(lambda r: len(cam.handles) >= 2 and len(r.frames) >= 3, 5)
        cam.release.set()  # the stuck read returns now, long after its generation was retired
        assert rec.wait(lambda r: cam.handles[0].closed, 3), "the abandoned opening was never closed"
        count = len(rec.frames)
        assert rec.wait(lambda r: len(r.frames) >= count + 10, 3), "frames stopped after the old read returned"
        assert not cam.handles[-1].closed and not cam.errors
    finally:
        cam.release.set()
        cam.stop()


def test_unplugged_camera_is_retried_with_backoff_and_picked_up_again():
    cam = ScriptedCamera()
    cam.unplugged.set()
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: any("not plugged in" in why for _, why in r.states), 2)
        time.sleep(0.5)
        assert not rec.frames
        cam.unplugged.clear()  # plugged back in
        assert rec.wait(lambda r: len(r.frames) >= 3, 3)
    finally:
        cam.stop()


def test_reconnects_count_the_camera_coming_back_not_the_tries_while_it_is_away():
    cam = ScriptedCamera()
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: len(r.frames) >= 3)
        cam.hang.set()  # unplugged mid-read: the device still opens, but no read ever returns
        assert rec.wait(lambda r: cam.opens >= 4, 10), "three backed-off tries that open and hang"
        assert cam.stats.reconnects == 0, "a camera that is away has not reconnected, however often it is tried"
        cam.unplugged.set()  # then gone altogether: the tries fail to open
        failures = cam.stats.open_failures
        assert rec.wait(lambda r: cam.stats.open_failures >= failures + 2, 10)
        assert cam.stats.reconnects == 0 and cam.stats.open_failures >= 4
        count = len(rec.frames)
        cam.hang.clear()
        cam.unplugged.clear()  # plugged back in
        assert rec.wait(lambda r: len(r.frames) >= count + 5, 5)
        failures = cam.stats.open_failures
        assert cam.stats.reconnects == 1
        time.sleep(0.5)  # more than a watchdog period of pictures: nothing more is counted
        assert (cam.stats.reconnects, cam.stats.open_failures) == (1, failures)
    finally:
        cam.hang.clear()
        cam.stop()


def test_a_camera_absent_at_start_is_not_counted_as_reconnected_when_it_comes():
    cam = ScriptedCamera()
    cam.unplugged.set()
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: cam.stats.open_failures >= 2, 5)
        cam.unplugged.clear()
        assert rec.wait(lambda r: len(r.frames) >= 3, 5)
        assert cam.stats.reconnects == 0
    finally:
        cam.stop()


@pytest.mark.parametrize("seconds", [0.0])
def test_synthetic_stall_simulates_a_frozen_camera(seconds):
    src = SyntheticSource(160, 120, 50, stall_at=0.2, stall_for=1.0, watchdog=FAST)
    rec = Recorder()
    src.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: any(s == SourceState.UNAVAILABLE for s, _ in r.states), 3)
        assert rec.wait(lambda r: r.states[-1][0] == SourceState.RUNNING and len(r.frames) > 20, 5)
    finally:
        src.stop()
    assert src.stats.reconnects >= 1


class OpensButFailsCamera(CameraSource):
    """Opens every time, then fails every read (as a camera whose USB link drops the stream)."""

    def __init__(self, policy):
        super().__init__("opens-but-fails", policy)
        self.opened_at = []
        self.good_reads = 0  # reads that give a picture, from the next opening on

    def _open(self):
        self.opened_at.append(time.monotonic())
        return Handle()

    def _grab(self, device):
        if self.good_reads > 0:
            self.good_reads -= 1
            time.sleep(0.01)
            return np.zeros((8, 8, 3), np.uint8)
        raise SourceOpenError("camera stopped sending pictures")

    def _close(self, device):
        device.closed = True


BACKING_OFF = WatchdogPolicy(timeout_s=0.3, backoff_initial_s=0.05, backoff_max_s=0.4, healthy_s=0.3)


def test_a_camera_that_opens_and_fails_every_read_backs_off_to_the_cap():
    cam = OpensButFailsCamera(BACKING_OFF)
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: len(cam.opened_at) >= 7, 10)
    finally:
        cam.stop()
    gaps = [b - a for a, b in zip(cam.opened_at, cam.opened_at[1:])]
    assert gaps[2] >= 0.2 and min(gaps[4:6]) >= 0.4, gaps  # 0.05, 0.1, 0.2, 0.4, 0.4, ...: not 0.05 for ever
    reasons = [why for s, why in rec.states if s == SourceState.UNAVAILABLE]
    assert reasons[0] == "camera stopped sending pictures; it fails soon after opening, next try in 0.05 s"
    assert reasons[-1] == "camera stopped sending pictures; it fails soon after opening, next try in 0.4 s"
    assert not rec.frames and cam.stats.reconnects == 0, "it never came back"
    assert cam.stats.open_failures >= 6


def test_a_camera_that_gave_pictures_for_a_healthy_while_is_reopened_at_once():
    cam = OpensButFailsCamera(BACKING_OFF)
    rec = Recorder()
    cam.start(rec.frame, rec.state)
    try:
        assert rec.wait(lambda r: any("next try in 0.4 s" in why for _, why in r.states), 10)
        cam.good_reads = 60  # about 0.6 s of pictures from the next opening on, then failing reads again
        assert rec.wait(lambda r: len(r.frames) == 60 and r.states[-1][0] == SourceState.UNAVAILABLE, 10)
        assert rec.states[-1][1] == "camera stopped sending pictures"  # no backing off after a healthy run
        assert rec.wait(lambda r: "next try in" in r.states[-1][1], 10)
        assert rec.states[-1][1].endswith("next try in 0.1 s")  # the backoff started again from its first step
    finally:
        cam.stop()
