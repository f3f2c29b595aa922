"""The mirror's recording desk: takes for the current session, its looks, and what happens at its end.

The studio owns the look library and the recorder while the kiosk runs. It starts takes for
the session in front of the mirror (by touch, gesture or the turn detector), knows which
looks belong to that session (the replay tray), lets the shopper delete one, and when the
session ends deletes every look the shopper did not say yes to. A take still being finished
when its session ends is deleted as soon as it lands, unless it was consented.
"""

from __future__ import annotations

import logging
import threading

from kiosk.events import EventBus
from kiosk.library import Library
from kiosk.library.look import Look
from kiosk.library.retention import RetentionPolicy, apply_retention
from kiosk.recording.events import LookRecorded
from kiosk.recording.recorder import Recorder
from kiosk.recording.recovery import recover

_log = logging.getLogger(__name__)


class Studio:
    """Library + recorder for the live mirror."""

    def __init__(self, library: Library, recorder: Recorder, bus: EventBus, policy: RetentionPolicy) -> None:
        self.library = library
        self.recorder = recorder
        self._bus = bus
        self._policy = policy
        self._lock = threading.Lock()
        self._session: str | None = None
        self._unsubscribe = None

    def start(self) -> None:
        """Open the library, recover interrupted takes, drop stale sessions' looks, start encoding."""
        self.library.open()
        _log.info("recovery: %s", recover(self.library).summary())
        deleted = self.library.end_stale_sessions()
        if deleted:
            _log.info("deleted %d unconsented looks of earlier sessions", len(deleted))
        apply_retention(self.library, self._policy)
        self._unsubscribe = self._bus.subscribe(self._on_event)
        self.recorder.start()

    def stop(self) -> None:
        """Finish the current take, stop the recorder, close the library."""
        self.recorder.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.library.close()

    # -- the session --------------------------------------------------------------------------

    def session_started(self, session_id: str) -> None:
        # The encoder keeps running between sessions: pausing it left too little pre-roll when
        # a shopper turned right after stepping in (the turn's start fell before the clip's).
        with self._lock:
            self._session = session_id

    def session_ended(self, session_id: str) -> list[str]:
        """End any take and delete the session's unconsented looks; returns the deleted ids."""
        with self._lock:
            if self._session == session_id:
                self._session = None
        self.recorder.end("the session ended")
        deleted = self.library.end_session(session_id)
        if deleted:
            _log.info("session %s ended: %d unconsented looks deleted", session_id, len(deleted))
        return deleted

    # -- intents ------------------------------------------------------------------------------

    def begin(self, reason: str, customer_id: str | None = None) -> str:
        """Start a take for the current session; raises ``RecordingRefused`` with a plain reason."""
        with self._lock:
            session = self._session
        return self.recorder.begin(reason=reason, session_id=session, customer_id=customer_id)

    def end(self, reason: str = "stopped") -> None:
        self.recorder.end(reason)

    @property
    def recording(self) -> bool:
        return self.recorder.recording

    def session_looks(self) -> list[Look]:
        """The current session's looks, newest first (the replay tray)."""
        with self._lock:
            session = self._session
        return self.library.list(session_id=session) if session else []

    def delete(self, look_id: str) -> bool:
        """The shopper deletes one of this session's looks; False when it is not theirs."""
        if look_id not in {look.id for look in self.session_looks()}:
            return False
        return self.library.delete_if_present(look_id)

    # -- events -------------------------------------------------------------------------------

    def _on_event(self, event) -> None:
        if not isinstance(event, LookRecorded):
            return
        with self._lock:
            current = self._session
        if event.session_id is not None and event.session_id != current:
            look = self.library.find(event.look_id)
            if look is not None and not look.consented:
                self.library.delete_if_present(event.look_id)
                _log.info("look %s landed after its session ended; deleted (no consent)", event.look_id)
