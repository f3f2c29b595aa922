"""AssistBridge: "another size, please" and "call an associate" from the mirror."""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, Signal, Slot

from kiosk.core import KioskCore
from kiosk.errors import KioskError
from kiosk.events import Event, SessionStateChanged
from kiosk.net.events import AssistAcknowledged, AssistRequested
from ui.core_listener import CoreListener


class AssistBridge(CoreListener):
    """The help request's state ("" none, "sent" or "coming"); ``message`` says it in words."""

    stateChanged = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self._state = ""
        self._pending: set[str] = set()

    def on_event(self, event: Event) -> None:
        if isinstance(event, AssistRequested):
            self._pending.add(event.request_id)
            what = "another size" if event.kind == "size" else "an associate"
            self._set_state("sent")
            self.flash(f"Asked for {what}. Someone will come to your fitting room.", 30)
        elif isinstance(event, AssistAcknowledged) and event.request_id in self._pending:
            self._pending.discard(event.request_id)
            self._set_state("coming")
            self.flash("Someone is on the way.", 30)
        elif isinstance(event, SessionStateChanged) and event.state == "idle":
            self._pending.clear()
            self._set_state("")
            self.flash("")

    @Slot(str)
    def request(self, kind: str) -> None:
        try:
            self._core.request_assist(kind)
        except KioskError as exc:
            self.flash(str(exc))

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit()

    state = Property(str, lambda self: self._state, notify=stateChanged)
