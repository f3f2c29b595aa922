"""CoreListener: the base of every bridge — core events arrive on worker threads, handled on the UI thread.

The bridges of one core share one ``Inbox``: a single subscription to the core's event bus puts
each event into a plain thread-safe queue, and a single timer on the UI thread drains it every
``DRAIN_MS``, handing each event to every bridge's ``on_event`` in the order they were made. One
timer, not one per bridge: an idle mirror's UI thread wakes 67 times a second for events, not
five times that. No Qt signal crosses a thread with a Python object in it: PySide6 6.12
emitting ``Signal(object)`` from a worker thread corrupted a reference count under load
(``kiosk bench soak``, 2026-12-03: "Fatal Python error: bool_dealloc" in the analysis thread's
emit after 8 minutes; PYSIDE-3124 is of the same family), which kills the mirror.
``Notice`` events of the bridge's ``topic`` are shown by ``flash`` for their time (the
``message`` property), and each one shown is logged at INFO, so the journal (and a test)
can tell what the shopper was told. Every message goes through ``flash``, which is where an
error's own words that slipped into one are caught (``kiosk.words.for_the_shopper``). Bridges translate; they decide nothing and never touch a
database.
"""

from __future__ import annotations

import logging
import queue
import weakref

from PySide6.QtCore import Property, QObject, QTimer, Signal

from kiosk.core import KioskCore
from kiosk.events import Event, Notice
from kiosk.log import QuietLogger
from kiosk.words import for_the_shopper, reading_seconds

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1

_log = logging.getLogger(__name__)

DRAIN_MS = 15  # the most an event waits before the screen hears of it (a frame at 60 Hz)


class Inbox:
    """One core's events, heard on any thread, handed to its listeners on the UI thread."""

    _by_core: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, core: KioskCore) -> Inbox:
        """The inbox of ``core`` (made, subscribed and started on first use; UI thread)."""
        inbox = cls._by_core.get(core)
        if inbox is None:
            inbox = cls._by_core[core] = cls(core)
        return inbox

    def __init__(self, core: KioskCore) -> None:
        self._core = weakref.ref(core)
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._listeners: list[CoreListener] = []
        # Per bridge and kind of event: a bridge that fails on every presence sample logs one
        # traceback and then a line a minute, until it handles that kind of event again.
        self._failing: dict[tuple[type, type], QuietLogger] = {}
        self._timer = QTimer()
        self._timer.timeout.connect(self.drain)
        self._unsubscribe = core.bus.subscribe(self._events.put)  # any thread; never touches Qt
        self._timer.start(DRAIN_MS)

    def add(self, listener: CoreListener) -> None:
        self._listeners.append(listener)

    def remove(self, listener: CoreListener) -> None:
        """Stop handing events to ``listener``; the last one out unsubscribes and stops the timer."""
        self._listeners = [other for other in self._listeners if other is not listener]
        if not self._listeners:
            self._unsubscribe()
            self._timer.stop()
            core = self._core()
            if core is not None and Inbox._by_core.get(core) is self:
                del Inbox._by_core[core]

    def drain(self) -> None:
        """UI thread: hand every event heard since the last tick to each listener, in order."""
        while not self._events.empty():
            event = self._events.get_nowait()
            for listener in tuple(self._listeners):
                try:
                    listener._deliver(event)
                except Exception:  # noqa: BLE001 - one bad event must not stop the screen hearing the rest
                    key = (type(listener), type(event))
                    quiet = self._failing.get(key) or self._failing.setdefault(key, QuietLogger(_log))
                    quiet.exception("the screen could not show %s (%s)", type(event).__name__, type(listener).__name__)
                else:
                    if self._failing:
                        self._recovered(type(listener), type(event))

    def _recovered(self, listener: type, event: type) -> None:
        quiet = self._failing.pop((listener, event), None)
        if quiet is not None and quiet.clear():
            _log.warning("the screen shows %s again (%s)", event.__name__, listener.__name__)


class CoreListener(QObject):
    """Listens to the core's events through its ``Inbox``; subclasses implement ``on_event`` (UI thread)."""

    topic = ""  # which core notices this bridge shows

    messageChanged = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._message = ""
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self._set_message(""))
        self._inbox = Inbox.of(core)
        self._inbox.add(self)

    def close(self) -> None:
        """Stop listening (before the bridge goes away)."""
        self._inbox.remove(self)

    def on_event(self, event: Event) -> None:
        """Handle one core event on the UI thread."""

    def flash(self, text: str, seconds: float = 5.0) -> None:
        """Show ``text`` for ``seconds``, or as long as it takes to read if that is longer (an empty
        text clears the message now). A text with an error's own words in it (a path, "[Errno 30]")
        is shown as a plain sentence instead; the journal gets the original."""
        text = for_the_shopper(text)
        self._set_message(text)
        if text:
            self._message_timer.start(int(max(seconds, reading_seconds(text)) * 1000))
        else:
            self._message_timer.stop()

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
