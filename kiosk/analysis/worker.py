"""The live analysis: frames from the hub, poses, facts, events — on a named "analysis" thread.

The worker takes the newest frame from its hub subscription (never queueing: frames that
arrive while the model runs are skipped and counted), at most ``max_fps`` times a second,
runs the pose model (in this thread, or in a child process with ``runner = "process"``),
feeds the body analyser and puts the results on the event bus: a ``PresenceSample`` for every
analysed frame (the core feeds it to the session state machine), yaw, turn phases, gestures.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from kiosk.analysis.body import BodyAnalyser, BodySettings
from kiosk.analysis.events import (
    AnalysisStatus,
    BodyYaw,
    GestureProgress,
    PersonPresenceChanged,
    PresenceSample,
    TurnPhase,
)
from kiosk.analysis.pose import PoseEstimator, PoseSettings
from kiosk.analysis.presence import Presence
from kiosk.analysis.turn import TurnBack, TurnEnded, TurnStarted, TurnUpdate
from kiosk.events import EventBus
from kiosk.errors import KioskError
from kiosk.hub import ConsumerThread, FrameHub, Subscription
from kiosk.metrics import RateMeter

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    pose: PoseSettings
    body: BodySettings
    max_fps: float = 15.0
    runner: str = "thread"  # "thread" | "process"
    nice: int = 10  # scheduling niceness of the analysis: the mirror's painting comes first


@dataclass(frozen=True)
class AnalysisStats:
    """How the analysis keeps up: analysed frames per second and capture-to-result latency."""

    state: str
    fps: float
    analysed: int
    skipped: int
    latency_ms: float  # mean over the last second or so
    model_ms: float  # mean time in the pose model


class AnalysisWorker:
    """Runs the body analysis on live frames; ``start``/``stop`` bracket the thread."""

    def __init__(self, hub: FrameHub, bus: EventBus, settings: WorkerSettings) -> None:
        self.hub = hub
        self.bus = bus
        self.settings = settings
        self.rate = RateMeter()
        self.analysed = 0
        self.state = "stopped"
        self._consumer = ConsumerThread(hub, "analysis", self._run, join_s=10.0)
        self._latency: list[float] = []
        self._model: list[float] = []

    def start(self) -> None:
        self._consumer.start()

    def stop(self) -> None:
        self._consumer.stop()

    def stats(self) -> AnalysisStats:
        lat, model = self._latency[-15:], self._model[-15:]
        return AnalysisStats(
            state=self.state,
            fps=round(self.rate.rate(), 1),
            analysed=self.analysed,
            skipped=self._consumer.subscription.stats.skipped if self._consumer.subscription else 0,
            latency_ms=round(1000 * sum(lat) / len(lat), 1) if lat else 0.0,
            model_ms=round(1000 * sum(model) / len(model), 1) if model else 0.0,
        )

    # -- the thread ---------------------------------------------------------------------------

    def _make_estimator(self):
        if self.settings.runner == "process":
            from kiosk.analysis.pose_process import ProcessPoseEstimator

            return ProcessPoseEstimator(self.settings.pose, nice=self.settings.nice)
        return PoseEstimator(self.settings.pose)

    def _run(self, sub: Subscription, stop: threading.Event) -> None:
        # Linux niceness is per thread and inherited by the threads the model starts from here,
        # so on a busy 2-core box the render thread gets the CPU first and analysis waits.
        _lower_priority(self.settings.nice)
        estimator = self._make_estimator()
        try:
            estimator.start()
        except KioskError as exc:
            self._set_state("failed", str(exc))
            _log.error("body analysis is off: %s", exc)
            return
        analyser = BodyAnalyser(self.settings.body)
        analyser.keep_track(False)
        interval = 1.0 / self.settings.max_fps
        due = 0.0
        self._set_state("running", f"analysing up to {self.settings.max_fps:g} frames a second")
        try:
            while not stop.is_set():
                frame = sub.next(timeout=0.5)
                if frame is None:
                    continue
                if frame.ts < due:
                    continue
                due = max(due + interval, frame.ts + interval * 0.5)
                began = time.monotonic()
                try:
                    pose = estimator.estimate(frame.pixels, frame.ts)
                except KioskError as exc:
                    self._set_state("failed", str(exc))
                    _log.error("body analysis stopped: %s", exc)
                    return
                done = time.monotonic()
                self._model = (self._model + [done - began])[-30:]
                self._latency = (self._latency + [done - frame.ts])[-30:]
                self.analysed += 1
                self.rate.tick(done)
                self._publish(analyser, analyser.feed(frame.ts, pose))
        finally:
            estimator.close()
            self._set_state("stopped", "analysis stopped")

    def _publish(self, analyser: BodyAnalyser, facts) -> None:
        bus = self.bus
        if facts.change is not None:
            presence = facts.change.presence
            bus.emit(PersonPresenceChanged(presence=presence.value, full_body=presence is Presence.FULL_BODY))
        state = analyser.presence.state
        bus.emit(PresenceSample(t=time.monotonic(), seen=state is not Presence.NOBODY,
                                full_body=state is Presence.FULL_BODY))
        if facts.yaw is not None:
            bus.emit(BodyYaw(t=facts.yaw.t, yaw_deg=round(facts.yaw.yaw_deg, 1),
                             rotation_deg=round(facts.yaw.rotation_deg, 1), turn_deg=round(analyser.turns.progress_deg, 1),
                             confidence=facts.yaw.confidence))
        for update in facts.turn:
            bus.emit(turn_event(update))
        for gesture in facts.gestures:
            bus.emit(GestureProgress(gesture=gesture.gesture, progress=gesture.progress, fired=gesture.fired))

    def _set_state(self, state: str, reason: str) -> None:
        self.state = state
        self.bus.emit(AnalysisStatus(state=state, reason=reason))


def _lower_priority(nice: int) -> None:
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError as exc:
        _log.info("could not lower the analysis priority (%s)", exc.strerror)


def turn_event(update: TurnUpdate) -> TurnPhase:
    """The bus event for one turn tracker update."""
    if isinstance(update, TurnStarted):
        return TurnPhase(phase="started", direction=update.direction, start_s=update.start_s)
    if isinstance(update, TurnBack):
        return TurnPhase(phase="back", direction=update.direction, start_s=None, back_s=update.back_s)
    assert isinstance(update, TurnEnded)
    turn = update.turn
    return TurnPhase(
        phase="completed" if turn.complete else "abandoned",
        direction=turn.direction,
        start_s=turn.start_s,
        back_s=turn.back_s,
        end_s=turn.end_s,
        rotation_deg=turn.rotation_deg,
        complete=turn.complete,
        track=tuple((s.t, round(s.yaw_deg, 1), round(s.rotation_deg, 1), s.confidence) for s in update.track),
    )
