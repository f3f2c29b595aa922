"""The live analysis worker around a stand-in estimator: pacing, timestamps, failures, restarts, stop."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from hardware.frames import Frame
from kiosk.analysis import worker as worker_module
from kiosk.analysis.body import BodyAnalyser, BodySettings
from kiosk.analysis.events import AnalysisStatus, BodyYaw
from kiosk.analysis.worker import AnalysisWorker, WorkerSettings
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from tests.unit._estimators import FakeEstimator, FakeSettings


class Camera:
    """Publishes small frames to a hub at about 30 a second, from its own thread, until stopped."""

    def __init__(self, hub: FrameHub) -> None:
        self.hub = hub
        self.stamps: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-camera", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        seq = 0
        while not self._stop.wait(1 / 30):
            seq += 1
            ts = time.monotonic()
            self.stamps.append(ts)
            self.hub.publish(Frame.wrap(self.picture(ts, seq), ts, seq))

    def picture(self, ts: float, seq: int) -> np.ndarray:
        return np.full((48, 64, 3), seq % 256, np.uint8)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def make_worker(runner: str = "process", painted_fps=None, **fake) -> tuple[AnalysisWorker, list]:
    hub, bus = FrameHub(), EventBus()
    events: list = []
    bus.subscribe(events.append)
    settings = WorkerSettings(FakeSettings(**fake), BodySettings(), max_fps=15.0, runner=runner, nice=0,
                              estimator=FakeEstimator)
    return AnalysisWorker(hub, bus, settings, painted_fps), events


def statuses(events) -> list[AnalysisStatus]:
    return [e for e in events if isinstance(e, AnalysisStatus)]


@pytest.mark.parametrize("runner", ["process", "thread"])
def test_poses_carry_their_frames_capture_times(runner):
    worker, events = make_worker(runner)
    with Camera(worker.hub) as camera:
        worker.start()
        try:
            wait_for(lambda: len([e for e in events if isinstance(e, BodyYaw)]) >= 10)
        finally:
            worker.stop()
    yaws = [e.t for e in events if isinstance(e, BodyYaw)]
    assert set(yaws) <= set(camera.stamps)  # every result is stamped with a real capture time
    # with how far across the picture the body reached (a look's crop is made of these)
    assert all(e.extent is not None and e.extent[0] < e.extent[1] for e in events if isinstance(e, BodyYaw))
    assert yaws == sorted(yaws) and len(set(yaws)) == len(yaws)
    assert [s.state for s in statuses(events)][-3:] == ["starting", "running", "stopped"]
    stats = worker.stats()
    assert stats.analysed >= 10 and stats.restarts == 0 and stats.runner == runner
    if runner == "process":
        assert stats.model_cpu_ms is not None


def test_a_dead_child_is_reported_and_restarted(monkeypatch):
    monkeypatch.setattr(worker_module, "BACKOFF_FIRST_S", 0.2)
    worker, events = make_worker(exit_on_frame=3)  # every child dies on its third frame
    with Camera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: worker.restarts >= 2 and worker.state == "running")
        finally:
            worker.stop()
    restarting = [s.reason for s in statuses(events) if s.state == "restarting"]
    assert "exited with status 3" in restarting[0] and "restarting in 0.2 s" in restarting[0]
    assert "restarting in 0.4 s" in restarting[1]  # the backoff doubles
    assert worker.analysed >= 4  # two frames from each child before it died
    assert worker.stats().restarts >= 2


def test_a_killed_child_is_restarted(monkeypatch):
    monkeypatch.setattr(worker_module, "BACKOFF_FIRST_S", 0.1)
    worker, events = make_worker()
    with Camera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: worker.analysed >= 3)
            first = worker._estimator.pid
            os.kill(first, 9)
            wait_for(lambda: worker.restarts == 1 and worker.state == "running" and worker._estimator is not None)
            analysed = worker.analysed
            wait_for(lambda: worker.analysed > analysed + 2)
            assert worker._estimator.pid != first
        finally:
            worker.stop()
    assert any("killed by SIGKILL" in s.reason for s in statuses(events) if s.state == "restarting")


def test_an_error_in_the_trackers_is_survived(monkeypatch):
    monkeypatch.setattr(worker_module, "BACKOFF_FIRST_S", 0.1)
    feed = BodyAnalyser.feed
    calls = {"n": 0}

    def flaky(self, t, pose):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("a pose the trackers could not take")
        return feed(self, t, pose)

    monkeypatch.setattr(BodyAnalyser, "feed", flaky)
    worker, events = make_worker("thread")
    with Camera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: worker.restarts == 1 and worker.state == "running" and calls["n"] > 5)
        finally:
            worker.stop()
    reasons = [s.reason for s in statuses(events) if s.state == "restarting"]
    assert "the body trackers failed" in reasons[0] and "could not take" in reasons[0]


def test_a_missing_model_fails_for_good():
    worker, events = make_worker(fail_start="model")
    worker.start()
    try:
        wait_for(lambda: worker.state == "failed")
    finally:
        worker.stop()
    assert worker.restarts == 0
    failed = [s for s in statuses(events) if s.state == "failed"]
    assert "model_complexity = 2" in failed[0].reason


def test_stop_while_the_model_is_busy(tmp_path):
    busy = tmp_path / "busy"
    worker, events = make_worker(sleep_s=600, busy_file=str(busy))
    with Camera(worker.hub):
        worker.start()
        wait_for(busy.exists)
        pid = worker._estimator.pid
        worker.stop()  # the child is 600 s into a frame: stopping must not wait for it
    assert worker.state == "stopped"
    wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z")
    assert not [s for s in statuses(events) if s.state in ("restarting", "failed")]


def test_health_says_what_the_analysis_is_doing(monkeypatch):
    monkeypatch.setattr(worker_module, "BACKOFF_FIRST_S", 30.0)
    worker, _ = make_worker()
    assert worker.health() == (False, "stopped")
    with Camera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: worker.analysed >= 2)
            ok, detail = worker.health()
            assert ok and detail.startswith("analysing") and "in a separate process" in detail
            os.kill(worker._estimator.pid, 9)
            wait_for(lambda: worker.state == "restarting")
            ok, detail = worker.health()
            assert not ok
            assert detail == "restarting: the pose process was killed by SIGKILL; restarting in 30 s"
        finally:
            worker.stop()  # also ends the 30 s backoff wait
    assert worker.state == "stopped"


def test_the_worker_paces_itself_by_the_painted_rate():
    painted = {"fps": 30.0}
    worker, _ = make_worker(painted_fps=lambda: painted["fps"])
    assert worker.stats().target_fps == 2.0  # a watched mirror: start at the floor
    with Camera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: worker.stats().target_fps >= 4.0)  # smooth painting: it speeds up
            painted["fps"] = 3.0  # the mirror now paints a tenth of the camera's frames
            wait_for(lambda: worker.stats().target_fps < 4.0)
        finally:
            worker.stop()


def test_stop_while_the_model_loads():
    worker, events = make_worker(start_s=600)
    worker.start()
    wait_for(lambda: worker.state == "starting" and worker._estimator is not None and worker._estimator.pid)
    pid = worker._estimator.pid
    worker.stop()  # ten minutes of loading left: stopping must not wait for them
    assert worker.state == "stopped"
    wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z")
    assert not [s for s in statuses(events) if s.state in ("restarting", "failed")]


def test_trackers_that_cannot_be_built_are_reported_and_retried(monkeypatch):
    monkeypatch.setattr(worker_module, "BACKOFF_FIRST_S", 0.1)
    calls = {"n": 0}

    class FlakyAnalyser(BodyAnalyser):
        def __init__(self, settings=None):
            calls["n"] += 1
            if calls["n"] == 1:
                raise ValueError("a tracker setting it could not take")
            super().__init__(settings)

    monkeypatch.setattr(worker_module, "BodyAnalyser", FlakyAnalyser)
    worker, events = make_worker("thread")
    with Camera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: worker.restarts == 1 and worker.state == "running" and worker.analysed >= 2)
        finally:
            worker.stop()
    reasons = [s.reason for s in statuses(events) if s.state == "restarting"]
    assert "the body trackers failed" in reasons[0] and "could not take" in reasons[0]
    assert "restarting in 0.1 s" in reasons[0]
