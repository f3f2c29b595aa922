"""Live frames from the hub to QML's VideoOutput through its QVideoSink, off the UI thread.

A named ``preview`` thread waits for the newest frame, converts BGR to BGRX straight into the
memory of a new ``QVideoFrame`` (one conversion, no other copy) and hands it to the sink.
``QVideoSink.setVideoFrame`` may be called from any thread: the VideoOutput takes the frame
under its own lock and schedules a repaint, so the UI thread never touches pixels. Mirroring,
rotation and zoom are left to the scene graph (GPU side).

The pump also records what was handed over (sequence and capture time), so a paint probe can
measure painted frame rate and capture-to-present latency.
"""

from __future__ import annotations

import logging
import threading
import time

import cv2
import numpy as np
from PySide6.QtCore import QObject, QSize, Slot
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat, QVideoSink
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.hub import ConsumerThread, FrameHub, Subscription
from kiosk.log import QuietLogger

_log = logging.getLogger(__name__)

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1

_BGRX = QVideoFrameFormat.PixelFormat.Format_BGRX8888


def to_video_frame(pixels: np.ndarray) -> QVideoFrame:
    """A new QVideoFrame holding ``pixels`` (H×W×3 BGR) as BGRX, converted in one pass."""
    height, width = pixels.shape[:2]
    frame = QVideoFrame(QVideoFrameFormat(QSize(width, height), _BGRX))
    if not frame.map(QVideoFrame.MapMode.WriteOnly):
        raise RuntimeError("cannot map a video frame for writing")
    try:
        stride = frame.bytesPerLine(0)
        buffer = np.frombuffer(frame.bits(0), dtype=np.uint8)
        view = buffer[: stride * height].reshape(height, stride)[:, : width * 4].reshape(height, width, 4)
        cv2.cvtColor(pixels, cv2.COLOR_BGR2BGRA, dst=view)
    finally:
        frame.unmap()
    return frame


@QmlElement
@QmlUncreatable("the mirror's app makes its preview pump")
class PreviewPump(QObject):
    """Feeds the VideoOutput's sink from the hub on its own thread."""

    def __init__(self, hub: FrameHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sink: QVideoSink | None = None
        self._consumer = ConsumerThread(hub, "preview", self._run)
        self._lock = threading.Lock()
        self._quiet = QuietLogger(_log)  # a frame that fails again and again is logged once
        self.failures = 0  # frames that could not be converted or handed to the sink
        self.handed_over = 0
        self._active = True
        #: (seq, capture time) of the frame last handed to the sink; updated after the hand-over
        #: so a reader never attributes a frame to the screen before the sink has it.
        self.presented: tuple[int, float] = (0, 0.0)
        #: Capture-to-sink times (seconds), kept only while a benchmark asks for them.
        self.handovers: list[float] | None = None

    @Slot(QObject)
    def attachSink(self, sink: QObject | None) -> None:
        """QML hands over its VideoOutput's sink once the output exists."""
        if sink is not None and not isinstance(sink, QVideoSink):
            raise TypeError(f"expected a QVideoSink, got {type(sink).__name__}")
        with self._lock:
            self._sink = sink

    @Slot(bool)
    def setActive(self, active: bool) -> None:  # noqa: N802 - QML API
        """Convert frames only while the live picture is on screen (not behind a replay)."""
        self._active = bool(active)

    @property
    def active(self) -> bool:
        """True while the live picture is on screen (benchmarks measure its frame rate then)."""
        return self._active

    @property
    def subscription(self) -> Subscription | None:
        return self._consumer.subscription

    def start(self) -> None:
        self._consumer.start()

    def stop(self) -> None:
        self._consumer.stop()

    def _run(self, sub: Subscription, stop: threading.Event) -> None:
        while not stop.is_set():
            frame = sub.next(timeout=0.25)
            if frame is None:
                continue
            with self._lock:
                sink = self._sink
            if sink is None or not self._active:
                continue
            try:  # one bad frame, or a sink going away under us, must not end the preview
                video_frame = to_video_frame(frame.pixels)
                sink.setVideoFrame(video_frame)
            except Exception as exc:  # noqa: BLE001 - the next frame is tried again
                self.failures += 1
                self._quiet.error("cannot show a camera frame in the preview (%s: %s); trying the next frames",
                                  type(exc).__name__, exc)
                _log.debug("the preview's failure in detail", exc_info=True)
                continue
            if self._quiet.clear():
                _log.info("the preview shows camera frames again")
            self.presented = (frame.seq, frame.ts)
            self.handed_over += 1
            if self.handovers is not None:
                self.handovers.append(time.monotonic() - frame.ts)
