"""The body analysis as part of the running kiosk: worker, auto-recording and gesture intents.

``build_live_analysis(core)`` wires the worker to the core's hub, bus and session, the
auto-recorder to the core's recording intents and the look library, and every gesture that
fires to ``core.on_gesture``, which decides what it means right now (answer the consent
question, start/stop a recording, move through the looks tray). The UI draws the progress
rings from ``GestureProgress`` on the bus.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kiosk.analysis.autorecord import AutoRecorder, RecorderPort
from kiosk.analysis.events import GestureProgress
from kiosk.analysis.settings import body_settings, pose_settings
from kiosk.analysis.worker import AnalysisWorker, WorkerSettings
from kiosk.events import Event, EventBus

if TYPE_CHECKING:
    from kiosk.core import KioskCore

_log = logging.getLogger(__name__)


class LiveAnalysis:
    """Starts and stops the analysis worker and the glue that acts on what it sees."""

    def __init__(self, worker: AnalysisWorker, bus: EventBus, autorecord: AutoRecorder | None,
                 on_gesture=None) -> None:
        self.worker = worker
        self.bus = bus
        self.autorecord = autorecord
        self.on_gesture = on_gesture  # the core decides what a gesture means right now
        self._unsubscribe = None

    def start(self) -> None:
        """Listen first, then analyse."""
        if self.autorecord is not None:
            self.autorecord.start()
        self._unsubscribe = self.bus.subscribe(self._on_event)
        self.worker.start()

    def stop(self) -> None:
        """Stop analysing, then stop listening."""
        self.worker.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.autorecord is not None:
            self.autorecord.stop()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, GestureProgress) and event.fired and self.on_gesture is not None:
            _log.info("gesture: %s", event.gesture)
            self.on_gesture(event.gesture)


def build_live_analysis(core: "KioskCore") -> LiveAnalysis:
    """The live analysis for ``core``, as its configuration says (nothing runs until ``start``)."""
    cfg = core.config.analysis
    # A sideways camera behind a portrait screen: analyse the picture the way it is shown.
    pose = pose_settings(cfg, rotation=core.config.display.rotation)
    settings = WorkerSettings(pose, body_settings(cfg), max_fps=cfg.max_fps, runner=cfg.runner, nice=cfg.nice,
                              min_fps=cfg.min_fps, idle=cfg.idle_priority)
    worker = AnalysisWorker(core.hub, core.bus, settings, feed_session=core.feed)
    studio = core.studio
    autorecord = None
    if studio is not None:
        port = RecorderPort(
            begin=lambda reason: core.start_recording(reason),
            end=core.stop_recording,
            store=studio.library.set_analysis,
            discard=studio.delete,
            busy=lambda: studio.recording,
        )
        autorecord = AutoRecorder(core.bus, port, preroll_s=core.config.recording.preroll_s)
    return LiveAnalysis(worker, core.bus, autorecord, on_gesture=core.on_gesture if studio else None)
