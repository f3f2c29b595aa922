"""The capture thread every camera source shares: stamping, counters and the watchdog.

A source subclass only knows how to open its device, grab one picture and close it. This
module runs that in a named capture thread and supervises it. Each opening of the device is
its own "generation" with its own handle (what ``_open`` returns, handed back to ``_grab`` and
``_close``): a generation the watchdog gave up on may still be blocked in a read while the
next one has the device open again, and when that read returns it must close its own handle,
never the new one. The watchdog lives in a second
thread because a grab can block for ever (a USB camera unplugged mid-read): when no frame has
arrived for ``watchdog_s`` the supervisor declares the camera unavailable, abandons that
capture generation (the stuck thread exits by itself if its grab ever returns, and never
delivers a frame again) and opens a fresh one, with exponential backoff between tries. The
backoff starts again from its first step only after an opening gave pictures for a healthy
while (``healthy_s``): a camera that opens and then fails every read is retried ever more
slowly, up to ``backoff_max_s``, not every half second.

The counters tell monitoring apart a camera that keeps coming back from one that is away:
``reconnects`` counts the times pictures came again after the camera was lost (counted at the
first picture), ``open_failures`` every opening that gave no picture at all (the device missing
or busy, or reads that fail or hang at once), so it climbs with each backed-off try while the
camera is unplugged and ``reconnects`` does not.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hardware.frames import Frame

_log = logging.getLogger(__name__)


class SourceState(str, enum.Enum):
    """What the camera is doing, as the UI shows it."""

    STARTING = "starting"
    RUNNING = "running"
    UNAVAILABLE = "unavailable"
    ENDED = "ended"
    STOPPED = "stopped"


class SourceEnded(Exception):
    """Raised by ``_grab`` when a finite source (a file without loop) has no more frames."""


class SourceOpenError(Exception):
    """Raised by ``_open`` when the device cannot be opened; the message says why in plain words."""


@dataclass
class SourceStats:
    """Counters a source keeps for health and metrics."""

    captured: int = 0
    dropped: int = 0
    reconnects: int = 0  # times the camera gave pictures again after it was lost
    open_failures: int = 0  # openings that gave no picture (each try while it is away)


@dataclass(frozen=True)
class WatchdogPolicy:
    """How long without a frame counts as a stall, and how reopening backs off."""

    timeout_s: float = 2.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 10.0
    healthy_s: float = 5.0  # an opening that gave pictures this long starts the backoff again


FrameCallback = Callable[[Frame], None]
StateCallback = Callable[[SourceState, str], None]


class CameraSource(ABC):
    """Base for all camera sources; subclasses implement ``_open``, ``_grab`` and ``_close``."""

    #: Nominal frames per second, used for pacing and for the encoder's time base.
    fps: float = 30.0

    def __init__(self, name: str, watchdog: WatchdogPolicy | None = None) -> None:
        self.name = name
        self.watchdog = watchdog or WatchdogPolicy()
        self.stats = SourceStats()
        self.state = SourceState.STOPPED
        self.state_reason = ""
        self._on_frame: FrameCallback = lambda frame: None
        self._on_state: StateCallback = lambda state, reason: None
        self._stop = threading.Event()
        self._lock = threading.Lock()  # guards generation, seq, last frame time, counters
        self._generation = 0
        self._seq = 0
        self._last_frame = 0.0
        self._lost = False  # pictures came, then stopped: the next picture is the camera coming back
        self._supervisor: threading.Thread | None = None

    # -- subclass interface (all called on the capture thread) -------------------------------

    @abstractmethod
    def _open(self) -> object:
        """Open the device and return its handle; raise ``SourceOpenError`` with a plain reason when it cannot."""

    @abstractmethod
    def _grab(self, device) -> np.ndarray | None:
        """Return the next BGR picture from ``device`` (the caller takes ownership), or None when none came."""

    @abstractmethod
    def _close(self, device) -> None:
        """Release ``device`` (this generation's handle only); must not raise."""

    def _count_drops(self, count: int) -> None:
        """Subclasses call this when the device produced frames they could not deliver."""
        with self._lock:
            self.stats.dropped += count

    # -- public -------------------------------------------------------------------------------

    def start(self, on_frame: FrameCallback, on_state: StateCallback | None = None) -> None:
        """Start capturing; ``on_frame`` runs on the capture thread and must return quickly."""
        if self._supervisor is not None:
            raise RuntimeError(f"source {self.name} already started")
        self._on_frame = on_frame
        self._on_state = on_state or (lambda state, reason: None)
        self._stop.clear()
        self._lost = False
        self._set_state(SourceState.STARTING, "opening camera")
        self._supervisor = threading.Thread(
            target=self._supervise, name=f"watchdog:{self.name}", daemon=True
        )
        self._supervisor.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop capturing and release the device."""
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout)
            self._supervisor = None
        self._set_state(SourceState.STOPPED, "stopped")

    # -- internals ----------------------------------------------------------------------------

    def _set_state(self, state: SourceState, reason: str) -> None:
        if state == self.state and reason == self.state_reason:
            return
        self.state, self.state_reason = state, reason
        level = logging.WARNING if state == SourceState.UNAVAILABLE else logging.INFO
        _log.log(level, "camera %s: %s (%s)", self.name, state.value, reason)
        try:
            self._on_state(state, reason)
        except Exception:  # a broken listener must not kill the camera
            _log.exception("camera state listener failed")

    def _supervise(self) -> None:
        backoff = self.watchdog.backoff_initial_s
        first = True
        while not self._stop.is_set():
            with self._lock:
                self._generation += 1
                generation = self._generation
                self._last_frame = time.monotonic()
            opened = threading.Event()
            outcome: dict = {}
            worker = threading.Thread(
                target=self._capture,
                args=(generation, opened, outcome),
                name=f"capture:{self.name}",
                daemon=True,
            )
            worker.start()
            stalled = self._watch(generation, worker)
            with self._lock:
                self._generation += 1  # retire this generation whatever happened; it delivers no more
                gave_pictures = "first_frame" in outcome
            if self._stop.is_set():
                worker.join(2.0)
                break
            if outcome.get("ended"):
                self._set_state(SourceState.ENDED, "end of file")
                return
            reason = outcome.get("error") or (
                f"no picture for {self.watchdog.timeout_s:g} s" if stalled else "camera closed"
            )
            healthy = outcome.get("last_frame", 0.0) - outcome.get("first_frame", 0.0) >= self.watchdog.healthy_s
            if healthy:
                backoff = self.watchdog.backoff_initial_s
            elif not first:
                backoff = min(backoff * 2, self.watchdog.backoff_max_s)
            first = False
            with self._lock:
                if gave_pictures:
                    self._lost = True  # until the next picture, however many tries that takes
                else:
                    self.stats.open_failures += 1
            if opened.is_set():
                if not healthy:  # the reason alone would read as a one-off
                    reason += f"; it fails soon after opening, next try in {backoff:g} s"
            self._set_state(SourceState.UNAVAILABLE, reason)
            worker.join(0.2)
            self._stop.wait(backoff)

    def _watch(self, generation: int, worker: threading.Thread) -> bool:
        """Wait while the capture generation is healthy; True when it stalled."""
        tick = min(0.1, self.watchdog.timeout_s / 4)
        while not self._stop.is_set() and worker.is_alive():
            with self._lock:
                idle = time.monotonic() - self._last_frame
            if idle > self.watchdog.timeout_s:
                return True
            self._stop.wait(tick)
        return False

    def _current(self, generation: int) -> bool:
        return generation == self._generation and not self._stop.is_set()

    def _capture(self, generation: int, opened: threading.Event, outcome: dict) -> None:
        try:
            device = self._open()
        except Exception as exc:  # noqa: BLE001 - any driver error means "cannot open"
            outcome["error"] = str(exc) or type(exc).__name__
            return
        opened.set()
        with self._lock:
            self._last_frame = time.monotonic()
        try:
            while self._current(generation):
                try:
                    pixels = self._grab(device)
                except SourceEnded:
                    outcome["ended"] = True
                    return
                if pixels is None:
                    continue
                now = time.monotonic()
                with self._lock:
                    if not self._current(generation):
                        return  # the watchdog gave up on us while we were blocked
                    if self._lost:  # the first picture since the camera was lost: it came back
                        self._lost = False
                        self.stats.reconnects += 1
                    self._seq += 1
                    self.stats.captured += 1
                    self._last_frame = now
                    frame = Frame.wrap(pixels, now, self._seq)
                    outcome.setdefault("first_frame", now)  # under the lock: the watchdog reads it when retiring us
                outcome["last_frame"] = now
                if self.state != SourceState.RUNNING:
                    self._set_state(SourceState.RUNNING, "ok")
                self._on_frame(frame)
        except Exception as exc:  # noqa: BLE001 - a driver error ends this generation only
            _log.debug("capture error", exc_info=True)
            outcome["error"] = str(exc) or type(exc).__name__
        finally:
            self._close(device)  # ours, even when a newer generation has the device open by now
