"""MirrorBridge: the core's state as Qt properties, and the screen's intents as core calls.

Core events arrive on worker threads; ``CoreListener`` hands them to this object on the UI
thread. Setters emit only on a real change.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.analysis.events import GestureProgress
from kiosk.core import KioskCore
from kiosk.events import CameraNoticeChanged, CameraStateChanged, Event, SessionStateChanged
from kiosk.metrics import RateMeter
from kiosk.screen import ScreenPowerChanged
from ui.core_listener import CoreListener

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1

_log = logging.getLogger(__name__)

# What CameraNotice.qml says while the camera is gone, in the same plain words: the reason
# (a device path, a driver's words) stays in the capture's log line, /api/v1/health and doctor.
CAMERA_UNAVAILABLE = "Camera unavailable. The mirror is reconnecting it by itself."


@QmlElement
@QmlUncreatable("the mirror's app makes its bridges")
class MirrorBridge(CoreListener):
    """Read-only view of the kiosk for QML, plus the intents QML may send."""

    gestureChanged = Signal()
    cameraChanged = Signal()
    sessionChanged = Signal()
    statsChanged = Signal()
    screenChanged = Signal()

    def __init__(self, core: KioskCore, paint_rate: RateMeter, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        display = core.config.display
        self._rotation = display.rotation
        self._mirrored = display.mirror
        self._fill = display.fill
        self._zoom = display.zoom
        self._pan_x = display.pan_x
        self._pan_y = display.pan_y
        self._show_status = display.show_status
        self._welcome = core.welcome
        self._hands_free = core.senses.gestures
        camera = core.camera_status()
        self._camera_state = camera.state
        self._camera_notice = core.camera_notice
        self._phase = ""
        self._set_phase(core.session.phase.value)
        self._fps = 0.0
        self._paint_fps = 0.0
        self._gesture = ""
        self._gesture_progress = 0.0
        self._screen_on = True
        self._stats_timer = QTimer(self)
        self._stats_timer.setInterval(1000)
        self._stats_timer.timeout.connect(self._refresh_stats)
        self._stats_timer.start()
        self._paint_rate = paint_rate  # frames painted, counted by the paint probe

    def close(self) -> None:
        super().close()
        self._stats_timer.stop()

    # -- events from the core (UI thread) -----------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, CameraStateChanged):
            if event.state != self._camera_state:
                self._camera_state = event.state
                self.cameraChanged.emit()
        elif isinstance(event, CameraNoticeChanged):
            if event.shows != self._camera_notice:
                if event.shows == "unavailable":  # CameraNotice.qml's words
                    _log.info("shown to the shopper: %s", CAMERA_UNAVAILABLE)
                self._camera_notice = event.shows
                self.cameraChanged.emit()
        elif isinstance(event, GestureProgress):
            progress = 0.0 if event.fired else round(event.progress, 2)
            gesture = "" if progress <= 0 else event.gesture
            if (gesture, progress) != (self._gesture, self._gesture_progress):
                self._gesture, self._gesture_progress = gesture, progress
                self.gestureChanged.emit()
        elif isinstance(event, ScreenPowerChanged):
            if event.on != self._screen_on:
                self._screen_on = event.on
                self.screenChanged.emit()
        elif isinstance(event, SessionStateChanged):
            if event.state != self._phase:
                self._set_phase(event.state)
                self.sessionChanged.emit()

    def _set_phase(self, phase: str) -> None:
        if phase == "idle":  # AttractScreen.qml's words
            _log.info("shown to the shopper: %s", self._welcome.title)
        self._phase = phase

    @Slot()
    def _refresh_stats(self) -> None:
        fps = self._core.camera_status().fps
        paint = round(self._paint_rate.rate(), 1)
        if (fps, paint) != (self._fps, self._paint_fps):
            self._fps, self._paint_fps = fps, paint
            self.statsChanged.emit()

    # -- intents from QML ---------------------------------------------------------------------

    @Slot()
    def wake(self) -> None:
        """A touch, click or key press."""
        self._core.touch()

    # -- properties ---------------------------------------------------------------------------

    rotation = Property(int, lambda self: self._rotation, constant=True)
    mirrored = Property(bool, lambda self: self._mirrored, constant=True)
    fillMode = Property(str, lambda self: self._fill, constant=True)
    zoom = Property(float, lambda self: self._zoom, constant=True)
    panX = Property(float, lambda self: self._pan_x, constant=True)
    panY = Property(float, lambda self: self._pan_y, constant=True)
    showStatus = Property(bool, lambda self: self._show_status, constant=True)
    #: The welcome screen's words, as the core says for this mirror (touch to start without the body analysis).
    welcomeTitle = Property(str, lambda self: self._welcome.title, constant=True)
    welcomeText = Property(str, lambda self: self._welcome.text, constant=True)
    #: A hand held up or swiped does something here: the screens may say so.
    handsFree = Property(bool, lambda self: self._hands_free, constant=True)
    cameraState = Property(str, lambda self: self._camera_state, notify=cameraChanged)
    #: The camera state whose words the camera notice says, or "" while the picture shows: the
    #: core holds it a little after a lost camera is back (``kiosk.camera_notice``).
    cameraNotice = Property(str, lambda self: self._camera_notice, notify=cameraChanged)
    attract = Property(bool, lambda self: self._phase == "idle", notify=sessionChanged)
    cameraFps = Property(float, lambda self: self._fps, notify=statsChanged)
    paintFps = Property(float, lambda self: self._paint_fps, notify=statsChanged)
    gesture = Property(str, lambda self: self._gesture, notify=gestureChanged)
    gestureProgress = Property(float, lambda self: self._gesture_progress, notify=gestureChanged)
    screenOn = Property(bool, lambda self: self._screen_on, notify=screenChanged)
