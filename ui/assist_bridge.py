"""AssistBridge: "another size, please" and "call an associate" from the mirror."""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, Signal, Slot
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.core import KioskCore
from kiosk.events import Event, SessionStateChanged
from kiosk.net.events import AssistAcknowledged, AssistRequested
from ui.core_listener import CoreListener

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1


@QmlElement
@QmlUncreatable("the mirror's app makes its bridges")
class AssistBridge(CoreListener):
    """The help request's state ("" none, "sent" or "coming"); ``message`` says it in words."""

    topic = "assist"
    stateChanged = Signal()
    availableChanged = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self._available = core.parts.network.available
        self._state = ""
        self._pending: set[str] = set()

    def on_event(self, event: Event) -> None:
        if isinstance(event, AssistRequested):
            self._pending.add(event.request_id)
            what = (event.detail or "another size") if event.kind == "size" else "an associate"
            self._set_state("sent")
            self.flash(f"Asked for {what}. Someone will come to your fitting room.", 30)
        elif isinstance(event, AssistAcknowledged) and event.request_id in self._pending:
            self._pending.discard(event.request_id)
            self._set_state("coming")
            self.flash("Someone is on the way.", 30)
        elif isinstance(event, SessionStateChanged):
            available = self._core.parts.network.available  # it may have failed to start
            if available != self._available:
                self._available = available
                self.availableChanged.emit()
            if event.state == "idle":
                self._pending.clear()
                self._set_state("")
                self.flash("")

    @Slot(str)
    def request(self, kind: str) -> None:
        self._core.request_assist(kind)

    @Slot(str)
    def requestSize(self, size: str) -> None:  # noqa: N802 - QML API
        """"Smaller" or "Larger" after "Other size"."""
        self._core.request_assist("size", size)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit()

    available = Property(bool, lambda self: self._available, notify=availableChanged)
    state = Property(str, lambda self: self._state, notify=stateChanged)
