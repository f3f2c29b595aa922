"""The live analysis: frames from the hub, poses, facts, events, on a named "analysis" thread.

The worker analyses the newest frame at a steady pace (``Pacer``: up to ``max_fps``, less
while the mirror paints fewer frames than the camera gives), never queueing: frames in
between are skipped and counted, and every pose keeps its frame's capture time. The pose
model runs in a child process by default (``runner = "process"``, ``pose_process``): the
kiosk's side only copies the frame into shared memory and waits, so the mirror's Python
threads never wait for the GIL behind the model, and the child runs at low priority. With
``runner = "thread"`` it runs in this thread instead. Results go on the event bus: a
``PresenceSample`` for every analysed frame (the core feeds it to the session state
machine), yaw, turn phases, gestures.

The loop survives anything: a dead or hung child, or any error in the model or the trackers,
is reported (``state`` "restarting" with the reason, on the bus as ``AnalysisStatus`` and in
``stats()``), and the estimator is started again after a backoff that doubles up to a minute.
Only a setting that cannot work (a missing model) stops it for good ("failed").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.analysis.body import BodyAnalyser, BodySettings
from kiosk.analysis.flow import with_flow
from kiosk.analysis.events import (
    AnalysisStatus,
    BodyYaw,
    GestureProgress,
    PersonPresenceChanged,
    PresenceSample,
    TurnPhase,
)
from kiosk.analysis.pacer import Pacer, PacerSettings
from kiosk.analysis.pose import PoseEstimator, PoseSettings
from kiosk.analysis.pose_process import PoseProcessCancelled, PoseProcessError
from kiosk.analysis.presence import Presence
from kiosk.analysis.scheduling import lower_priority
from kiosk.analysis.turn import TurnBack, TurnEnded, TurnStarted, TurnUpdate
from kiosk.events import EventBus
from kiosk.errors import KioskError
from kiosk.hub import ConsumerThread, FrameHub, Subscription
from kiosk.metrics import RateMeter

_log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 60.0
HEALTHY_S = 60.0  # running this long without a failure resets the backoff


@dataclass(frozen=True)
class WorkerSettings:
    pose: PoseSettings
    body: BodySettings
    max_fps: float = 15.0
    runner: str = "process"  # "process" | "thread"
    nice: int = 10  # scheduling niceness of the model: the mirror's painting comes first
    min_fps: float = 2.0  # the pacer never goes below this
    idle: bool = False  # the model in Linux's idle scheduling class (only CPU time nobody else wants)
    #: Builds the estimator from ``pose`` (``start``/``estimate``/``reset``/``close``); importable
    #: by name, since the process runner builds it in the child. Default: ``PoseEstimator``.
    estimator: Callable[[Any], Any] = PoseEstimator


@dataclass(frozen=True)
class AnalysisStats:
    """How the analysis keeps up: analysed frames per second and capture-to-result latency."""

    state: str
    fps: float
    analysed: int
    skipped: int
    latency_ms: float  # capture to pose, mean over the last frames
    model_ms: float  # mean wall time of one estimate, as the worker waits for it
    reason: str = ""
    restarts: int = 0
    target_fps: float = 0.0  # the pacer's rate now
    model_cpu_ms: float | None = None  # CPU time of one estimate in the child (process runner only)
    runner: str = ""


class _AnalyserFailed(Exception):
    """The trackers (not the model) raised: they are rebuilt on restart."""


class AnalysisWorker:
    """Runs the body analysis on live frames; ``start``/``stop`` bracket the thread."""

    def __init__(self, hub: FrameHub, bus: EventBus, settings: WorkerSettings,
                 painted_fps: Callable[[], float] | None = None) -> None:
        self.hub = hub
        self.bus = bus
        self.settings = settings
        self.rate = RateMeter()
        self.pacer = Pacer(PacerSettings(max_fps=settings.max_fps, min_fps=min(settings.min_fps, settings.max_fps)))
        # The mirror's painted frames a second (the window's paint probe); None: headless.
        self.pacer.watch(painted_fps)
        self.analysed = 0
        self.restarts = 0
        self.state = "stopped"
        self.reason = ""
        self._consumer = ConsumerThread(hub, "analysis", self._run, join_s=10.0)
        self._latency: list[float] = []
        self._model: list[float] = []
        self._cpu: list[float] = []
        self._lock = threading.Lock()
        self._stopping = False
        self._estimator = None
        self._pace_fps: float | None = None  # a lower cap while the screen is dark (``pace``)

    def start(self) -> None:
        with self._lock:
            self._stopping = False
        self._consumer.start()

    def stop(self) -> None:
        """Stop now, even in the middle of a frame or while the model loads."""
        with self._lock:
            self._stopping = True
            estimator = self._estimator
        if estimator is not None and hasattr(estimator, "cancel"):
            estimator.cancel()
        self._consumer.stop()

    def pace(self, fps: float | None) -> None:
        """Analyse at most ``fps`` frames a second from now on (None: ``max_fps`` again); any thread."""
        self._pace_fps = fps

    def stats(self) -> AnalysisStats:
        lat, model, cpu = self._latency[-15:], self._model[-15:], self._cpu[-15:]
        return AnalysisStats(
            state=self.state,
            fps=round(self.rate.rate(), 1),
            analysed=self.analysed,
            skipped=self._consumer.subscription.stats.skipped if self._consumer.subscription else 0,
            latency_ms=_mean_ms(lat),
            model_ms=_mean_ms(model),
            reason=self.reason,
            restarts=self.restarts,
            target_fps=round(self.pacer.rate(), 1),
            model_cpu_ms=_mean_ms(cpu) if cpu else None,
            runner=self.settings.runner,
        )

    def health(self) -> tuple[bool, str]:
        """Whether the analysis is doing its job, and what it is doing, in plain words."""
        stats = self.stats()
        restarted = f"; restarted {stats.restarts} time{'s' if stats.restarts != 1 else ''}" if stats.restarts else ""
        if stats.state == "running":
            where = "in a separate process" if stats.runner == "process" else "in a thread"
            return True, f"analysing {stats.fps:g} frames a second {where}{restarted}"
        if stats.state == "starting":
            return True, f"{stats.reason}{restarted}"
        return False, f"{stats.state}: {stats.reason}" if stats.reason else stats.state

    # -- the thread ---------------------------------------------------------------------------

    def _make_estimator(self):
        s = self.settings
        if s.runner == "process":
            from kiosk.analysis.pose_process import ProcessPoseEstimator

            return ProcessPoseEstimator(s.pose, nice=s.nice, idle=s.idle, factory=s.estimator)
        return s.estimator(s.pose)

    def _make_analyser(self) -> BodyAnalyser:
        """Fresh trackers; what fails in building them is retried like a failure while feeding them."""
        try:
            analyser = BodyAnalyser(self.settings.body)
            analyser.keep_track(False)
        except Exception as exc:
            raise _AnalyserFailed(str(exc)) from exc
        return analyser

    def _run(self, sub: Subscription, stop: threading.Event) -> None:
        if self.settings.runner == "thread":
            # The model's threads inherit this thread's priority. (In a process the child lowers
            # its own; this thread then stays at normal priority, as it takes the GIL to publish.)
            lower_priority(self.settings.nice, self.settings.idle)
        analyser = None
        delay = BACKOFF_FIRST_S
        try:
            while not self._stopped(stop):
                began = time.monotonic()
                try:
                    if analyser is None:
                        analyser = self._make_analyser()
                    self._analyse(sub, stop, analyser)
                    return
                except PoseProcessCancelled:
                    return
                except KioskError as exc:
                    if not isinstance(exc, PoseProcessError) and self.analysed == 0:
                        # A setting that cannot work (e.g. the model is not installed): retrying won't help.
                        self._set_state("failed", str(exc))
                        _log.error("body analysis is off: %s", exc)
                        return
                    failure = str(exc)
                    _log.error("body analysis failed: %s", failure)
                except _AnalyserFailed as exc:
                    analyser = None
                    failure = f"the body trackers failed ({exc.__cause__!r})"
                    _log.error("body analysis failed in the trackers", exc_info=exc.__cause__)
                except Exception as exc:  # the loop must survive anything: report, back off, retry
                    failure = f"{type(exc).__name__}: {exc}"
                    _log.exception("body analysis failed")
                if self._stopped(stop):
                    return
                if time.monotonic() - began > HEALTHY_S:
                    delay = BACKOFF_FIRST_S
                self.restarts += 1
                self._set_state("restarting", f"{failure}; restarting in {delay:g} s")
                stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
        finally:
            if self.state != "failed":  # a failure stays visible in health until the next start
                self._set_state("stopped", "analysis stopped")

    def _analyse(self, sub: Subscription, stop: threading.Event, analyser: BodyAnalyser) -> None:
        """Start an estimator and analyse until stopped; raises what went wrong."""
        estimator = self._make_estimator()
        with self._lock:
            if self._stopping:
                return
            self._estimator = estimator
        try:
            self._set_state("starting", "the pose model is loading")
            estimator.start()
            self._set_state("running", f"analysing up to {self.settings.max_fps:g} frames a second ({self.settings.runner})")
            due = 0.0
            while not self._stopped(stop):
                frame, due = self._next_frame(sub, stop, due)
                if frame is None:
                    continue
                previous = self.hub.before(frame)  # taken now: the hub keeps only the last two
                began = time.monotonic()
                pose = estimator.estimate(frame.pixels, frame.ts)
                done = time.monotonic()
                if previous is not None:
                    pose = with_flow(pose, (previous.ts, previous.pixels), frame.pixels, self.settings.pose.rotation)
                self._count(began, done, frame.ts, getattr(estimator, "last_cpu_s", None))
                try:
                    self._publish(analyser, analyser.feed(frame.ts, pose))
                except Exception as exc:
                    raise _AnalyserFailed(str(exc)) from exc
        finally:
            with self._lock:
                self._estimator = None
            estimator.close()

    def _next_frame(self, sub: Subscription, stop: threading.Event, due: float):
        """The newest frame once the next one is due (sleeping till then, not waking per frame)."""
        now = time.monotonic()
        interval = 1.0 / min(self.pacer.update(now, self.hub.published), self._pace_fps or float("inf"))
        if due > now:
            stop.wait(due - now)
        frame = sub.next(timeout=0.5)
        if frame is None:
            return None, due
        if frame.ts < due - interval:  # an old frame still unseen after the wait: take a newer one
            return None, due
        # A steady grid of due times, never lagging more than half an interval behind the camera.
        return frame, max(due + interval, frame.ts + interval * 0.5)

    def _count(self, began: float, done: float, ts: float, cpu_s: float | None) -> None:
        self._model = (self._model + [done - began])[-30:]
        self._latency = (self._latency + [done - ts])[-30:]
        if cpu_s is not None:
            self._cpu = (self._cpu + [cpu_s])[-30:]
        self.analysed += 1
        self.rate.tick(done)

    def _stopped(self, stop: threading.Event) -> bool:
        return stop.is_set() or self._stopping

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
                             confidence=facts.yaw.confidence, extent=facts.extent))
        for update in facts.turn:
            bus.emit(turn_event(update))
        for gesture in facts.gestures:
            bus.emit(GestureProgress(gesture=gesture.gesture, progress=gesture.progress, fired=gesture.fired))

    def _set_state(self, state: str, reason: str) -> None:
        self.state, self.reason = state, reason
        self.bus.emit(AnalysisStatus(state=state, reason=reason))


def _mean_ms(values: list[float]) -> float:
    return round(1000 * sum(values) / len(values), 1) if values else 0.0


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
