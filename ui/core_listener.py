"""CoreListener: the base of every bridge — core events arrive on worker threads, handled on the UI thread.

A bridge subscribes to the core's event bus; each event is re-emitted through a Qt signal,
which Qt queues to the thread the bridge lives in (the UI thread), where ``on_event`` runs.
``Notice`` events of the bridge's ``topic`` are shown by ``flash`` for their time (the
``message`` property). Bridges translate; they decide nothing and never touch a database.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.core import KioskCore
from kiosk.events import Event, Notice

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1


class CoreListener(QObject):
    """Subscribes to the core's bus; subclasses implement ``on_event`` (UI thread)."""

    topic = ""  # which core notices this bridge shows

    messageChanged = Signal()
    _coreEvent = Signal(object)

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._message = ""
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self._set_message(""))
        self._coreEvent.connect(self._deliver)
        self._unsubscribe = core.bus.subscribe(self._coreEvent.emit)

    def close(self) -> None:
        """Stop listening (before the bridge goes away)."""
        self._unsubscribe()

    def on_event(self, event: Event) -> None:
        """Handle one core event on the UI thread."""

    def flash(self, text: str, seconds: float = 5.0) -> None:
        """Show ``text`` for ``seconds`` (an empty text clears the message now)."""
        self._set_message(text)
        if text:
            self._message_timer.start(int(seconds * 1000))
        else:
            self._message_timer.stop()

    @Slot(object)
    def _deliver(self, event: Event) -> None:
        if isinstance(event, Notice) and event.topic == self.topic:
            self.flash(event.text, event.seconds)
        self.on_event(event)

    def _set_message(self, text: str) -> None:
        if text != self._message:
            self._message = text
            self.messageChanged.emit()

    message = Property(str, lambda self: self._message, notify=messageChanged)
