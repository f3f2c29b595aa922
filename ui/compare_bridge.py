"""CompareBridge: the looks-side-by-side screen for QML — picking from the tray, the panes, sharing.

It mirrors the core's comparison events into Qt properties (whether the shopper is picking and
which looks, the open comparison's panes with their labels and places, the note while its
video is being made, the panes whose video could not be decoded) and forwards the shopper's taps to the core as intents. The frames reach
the panes through the ``ComparePump``, which this bridge hands the comparison the core opened
(and a swipe's turn); decoding happens on the comparison's own thread, never here.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.compare.events import (
    ComparePicksChanged,
    CompareShareProgress,
    CompareTurn,
    ComparisonClosed,
    ComparisonOpened,
)
from kiosk.core import KioskCore
from kiosk.events import Event
from ui.compare_pump import ComparePump
from ui.core_listener import CoreListener

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1

PROGRESS_MS = 250


@QmlElement
@QmlUncreatable("the mirror's app makes its bridges")
class CompareBridge(CoreListener):
    """Picking, the open comparison and its share note, for the mirror's screen."""

    topic = "compare"
    picksChanged = Signal()
    openChanged = Signal()
    progressChanged = Signal()
    failedChanged = Signal()
    shareNoteChanged = Signal()

    def __init__(self, core: KioskCore, pump: ComparePump, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self.pump = pump
        self._picking = False
        self._picks: list[str] = []
        self._panes: list[dict] = []
        self._by_angle = True
        self._session = None
        self._progress = 0.0
        self._failed: list[bool] = []
        self._share_note = ""
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._refresh_progress)

    def close(self) -> None:
        super().close()
        self._progress_timer.stop()

    # -- core events (UI thread) --------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, ComparePicksChanged):
            self._picking, self._picks = event.picking, list(event.look_ids)
            self.picksChanged.emit()
        elif isinstance(event, ComparisonOpened):
            self._session = event.session
            self._panes = [
                {"lookId": p.look_id, "number": p.number, "label": p.label, "note": p.note, "hint": p.hint,
                 "partialHint": p.partial_hint, "x": p.x, "y": p.y, "width": p.width, "height": p.height}
                for p in event.panes
            ]
            self._by_angle = event.by_angle
            self.pump.show(event.session)
            self._progress = 0.0
            self._failed = [False] * len(self._panes)
            self._progress_timer.start()
            self.openChanged.emit()
            self.progressChanged.emit()
            self.failedChanged.emit()
        elif isinstance(event, ComparisonClosed):
            self._session = None
            self._panes = []
            self._failed = []
            self._progress_timer.stop()
            self.pump.clear()
            self.openChanged.emit()
        elif isinstance(event, CompareTurn):
            self.pump.nudge(event.delta_deg)
        elif isinstance(event, CompareShareProgress):
            if event.text != self._share_note:
                self._share_note = event.text
                self.shareNoteChanged.emit()

    @Slot()
    def _refresh_progress(self) -> None:
        session = self._session
        failed = list(session.failed) if session is not None else []
        if failed != self._failed:  # before the progress: the timer stops once that is complete
            self._failed = failed
            self.failedChanged.emit()
        exact = 1.0 if session is None or session.ready else session.progress
        progress = round(exact, 2)
        if progress != self._progress:
            self._progress = progress
            self.progressChanged.emit()
        if exact >= 1.0:  # not the rounded figure: a pane may still fail in its last frames
            self._progress_timer.stop()

    # -- intents ------------------------------------------------------------------------------

    @Slot()
    def startPicking(self) -> None:  # noqa: N802 - QML API
        self._core.start_picking()

    @Slot(str)
    def pick(self, look_id: str) -> None:
        self._core.pick_look(look_id)

    @Slot()
    def cancelPicking(self) -> None:  # noqa: N802 - QML API
        self._core.cancel_picking()

    @Slot(int, int)
    def openComparison(self, width: int, height: int) -> None:  # noqa: N802 - QML API
        """Show the picked looks in the screen's pane area (its size in pixels)."""
        self._core.open_comparison(width, height)

    @Slot()
    def closeComparison(self) -> None:  # noqa: N802 - QML API
        self._core.close_comparison()

    @Slot()
    def share(self) -> None:
        """"Share this comparison"; the core answers with a QR code, or asks for consent first."""
        self._core.share_comparison()

    picking = Property(bool, lambda self: self._picking, notify=picksChanged)
    picks = Property("QStringList", lambda self: self._picks, notify=picksChanged)
    open = Property(bool, lambda self: bool(self._panes), notify=openChanged)
    panes = Property("QVariantList", lambda self: self._panes, notify=openChanged)
    #: Some pane follows the body angle: the dial shows it (False: every pane plays by time, the dial shows the time).
    byAngle = Property(bool, lambda self: self._by_angle, notify=openChanged)
    progress = Property(float, lambda self: self._progress, notify=progressChanged)
    #: Per pane: its video could not be decoded (the pane says so instead of "Preparing…").
    failed = Property("QVariantList", lambda self: self._failed, notify=failedChanged)
    shareNote = Property(str, lambda self: self._share_note, notify=shareNoteChanged)
