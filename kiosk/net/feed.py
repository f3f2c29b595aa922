"""Turns core events (``EventBus``) into the network's view: state, counters, SSE and webhook.

Runs on whichever thread emitted the event, so it only updates plain fields and hands the rest
to ``EventStream.publish`` (thread-safe) and the outbox (a short SQLite insert). Card UIDs
never leave the mirror: a tap is reported with the customer id the identity layer resolved.
"Forget me" and withdrawn consent are handed to ``privacy`` (outbox and share rows purged,
links revoked for good).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.events import Event, SessionStateChanged
from kiosk.net.context import NetContext

_log = logging.getLogger(__name__)


def _recording_events() -> tuple[type, type, type, type]:
    from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingFailed, RecordingStarted

    return RecordingStarted, LookRecorded, RecordingDiscarded, RecordingFailed


def _identity_events() -> tuple[type, type, type] | None:
    try:
        from kiosk.identity.events import CardTapped, ConsentChanged, CustomerForgotten
    except ImportError:  # a core without the card reader layer
        return None
    return CardTapped, ConsentChanged, CustomerForgotten


class EventFeed:
    """A bus listener; ``on_state`` is called with idle/session/recording when that changes."""

    def __init__(self, ctx: NetContext, on_state: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._on_state = on_state
        self._lock = threading.Lock()
        self._session_id: str | None = None
        self._recording = False
        try:
            self._rec = _recording_events()
        except ImportError:  # a core without the recorder: sessions only
            self._rec = None
        identity = _identity_events()
        self._card, self._consent, self._forgotten = identity if identity else (None, None, None)

    def __call__(self, event: Event) -> None:
        if isinstance(event, SessionStateChanged):
            self._session(event)
        elif self._rec is not None and isinstance(event, self._rec):
            self._recording_event(event)
        elif self._card is not None and isinstance(event, self._card):
            self._ctx.emit(
                "card_tapped",
                {
                    "customer_id": event.customer_id,  # the keyed hash, never the card number
                    "known": event.known,
                    "staff": event.staff,
                    "session_id": event.session_id,
                    "room": self._ctx.config.api.room,
                },
            )
        elif self._forgotten is not None and isinstance(event, self._forgotten):
            self._forget(event.card_key)
        elif self._consent is not None and isinstance(event, self._consent) and event.decision == "withdrawn":
            from kiosk.net.privacy import revoke_session_links

            revoke_session_links(self._ctx.shares, self._ctx.library, event.session_id)

    def _forget(self, card_key: str) -> None:
        from kiosk.net.privacy import forget_customer

        ctx = self._ctx
        looks_left = {look.id for look in ctx.library.list()} if ctx.library is not None else None
        forget_customer(ctx.shares.database, ctx.outbox, ctx.shares, card_key, looks_left)

    def _session(self, event: SessionStateChanged) -> None:
        with self._lock:
            previous = self._session_id
            self._session_id = event.session_id
            if event.state == "session" and event.session_id and event.session_id != previous:
                self._ctx.sessions_started += 1
                started = True
            else:
                started = False
            if event.state != "session":
                self._recording = False
        if started:
            self._ctx.emit("session_started", {"session_id": event.session_id, "room": self._ctx.config.api.room})
        elif event.state == "idle" and previous:
            self._ctx.emit("session_ended", {"session_id": previous, "room": self._ctx.config.api.room})
        self._update_state()

    def _recording_event(self, event: Event) -> None:
        started_cls, recorded_cls = self._rec[0], self._rec[1]
        with self._lock:
            self._recording = isinstance(event, started_cls)
        if isinstance(event, recorded_cls):
            self._ctx.looks_recorded += 1
            self._ctx.emit(
                "look_recorded",
                {"look_id": event.look_id, "session_id": event.session_id, "duration_s": round(event.duration_s, 2)},
            )
        self._update_state()

    def _update_state(self) -> None:
        with self._lock:
            if self._recording:
                state = "recording"
            else:
                state = "session" if self._session_id else "idle"
        if state != self._ctx.state:
            self._ctx.state = state
            self._ctx.stream.publish("state", {"mirror_id": self._ctx.mirror_id, "state": state})
            self._on_state(state)
