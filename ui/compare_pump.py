"""The comparison's frames, from the scrub proxies to each pane's QVideoSink, on a thread of its own.

Like the live preview (``ui.preview``): a named ``compare-pump`` thread reads the shared angle
(``kiosk.compare.turntable``), asks the open ``CompareSession`` for every pane's frame at that
angle (two array reads each, decoded ahead on the session's own thread) and, for each pane whose
frame changed, copies its YUV planes into a new ``QVideoFrame`` and hands it to the pane's sink,
which Qt allows from any thread. So neither decoding nor copying pixels touches the UI thread:
the UI thread only forwards a finger's movement (``hold``, ``dragTo``, ``release``) and shows
the angle. Mirroring and scaling are scene-graph transforms on each pane's VideoOutput.

The thread sleeps until the angle reaches the next slot of the proxies (or a finger moves), so
a turning comparison costs one hand-over per new frame and a held one costs nothing. For the
benchmark it records when each finger movement had every pane showing its frame
(``drag_done``) and, like the preview pump, what it last handed over (``presented``).
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
from PySide6.QtCore import Property, QObject, QSize, QTimer, Signal, Slot
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat, QVideoSink
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.compare.turntable import Turntable
from kiosk.log import QuietLogger

_log = logging.getLogger(__name__)

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1

_YUV420P = QVideoFrameFormat.PixelFormat.Format_YUV420P
_RGBX = QVideoFrameFormat.PixelFormat.Format_RGBX8888
MAX_PANES = 4
LOADING_POLL_S = 0.1  # how often panes still filling are looked at again


def to_video_frame(pixels) -> QVideoFrame:
    """A new QVideoFrame of a proxy frame: (Y, U, V) planes, or an (h, w, 3) RGB array."""
    if isinstance(pixels, tuple):
        planes = pixels
        height, width = planes[0].shape
        fmt = _YUV420P
    else:
        height, width = pixels.shape[:2]
        fmt = _RGBX
    frame = QVideoFrame(QVideoFrameFormat(QSize(width, height), fmt))
    if not frame.map(QVideoFrame.MapMode.WriteOnly):
        raise RuntimeError("cannot map a video frame for writing")
    try:
        if fmt == _YUV420P:
            for index, plane in enumerate(planes):
                rows, cols = plane.shape
                stride = frame.bytesPerLine(index)
                target = np.frombuffer(frame.bits(index), dtype=np.uint8)[: stride * rows].reshape(rows, stride)
                target[:, :cols] = plane
        else:
            stride = frame.bytesPerLine(0)
            target = np.frombuffer(frame.bits(0), dtype=np.uint8)[: stride * height].reshape(height, stride)
            view = target[:, : width * 4].reshape(height, width, 4)
            view[..., :3] = pixels
            view[..., 3] = 255
    finally:
        frame.unmap()
    return frame


@QmlElement
@QmlUncreatable("the mirror's app makes its comparison pump")
class ComparePump(QObject):
    """Feeds the comparison panes' sinks; QML forwards the finger, the bridge the comparison."""

    angleChanged = Signal()
    coverChanged = Signal()

    def __init__(self, mirrored: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mirrored = mirrored
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._quiet = QuietLogger(_log)  # a frame that fails pass after pass: one traceback, then a line a minute
        self._session = None
        self._table: Turntable | None = None
        self._started_turn = False
        self._sinks: list[QVideoSink | None] = [None] * MAX_PANES
        self._shown: list[object] = [None] * MAX_PANES  # the proxy frame each sink holds
        self._drag_from = 0.0
        self._drag_seq = 0
        self._angle = 0  # whole degrees, 0..359, as QML shows it
        self._position = 0.0  # seconds into the play of the panes playing by time, in tenths
        self._length = 0.0  # seconds of one play (one turn)
        self._covered = [True] * MAX_PANES
        # The pump thread only marks what changed; this UI-thread timer tells QML while a
        # comparison is shown (no Qt signal is emitted from the pump's thread: see
        # ui/core_listener.py for the crash that taught us).
        self._angle_dirty = self._cover_dirty = False
        self._notify_timer = QTimer(self)
        self._notify_timer.setInterval(16)
        self._notify_timer.timeout.connect(self._notify)
        self.handed_over = 0
        #: (batch number, time) of the last hand-over: what a paint probe attributes a swap to.
        self.presented: tuple[int, float] = (0, 0.0)
        #: (drag number, time every pane showed its frame for it), kept only while a benchmark asks.
        self.drag_done: list[tuple[int, float]] | None = None

    # -- lifecycle (the app) --------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="compare-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    # -- the comparison (the bridge, UI thread) ----------------------------------------------------

    def show(self, session) -> None:
        """Start showing ``session`` (a ``CompareSession``); it holds still at the front until its frames are ready."""
        with self._lock:
            self._session = session
            self._table = Turntable(session.seconds, session.sweep, time.monotonic(), 0.0, turning=False)
            self._started_turn = False
            self._shown = [None] * MAX_PANES
            self._covered = [True] * MAX_PANES
            self._length = round(session.seconds, 1)
            self._angle_dirty = True  # a new length, told with the angle
        self._set_angle(0, 0.0)
        self.coverChanged.emit()
        self._notify_timer.start()
        self._wake.set()

    def clear(self) -> None:
        """The comparison closed: let go of its frames."""
        with self._lock:
            self._session = None
            self._table = None
            self._shown = [None] * MAX_PANES
        self._notify_timer.stop()
        self._notify()
        self._wake.set()

    def nudge(self, delta_deg: float) -> None:
        """A swipe turned the comparison (a swipe to the shopper's right turns like a drag to the right)."""
        with self._lock:
            if self._table is not None:
                self._table.nudge(delta_deg, time.monotonic())
        self._wake.set()

    # -- the finger and the panes (QML) ---------------------------------------------------------

    @Slot(int, QObject)
    def attachSink(self, index: int, sink: QObject | None) -> None:  # noqa: N802 - QML API
        """A pane's VideoOutput hands over its sink (None when the pane goes away)."""
        if sink is not None and not isinstance(sink, QVideoSink):
            raise TypeError(f"expected a QVideoSink, got {type(sink).__name__}")
        if not 0 <= index < MAX_PANES:
            return
        with self._lock:
            self._sinks[index] = sink
            self._shown[index] = None
        self._wake.set()

    @Slot()
    def hold(self) -> None:
        """A finger went down on the comparison: the turn stops under it."""
        with self._lock:
            if self._table is not None:
                self._table.hold(time.monotonic())
            self._drag_from = 0.0
        self._wake.set()

    @Slot(float, float)
    def dragTo(self, dx: float, width: float) -> None:  # noqa: N802 - QML API
        """The finger is ``dx`` pixels from where it went down; a drag across ``width`` turns the body once round."""
        with self._lock:
            if self._table is None or width <= 0:
                return
            # The front of the body follows the finger: in a mirror image a clockwise turn moves it right.
            offset = self._sign * 360.0 * dx / width
            self._table.drag(offset - self._drag_from, time.monotonic())
            self._drag_from = offset
            self._drag_seq += 1
        self._wake.set()

    @Slot()
    def release(self) -> None:
        """The finger let go: the slow turn resumes."""
        with self._lock:
            if self._table is not None:
                self._table.release(time.monotonic())
                self._started_turn = True
        self._wake.set()

    @property
    def drag_seq(self) -> int:
        return self._drag_seq

    def showing(self) -> list:
        """The frame each attached pane holds now (objects to compare by identity; benchmarks)."""
        with self._lock:
            return [shown for shown, sink in zip(self._shown, self._sinks) if sink is not None]

    @property
    def _sign(self) -> float:
        return 1.0 if self._mirrored else -1.0

    # -- the pump thread --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                timeout = self._tick()
            except Exception:  # noqa: BLE001 - the thread must outlive a bad frame
                self._quiet.exception("the comparison pump failed to show a frame")
                timeout = 0.5
            else:
                if self._quiet.clear():
                    _log.warning("the comparison pump shows frames again")
            self._wake.wait(timeout)
            self._wake.clear()

    def _tick(self) -> float:
        """Show every pane's frame for the angle now; returns how long to sleep."""
        now = time.monotonic()
        with self._lock:
            session, table = self._session, self._table
            if session is None or table is None:
                return 1.0
            ready = session.ready or session.wait(0)  # filled, or done trying (a broken look stays blank)
            if ready and not self._started_turn and not table.held:
                table.start(now)
                self._started_turn = True
            angle = table.angle(now)
            seq = self._drag_seq
            sinks = list(self._sinks)
            shown = list(self._shown)
        proxies = session.proxies
        covered = list(self._covered)
        ready_frames = []
        for index, proxy in enumerate(proxies[:MAX_PANES]):
            sink = sinks[index]
            picked = proxy.frame(angle)
            if sink is None or picked is None:
                continue
            covered[index] = picked.covered
            if picked.pixels is not shown[index]:
                ready_frames.append((sink, to_video_frame(picked.pixels)))
                shown[index] = picked.pixels
        # Every pane's frame is copied first, then all are handed over back to back, so the
        # screen never shows one pane a step ahead of the others.
        for sink, frame in ready_frames:
            sink.setVideoFrame(frame)
        handed = bool(ready_frames)
        done = time.monotonic()
        with self._lock:
            if self._session is session:
                self._shown = shown
        if handed:
            self.handed_over += 1
            self.presented = (self.handed_over, done)
        if self.drag_done is not None and seq:
            self.drag_done.append((seq, done))
        if covered != self._covered:
            self._covered = covered
            self._cover_dirty = True
        self._set_angle(int(round(angle)) % 360, round(session.play_seconds(angle), 1))
        step = 360.0 / proxies[0].slots if proxies else 2.5
        wait = table.next_change(time.monotonic(), step)
        return wait if ready else min(wait, LOADING_POLL_S)

    def _set_angle(self, angle: int, position: float) -> None:
        if (angle, position) != (self._angle, self._position):
            self._angle, self._position = angle, position
            self._angle_dirty = True  # told on the UI thread by _notify

    @Slot()
    def _notify(self) -> None:
        """UI thread: tell QML what the pump changed since the last tick."""
        if self._angle_dirty:
            self._angle_dirty = False
            self.angleChanged.emit()
        if self._cover_dirty:
            self._cover_dirty = False
            self.coverChanged.emit()

    angle = Property(int, lambda self: self._angle, notify=angleChanged)
    #: Where the panes playing by time are: seconds into their play of ``length`` seconds.
    position = Property(float, lambda self: self._position, notify=angleChanged)
    length = Property(float, lambda self: self._length, notify=angleChanged)
    #: Per pane: it shows a view its look's turn reaches (False: the nearest view it has).
    covered = Property("QVariantList", lambda self: list(self._covered), notify=coverChanged)
