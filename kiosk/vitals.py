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
kiosk, for health and metrics (``start`` adds a logging handler, ``stop`` removes it).
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


class Vitals:
    """What the screen writes (first paint, UI heartbeat) and the last error logged."""

    def __init__(self) -> None:
        self.first_paint = threading.Event()
        self.heartbeat = Heartbeat()
        self.errors = ErrorLog()
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
    reader: Callable[[], object] | None = None  # kiosk.identity.events.ReaderStateChanged
    screen: Callable[[], object] | None = None  # kiosk.screen.ScreenStatus
    watchdog_pings: Callable[[], int] | None = None  # WATCHDOG=1 sent to systemd
    errors: ErrorLog | None = None  # the last error logged and how many
    disk_floor_bytes: int = 0  # recording.min_free_mb: below it no take starts
