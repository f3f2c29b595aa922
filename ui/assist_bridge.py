"""AssistBridge: "another size, please" and "call an associate" from the mirror."""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from kiosk.core import KioskCore
from kiosk.errors import KioskError
from kiosk.events import Event, SessionStateChanged
from kiosk.net.events import AssistAcknowledged, AssistRequested


class AssistBridge(QObject):
    """The help request's state: "" (none), "sent" or "coming"."""

    changed = Signal()
    _coreEvent = Signal(object)

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._state = ""
        self._text = ""
        self._pending: set[str] = set()
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(lambda: self._set("", ""))
        self._coreEvent.connect(self._on_core_event)
        self._unsubscribe = core.bus.subscribe(self._coreEvent.emit)

    def close(self) -> None:
        self._unsubscribe()

    @Slot(object)
    def _on_core_event(self, event: Event) -> None:
        if isinstance(event, AssistRequested):
            self._pending.add(event.request_id)
            what = "another size" if event.kind == "size" else "an associate"
            self._set("sent", f"Asked for {what}. Someone will come to your fitting room.")
        elif isinstance(event, AssistAcknowledged) and event.request_id in self._pending:
            self._pending.discard(event.request_id)
            self._set("coming", "Someone is on the way.")
            self._clear.start(30_000)
        elif isinstance(event, SessionStateChanged) and event.state == "idle":
            self._pending.clear()
            self._set("", "")

    @Slot(str)
    def request(self, kind: str) -> None:
        try:
            self._core.request_assist(kind)
        except KioskError as exc:
            self._set("", str(exc))
            self._clear.start(5000)

    def _set(self, state: str, text: str) -> None:
        if (state, text) != (self._state, self._text):
            self._state, self._text = state, text
            self.changed.emit()

    state = Property(str, lambda self: self._state, notify=changed)
    text = Property(str, lambda self: self._text, notify=changed)
