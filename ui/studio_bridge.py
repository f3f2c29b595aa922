"""StudioBridge: recording, replay and the looks tray for QML.

It mirrors the studio's state (recording or not, this session's looks, the look being
replayed) into Qt properties and forwards the shopper's taps. A look that lands for the
current session is replayed at once.
"""

from __future__ import annotations

import base64
import logging
import time
from datetime import datetime

from PySide6.QtCore import Property, QObject, QUrl, Signal, Slot

from kiosk.consent_prompt import ConsentPromptClosed
from kiosk.core import KioskCore
from kiosk.errors import KioskError
from kiosk.events import Event, SessionStateChanged, TrayStep
from kiosk.recording.events import (
    LookRecorded,
    RecordingDiscarded,
    RecordingFailed,
    RecordingStarted,
    RecordingStopped,
)
from ui.core_listener import CoreListener
from ui.looks_model import LooksModel

_log = logging.getLogger(__name__)


class StudioBridge(CoreListener):
    """Recording state, the replay and the tray, for the mirror's screen."""

    recordingChanged = Signal()
    replayChanged = Signal()
    shareChanged = Signal()

    def __init__(self, core: KioskCore, parent: QObject | None = None) -> None:
        super().__init__(core, parent)
        self._studio = core.studio
        self._model = LooksModel(self)
        self._recording = False
        self._recording_since = 0.0
        self._replay_id = ""
        self._replay_url = QUrl()
        self._share: dict | None = None  # the link on screen: url, qr (data URL), expires
        self._share_after_consent: str | None = None

    # -- core events (UI thread) --------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        if isinstance(event, RecordingStarted):
            self._set_recording(True, event.at)
        elif isinstance(event, RecordingStopped):
            self._set_recording(False)
        elif isinstance(event, LookRecorded):
            self._set_recording(False)
            self._refresh()
            if event.look_id in self._model.ids():
                self.play(event.look_id)
        elif isinstance(event, RecordingDiscarded):
            self._set_recording(False)
            self.flash("That was too short to keep — turn around once more.")
        elif isinstance(event, RecordingFailed):
            self._set_recording(False)
            self.flash(event.reason)
        elif isinstance(event, ConsentPromptClosed):
            look_id, self._share_after_consent = self._share_after_consent, None
            if look_id and event.answer == "yes":
                self.share(look_id)
        elif isinstance(event, TrayStep):
            self.step(event.delta)
        elif isinstance(event, SessionStateChanged):
            if event.state == "idle":
                self.closeReplay()
                self.closeShare()
            self._refresh()

    def _refresh(self) -> None:
        try:
            self._model.replace(self._studio.session_looks())
        except Exception:  # the library being unavailable must not take the screen down
            _log.exception("cannot list this session's looks")

    # -- intents ------------------------------------------------------------------------------

    @Slot()
    def toggleRecording(self) -> None:  # noqa: N802 - QML API
        self._core.toggle_recording()

    @Slot(str)
    def play(self, look_id: str) -> None:
        look = next((look for look in self._studio.session_looks() if look.id == look_id), None)
        if look is None:
            return
        self._replay_id, self._replay_url = look.id, QUrl.fromLocalFile(look.path)
        self.replayChanged.emit()

    @Slot()
    def closeReplay(self) -> None:  # noqa: N802 - QML API
        if self._replay_id:
            self._replay_id, self._replay_url = "", QUrl()
            self.replayChanged.emit()

    @Slot(str)
    def share(self, look_id: str) -> None:
        """The Share button: a QR code for the look; asks for consent first when needed."""
        look = next((look for look in self._studio.session_looks() if look.id == look_id), None)
        if look is None:
            return
        if not look.consented:
            self._share_after_consent = look_id
            if not self._core.ask_consent():
                self._share_after_consent = None
                self.flash("Looks can only be shared when you agree to keep them.")
            return
        try:
            link = self._core.share_look(look_id)
        except KioskError as exc:
            self.flash(str(exc))
            return
        qr = "data:image/png;base64," + base64.b64encode(link.qr_png).decode("ascii")
        expires = datetime.fromtimestamp(link.expires_at).strftime("%d %b %H:%M")
        self._share = {"url": link.url, "qr": qr, "expires": expires}
        self.shareChanged.emit()

    @Slot()
    def closeShare(self) -> None:  # noqa: N802 - QML API
        if self._share is not None:
            self._share = None
            self.shareChanged.emit()

    @Slot(int)
    def step(self, delta: int) -> None:
        """Move through the tray (swipe gesture or arrow): +1 older, -1 newer."""
        ids = self._model.ids()
        if not ids:
            return
        index = ids.index(self._replay_id) if self._replay_id in ids else -1
        self.play(ids[max(0, min(len(ids) - 1, index + delta))])

    @Slot(str)
    def deleteLook(self, look_id: str) -> None:  # noqa: N802 - QML API
        if look_id == self._replay_id:
            self.closeReplay()
        if self._studio.delete(look_id):
            self.flash("Look deleted.")
        self._refresh()

    # -- helpers ------------------------------------------------------------------------------

    def _set_recording(self, recording: bool, since: float | None = None) -> None:
        if recording != self._recording:
            self._recording = recording
            self._recording_since = since or time.monotonic()
            self.recordingChanged.emit()

    @Slot(result=float)
    def recordingSeconds(self) -> float:  # noqa: N802 - QML API
        return time.monotonic() - self._recording_since if self._recording else 0.0

    looks = Property(QObject, lambda self: self._model, constant=True)
    recording = Property(bool, lambda self: self._recording, notify=recordingChanged)
    replayId = Property(str, lambda self: self._replay_id, notify=replayChanged)
    replayUrl = Property(QUrl, lambda self: self._replay_url, notify=replayChanged)
    shareVisible = Property(bool, lambda self: self._share is not None, notify=shareChanged)
    shareLink = Property("QVariantMap", lambda self: self._share or {}, notify=shareChanged)
