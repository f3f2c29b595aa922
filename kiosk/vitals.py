"""The kiosk's live figures, gathered for health, metrics and systemd: who writes what, who reads it.

The network part serves ``/api/v1/health`` and ``/api/v1/metrics`` without holding the core or
the other parts: ``kiosk.wiring`` hands it a ``Readings``, a frozen set of small status
callables (the camera's ``status``, the analysis worker's ``stats``, the recorder's state,
the reader's state, the screen's power, the watchdog's pings, the last error). Each may be
None where the kiosk has no such part (``kiosk serve`` has no camera and no screen).

``Vitals`` is what the screen writes into while the mirror runs (built by the wiring, so the
UI never builds kiosk state; the painted-frames meter is ``Parts.painted``): the paint probe
sets ``first_paint``, a timer on the UI thread stamps ``heartbeat`` (the watchdog's sign that
the UI thread answers). As a part it also keeps the last warning or error logged anywhere in the
kiosk, for health and metrics (``start`` adds a logging handler, ``stop`` removes it), and the
core loop's own health (``CoreHealth``: the core writes its faults there, health reads them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.liveness import Heartbeat


@dataclass(frozen=True)
class ErrorNote:
    """The last error logged: when (Unix time), by which logger, the message."""

    at: float
    logger: str
    message: str


class ErrorLog(logging.Handler):
    """Remembers the last record at ERROR or above, and counts them."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.last: ErrorNote | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is still an error worth counting
            message = str(record.msg)
        self.count += 1
        self.last = ErrorNote(record.created, record.name, message.splitlines()[0][:300] if message else "")


@dataclass(frozen=True)
class CoreStatus:
    """The core thread as health sees it: its state, its faults, the parts that could not start."""

    state: str  # "starting" (not yet handling), "running", "stopped" (on purpose) or "dead"
    faults: int  # items the core could not handle since start
    recent_faults: int  # of those, in the last ``CoreHealth.RECENT_S`` seconds
    last_fault: str  # what and why, "" when none
    last_fault_at: float | None  # Unix time of the last fault
    parts_off: dict[str, str]  # optional parts that could not start, and why
    recent_s: float = 60.0  # what "recent" means for recent_faults


class CoreHealth:
    """The core loop's faults, kept where health can read them without holding the core.

    ``fault`` says whether this is the first fault of its kind (what failed, and the exception's
    type), so the core logs that one at ERROR and the repetitions quietly.
    """

    RECENT_S = 60.0  # a fault this recent makes the core's health check fail

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._alive: Callable[[], bool] = lambda: False
        self._phase = "starting"
        self._last_at: float | None = None
        self._faults: list[float] = []  # Unix times of the recent faults
        self._count = 0
        self._last = ""
        self._kinds: set[tuple[str, str]] = set()
        self._parts_off: dict[str, str] = {}

    def watch(self, alive: Callable[[], bool]) -> None:
        """The core thread's liveness (the core hands it over when it is built)."""
        self._alive = alive

    def started(self, running: bool) -> None:
        """The core thread began handling (True) or was stopped on purpose (False)."""
        self._phase = "running" if running else "stopped"

    def part_off(self, name: str, reason: str) -> None:
        with self._lock:
            self._parts_off[name] = reason

    def fault(self, what: str, exc: BaseException) -> bool:
        """Count one fault; True when it is the first of its kind since start."""
        now = time.time()
        with self._lock:
            self._count += 1
            self._last = f"could not handle {what}: {type(exc).__name__}: {exc}"
            self._last_at = now
            self._faults = [t for t in self._faults if now - t < self.RECENT_S] + [now]
            kind = (what, type(exc).__name__)
            first = kind not in self._kinds
            self._kinds.add(kind)
            return first

    def read(self) -> CoreStatus:
        now = time.time()
        with self._lock:
            recent = [t for t in self._faults if now - t < self.RECENT_S]
            state = "dead" if self._phase == "running" and not self._alive() else self._phase
            return CoreStatus(state, self._count, len(recent), self._last, self._last_at, dict(self._parts_off),
                              self.RECENT_S)


class Vitals:
    """What the screen writes (first paint, UI heartbeat) and the last error logged."""

    def __init__(self) -> None:
        self.first_paint = threading.Event()
        self.heartbeat = Heartbeat()
        self.errors = ErrorLog()
        self.core = CoreHealth()
        self.started_at = time.time()
        self._attached = False

    def start(self) -> None:
        """Listen to every log record of this process (root logger)."""
        if not self._attached:
            logging.getLogger().addHandler(self.errors)
            self._attached = True

    def stop(self) -> None:
        if self._attached:
            logging.getLogger().removeHandler(self.errors)
            self._attached = False


@dataclass(frozen=True)
class Readings:
    """Status callables for health and metrics; None where the kiosk has no such part."""

    camera: Callable[[], object] | None = None  # kiosk.capture.CameraStatus
    painted_fps: Callable[[], float] | None = None  # frames painted on the screen per second
    analysis: Callable[[], object] | None = None  # kiosk.analysis.worker.AnalysisStats
    recording: Callable[[], bool] | None = None  # a take is being recorded
    takes_skipped: Callable[[], int] | None = None  # automatic takes not tried: the disk was too full
    recorder: Callable[[], object] | None = None  # kiosk.recording.recorder.EncoderHealth
    reader: Callable[[], object] | None = None  # kiosk.identity.events.ReaderStateChanged
    screen: Callable[[], object] | None = None  # kiosk.screen.ScreenStatus
    watchdog_pings: Callable[[], int] | None = None  # WATCHDOG=1 sent to systemd
    errors: ErrorLog | None = None  # the last error logged and how many
    core: Callable[[], object] | None = None  # kiosk.vitals.CoreStatus: the core thread and its faults
    disk_floor_bytes: int = 0  # recording.min_free_mb: below it no take starts
