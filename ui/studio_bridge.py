"""StudioBridge: recording, replay, sharing and the looks tray for QML.

It mirrors the core's events into Qt properties (recording or not, why Record cannot work now, the shopper's looks as
``TrayChanged`` lists them (this session's, then the card's kept ones), the look being replayed, the share code on screen) and forwards
the shopper's taps to the core as intents. A look that lands for the current session is
replayed at once. Nothing here queries the library: the tray arrives with its rows.
"""

from __future__ import annotations

import base64
import logging
import time
from datetime import datetime

from PySide6.QtCore import Property, QObject, QUrl, Signal, Slot
from PySide6.QtQml import QmlElement, QmlUncreatable

from kiosk.core import KioskCore
from kiosk.compare.events import ComparisonChanged, ComparisonClosed
from kiosk.events import Event, LinkRevoked, SessionStateChanged, SharesEnded, ShareShown, TrayChanged, TrayStep
from kiosk.intents import tray_target
from kiosk.recording.events import (
    LookRecorded,
    RecordingAvailability,
    RecordingDiscarded,
    RecordingFailed,
    RecordingStarted,
    RecordingStopped,
)
from ui.core_listener import CoreListener
from ui.looks_model import LooksModel

_log = logging.getLogger(__name__)

QML_IMPORT_NAME = "SmartMirror.Bridges"
QML_IMPORT_MAJOR_VERSION = 1


@QmlElement
@QmlUncreatable("the mirror's app makes its bridges")
class StudioBridge(CoreListener):
    """Recording state, the replay, the share code and the tray, for the mirror's screen."""

    topic = "studio"
    recordingChanged = Signal()
    recordBlockedChanged = Signal()
    replayChanged = Signal()
    shareChanged = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self._available = core.parts.studio.available
        self._model = LooksModel(self)
        self._recording_id: str | None = None  # the take being recorded (None: Record is shown)
        self._recording_since = 0.0
        self._record_blocked = core.parts.studio.record_blocked  # "" while Record can work
        self._replay_id = ""
        self._replay_url = QUrl()
        # A look that landed before the tray listed it, and its visit: it plays only in that visit's tray.
        self._play_when_listed: tuple[str, str] | None = None
        self._tray_session: str | None = None  # the visit the tray shows (None: nobody in front of the mirror)
        self._share: dict | None = None  # the link on screen: url, qr (data URL), expires

    # -- core events (UI thread) --------------------------------------------------------------

    def on_event(self, event: Event) -> None:  # noqa: C901 - one event type per branch
        if isinstance(event, RecordingStarted):
            self._set_recording(event.look_id, event.at)
        elif isinstance(event, RecordingStopped):
            self._ended(event.look_id)
        elif isinstance(event, LookRecorded):
            # A take finished while the next one is being recorded (the finisher takes a second or two)
            # neither turns Stop back into Record nor opens its replay over her turn: it is in the tray.
            # Nor does the take of another visit (one that landed after its shopper left, a kept take
            # stored later): it is no replay of hers, even where her card's kept looks list it.
            session_id = event.session_id
            if self._ended(event.look_id) and session_id is not None and self._tray_session in (None, session_id):
                self._play_when_listed = (event.look_id, session_id)
                self._play_if_listed()
        elif isinstance(event, TrayChanged):
            self._tray_session = event.session_id
            if self._play_when_listed and self._play_when_listed[1] != event.session_id:
                self._play_when_listed = None  # the tray of another visit (or none): that take is not hers to see
            self._model.replace(list(event.looks), list(event.kept))
            if self._replay_id and self._replay_id not in self._model.ids():
                self.closeReplay()  # deleted, or forgotten
            if self._share and self._share["kind"] == "look" and self._share["id"] not in self._model.ids():
                self.closeShare()  # its look went (deleted, forgotten): the code leads nowhere
            self._play_if_listed()
        elif isinstance(event, RecordingDiscarded):
            self._ended(event.look_id)
            self.flash("That was too short to keep — turn around once more.")
        elif isinstance(event, RecordingFailed):
            self._ended(event.look_id)
            self.flash(event.reason)
        elif isinstance(event, RecordingAvailability):
            if event.why != self._record_blocked:
                self._record_blocked = event.why
                self.recordBlockedChanged.emit()
        elif isinstance(event, ShareShown):
            qr = "data:image/png;base64," + base64.b64encode(event.qr_png).decode("ascii")
            expires = datetime.fromtimestamp(event.expires_at).strftime("%d %b %H:%M")
            self._share = {"url": event.url, "qr": qr, "expires": expires, "kind": event.kind, "id": event.look_id,
                           "share_id": event.share_id}
            self.shareChanged.emit()
        elif isinstance(event, (SharesEnded, LinkRevoked, ComparisonClosed, ComparisonChanged)):
            if self._share_ends(event):
                self.closeShare()
        elif isinstance(event, TrayStep):
            self.step(event.delta)
        elif isinstance(event, SessionStateChanged) and event.state == "idle":
            self.closeReplay()
            self.closeShare()

    def _play_if_listed(self) -> None:
        if self._play_when_listed is None:
            return
        look_id, session_id = self._play_when_listed
        if session_id == self._tray_session and look_id in self._model.ids():
            self._play_when_listed = None
            self.play(look_id)

    # -- intents ------------------------------------------------------------------------------

    @Slot()
    def toggleRecording(self) -> None:  # noqa: N802 - QML API
        self._core.toggle_recording()

    @Slot(str)
    def play(self, look_id: str) -> None:
        look = self._model.get(look_id)
        if look is None:
            return
        shown = look.id != self._replay_id
        if shown:
            ids = self._model.ids()
            _log.info("shown to the shopper: look %d of %d", ids.index(look.id) + 1, len(ids))
        self._replay_id, self._replay_url = look.id, QUrl.fromLocalFile(look.path)
        self.replayChanged.emit()
        if shown:  # the core lets a look deleted meanwhile go (the tray closes this replay) and says so
            self._core.replaying(look.id)

    @Slot()
    def closeReplay(self) -> None:  # noqa: N802 - QML API
        if self._replay_id:
            self._replay_id, self._replay_url = "", QUrl()
            self.replayChanged.emit()

    @Slot(str)
    def share(self, look_id: str) -> None:
        """The Share button; the core answers with a QR code, or asks for consent first."""
        self._core.share(look_id)

    @Slot()
    def closeShare(self) -> None:  # noqa: N802 - QML API
        if self._share is not None:
            self._share = None
            self.shareChanged.emit()

    @Slot(int)
    def step(self, delta: int) -> None:
        """Move through the tray (swipe gesture or arrow): +1 older, -1 newer (``tray_target``)."""
        target = tray_target(self._model.ids(), self._replay_id, delta)
        if target is not None:
            self.play(target)

    @Slot(str)
    def deleteLook(self, look_id: str) -> None:  # noqa: N802 - QML API
        if look_id == self._replay_id:
            self.closeReplay()
        self._core.delete_look(look_id)

    # -- helpers ------------------------------------------------------------------------------

    def _share_ends(self, event: Event) -> bool:
        """Whether the code on screen leads nowhere after ``event``: the visit's links revoked, its own
        link revoked by the store, or a comparison's code without its comparison (closed, or deleted by the store)."""
        share = self._share
        if share is None:
            return False
        if isinstance(event, SharesEnded):
            return True
        if isinstance(event, LinkRevoked):
            return bool(share["share_id"]) and event.share_id == share["share_id"]
        if share["kind"] != "comparison":
            return False
        return isinstance(event, ComparisonClosed) or (event.state == "deleted" and event.comparison_id == share["id"])

    def _ended(self, look_id: str | None) -> bool:
        """A take ended: Record is shown again unless another take is being recorded now; whether none is."""
        if look_id is None or look_id == self._recording_id:
            self._set_recording(None)
        return self._recording_id is None

    def _set_recording(self, look_id: str | None, since: float | None = None) -> None:
        """``look_id`` is being recorded now (None: none is)."""
        was = self._recording_id is not None
        self._recording_id = look_id
        if (look_id is not None) != was:
            self._recording_since = since or time.monotonic()
            self.recordingChanged.emit()

    @Slot(result=float)
    def recordingSeconds(self) -> float:  # noqa: N802 - QML API
        return time.monotonic() - self._recording_since if self._recording_id is not None else 0.0

    available = Property(bool, lambda self: self._available, constant=True)
    looks = Property(QObject, lambda self: self._model, constant=True)
    recording = Property(bool, lambda self: self._recording_id is not None, notify=recordingChanged)
    # Why Record cannot work now ("Storage full"), shown under it greyed; "" when it can.
    recordBlocked = Property(str, lambda self: self._record_blocked, notify=recordBlockedChanged)
    replayId = Property(str, lambda self: self._replay_id, notify=replayChanged)
    replayUrl = Property(QUrl, lambda self: self._replay_url, notify=replayChanged)
    shareVisible = Property(bool, lambda self: self._share is not None, notify=shareChanged)
    shareLink = Property("QVariantMap", lambda self: self._share or {}, notify=shareChanged)
