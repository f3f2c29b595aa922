"""Measures what the shopper actually sees: frames painted per second and capture-to-screen latency.

Hooked to the window's scene-graph signals on the render thread (so the GUI thread must never
wait for the render thread while holding the GIL; see ``ui.app.request_quit``): at ``beforeSynchronizing``
it notes which camera frame the preview pump had handed over (the frame the VideoOutput is
about to take), and at ``frameSwapped`` that frame is on screen. A frame counts as painted
once, however often the scene repaints it.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Qt
from PySide6.QtQuick import QQuickWindow

from kiosk.metrics import RateMeter
from ui.preview import PreviewPump


class PaintProbe(QObject):
    """Counts painted frames and keeps capture-to-present latencies (seconds)."""

    def __init__(self, window: QQuickWindow, pump: PreviewPump, rate: RateMeter | None = None,
                 keep_latencies: bool = False, first_paint: threading.Event | None = None) -> None:
        super().__init__()
        #: Set once the window has put any frame on the screen (the attract screen counts).
        self.first_paint = first_paint if first_paint is not None else threading.Event()
        self.rate = rate if rate is not None else RateMeter()
        self.painted = 0
        self.latencies: list[float] = []
        self.keep_latencies = keep_latencies
        self._pump = pump
        self._pending: tuple[int, float] = (0, 0.0)
        self._last_painted = 0
        self._lock = threading.Lock()
        self._window = window
        window.beforeSynchronizing.connect(self._on_sync, Qt.ConnectionType.DirectConnection)
        window.frameSwapped.connect(self._on_swapped, Qt.ConnectionType.DirectConnection)

    def detach(self) -> None:
        """Stop listening to the render thread (before the window goes away)."""
        try:
            self._window.beforeSynchronizing.disconnect(self._on_sync)
            self._window.frameSwapped.disconnect(self._on_swapped)
        except (RuntimeError, TypeError):
            pass  # already disconnected or the window is gone

    def reset(self) -> None:
        with self._lock:
            self.painted = 0
            self.latencies = []

    def _on_sync(self) -> None:
        self._pending = self._pump.presented

    def _on_swapped(self) -> None:
        if not self.first_paint.is_set():
            self.first_paint.set()
        seq, ts = self._pending
        if seq == 0 or seq == self._last_painted:
            return
        now = time.monotonic()
        self._last_painted = seq
        self.rate.tick(now)
        with self._lock:
            self.painted += 1
            if self.keep_latencies:
                self.latencies.append(now - ts)
