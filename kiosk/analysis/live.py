"""The body analysis as a part of the running kiosk: the worker and the self-recording turn.

The worker reads frames from the hub on its own thread and publishes what it sees (presence
samples, yaw, turn phases, gesture progress); the auto-recorder turns turn phases into take
requests and keeps each take's yaw track. Neither calls the core: the core listens to their
events and decides what a gesture or a turn means right now.
"""

from __future__ import annotations

from kiosk.analysis.autorecord import AutoRecorder
from kiosk.analysis.senses import Senses
from kiosk.analysis.worker import AnalysisWorker


class LiveAnalysis:
    """Starts and stops the analysis worker and the auto-recorder."""

    def __init__(self, worker: AnalysisWorker, autorecord: AutoRecorder | None) -> None:
        self._worker = worker
        self._autorecord = autorecord

    def start(self) -> None:
        """Listen first, then analyse (the pose model loads in its own thread meanwhile)."""
        if self._autorecord is not None:
            self._autorecord.start()
        self._worker.start()

    def stop(self) -> None:
        """Stop analysing, then stop listening."""
        self._worker.stop()
        if self._autorecord is not None:
            self._autorecord.stop()

    def pace(self, fps: float | None) -> None:
        """Analyse at most ``fps`` frames a second (None: as configured); the core asks while the screen is dark."""
        self._worker.pace(fps)

    @property
    def worker(self) -> AnalysisWorker:
        """The worker, for its statistics (health, benchmarks)."""
        return self._worker

    @property
    def senses(self) -> Senses:
        """Presence always; a turn records itself with a recorder; gestures as [analysis] gestures says."""
        return Senses(presence=True, turns=self._autorecord is not None,
                      gestures=self._worker.settings.body.gestures.enabled)


class NoAnalysis:
    """The analysis part of a kiosk without body analysis."""

    worker = None
    senses = Senses()  # only a touch wakes it, only Record records

    def start(self) -> None:
        """Nothing to analyse."""

    def stop(self) -> None:
        """Nothing to stop."""

    def pace(self, fps: float | None) -> None:
        """Nothing to slow down."""
