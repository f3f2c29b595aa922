"""CoreListener: the base of every bridge — core events arrive on worker threads, handled on the UI thread.

A bridge subscribes to the core's event bus; each event goes into a plain thread-safe queue,
which a timer on the UI thread drains every ``DRAIN_MS`` into ``on_event``. No Qt signal
crosses a thread with a Python object in it: PySide6 6.12 emitting ``Signal(object)`` from a
worker thread corrupted a reference count under load (``kiosk bench soak``, 2026-12-03: "Fatal
Python error: bool_dealloc" in the analysis thread's emit after 8 minutes; PYSIDE-3124 is of the
same family), which kills the mirror.
``Notice`` events of the bridge's ``topic`` are shown by ``flash`` for their time (the
``message`` property), and each one shown is logged at INFO, so the journal (and a test)
can tell what the shopper was told. Bridges translate; they decide nothing and never touch a
database.
"""

from __future__ import annotations

import logging
import queue

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.core import KioskCore
from kiosk.events import Event, Notice

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1

_log = logging.getLogger(__name__)

DRAIN_MS = 15  # the most an event waits before the screen hears of it (a frame at 60 Hz)


class CoreListener(QObject):
    """Subscribes to the core's bus; subclasses implement ``on_event`` (UI thread)."""

    topic = ""  # which core notices this bridge shows

    messageChanged = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._message = ""
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self._set_message(""))
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._drain_timer = QTimer(self)
        self._drain_timer.timeout.connect(self._drain)
        self._drain_timer.start(DRAIN_MS)
        self._unsubscribe = core.bus.subscribe(self._events.put)  # any thread; never touches Qt

    def close(self) -> None:
        """Stop listening (before the bridge goes away)."""
        self._unsubscribe()
        self._drain_timer.stop()

    def on_event(self, event: Event) -> None:
        """Handle one core event on the UI thread."""

    def flash(self, text: str, seconds: float = 5.0) -> None:
        """Show ``text`` for ``seconds`` (an empty text clears the message now)."""
        self._set_message(text)
        if text:
            self._message_timer.start(int(seconds * 1000))
        else:
            self._message_timer.stop()

    @Slot()
    def _drain(self) -> None:
        """UI thread: hand every event heard since the last tick to ``on_event``, in order."""
        while not self._events.empty():
            event = self._events.get_nowait()
            try:
                self._deliver(event)
            except Exception:  # noqa: BLE001 - one bad event must not stop the screen hearing the rest
                _log.exception("the screen could not show %s", type(event).__name__)

    def _deliver(self, event: Event) -> None:
        if isinstance(event, Notice) and event.topic == self.topic:
            self.flash(event.text, event.seconds)
        self.on_event(event)

    def _set_message(self, text: str) -> None:
        if text != self._message:
            if text:
                _log.info("shown to the shopper: %s", text)
            self._message = text
            self.messageChanged.emit()

    message = Property(str, lambda self: self._message, notify=messageChanged)
