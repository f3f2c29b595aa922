"""Turns core events (``EventBus``) into the network's view: state, counters, SSE and webhook.

Runs on whichever thread emitted the event, so it only updates plain fields and hands the rest
to ``EventStream.publish`` (thread-safe) and the outbox (a short SQLite insert). Card UIDs
never leave the mirror, and a customer's card key (``customer_id``) leaves it only with her yes:
a tap is told as ``card_tapped`` with ``customer_id`` and ``known`` null until her card is tied
to this visit's yes (a staff card's tap names the associate). The tie is told once, as
``customer_identified`` (session, card key, room), when it is made: her yes to the question
asked after the tap (``ConsentChanged`` accepted, with the card), or her tap after a yes. A no,
or a yes taken back, deletes what the outbox still holds naming her in that visit
(``privacy.forget_ties``); a visit that ends without a yes never queued her id.
"Forget me" and withdrawn consent are handed to ``privacy`` (outbox and share rows purged,
links revoked for good). The shopper's own Delete of a look she said yes to is told as
``look_deleted``, as a tablet's deletion is by the API.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.analysis.events import AnalysisStatus
from kiosk.events import BY_SHOPPER, Event, LookDeleted, SessionStateChanged
from kiosk.identity.events import STEP_WELCOME, CardTapped, ConsentChanged, CustomerForgetting, CustomerForgotten
from kiosk.net.context import NetContext
from kiosk.net.live import LiveState, LiveView
from kiosk.net.privacy import (
    LOOK_DELETED,
    existing_ids,
    forget_customer,
    forget_ties,
    look_deleted,
    revoke_session_links,
)
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingFailed, RecordingStarted

_log = logging.getLogger(__name__)

_RECORDING = (RecordingStarted, LookRecorded, RecordingDiscarded, RecordingFailed)
CARD_TAPPED = "card_tapped"
#: A customer's card was tied to a visit by her yes (the only event that names her, with ``card_tapped`` after it).
CUSTOMER_IDENTIFIED = "customer_identified"


class EventFeed:
    """A bus listener; ``on_state`` is called with idle/session/recording when that changes."""

    def __init__(self, ctx: NetContext, on_state: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._on_state = on_state
        self._lock = threading.Lock()  # one event at a time: state changes are published in order
        self._recording: str | None = None  # the look being recorded

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, SessionStateChanged):
                self._session(event)
            elif isinstance(event, _RECORDING):
                self._recording_event(event)
            elif isinstance(event, AnalysisStatus):
                heard_analysis(self._ctx.live, event)
            elif isinstance(event, CardTapped):
                self._tapped(event)
            elif isinstance(event, (CustomerForgotten, CustomerForgetting)):
                self._forget(event.card_key)  # at once, and again once the mirror's own databases are done
            elif isinstance(event, ConsentChanged):
                self._consent(event)
            elif isinstance(event, LookDeleted) and event.by == BY_SHOPPER:
                # Her own Delete at the mirror, of a look she said yes to (the core tells no other):
                # as a tablet's deletion is told. A tablet's was told by the API, which put it here.
                self._ctx.tell(LOOK_DELETED, look_deleted(event.look_id, event.by))

    def _tapped(self, event: CardTapped) -> None:
        """Every tap is told; it names the customer only once her card is tied to this visit's yes."""
        named = event.staff or event.tied  # a staff card names the associate, as before
        room = self._ctx.config.api.room
        self._ctx.emit(
            CARD_TAPPED,
            {
                "customer_id": event.customer_id if named else None,  # the keyed hash, never the card number
                # "a loyalty customer in room 7 at 14:05" is a clue to whom too: withheld with the id
                "known": event.known if named else None,
                "staff": event.staff,
                "session_id": event.session_id,
                "room": room,
            },
        )
        if event.tied and event.next_step == STEP_WELCOME:  # her yes came first: the tap tied the card now
            self._identified(event.session_id, event.card_key)

    def _consent(self, event: ConsentChanged) -> None:
        ctx = self._ctx
        if event.decision == "accepted":
            if event.card_key:  # a yes to the question asked with her card: the card is tied now
                self._identified(event.session_id, event.card_key)
            return
        if event.decision == "withdrawn":
            revoke_session_links(ctx.shares, ctx.library, event.session_id)
        # A no (or a yes taken back): what the outbox still holds naming her in this visit goes.
        forget_ties(ctx.shares.database, ctx.outbox, event.session_id)

    def _identified(self, session_id: str, card_key: str) -> None:
        self._ctx.emit(
            CUSTOMER_IDENTIFIED, {"customer_id": card_key, "session_id": session_id, "room": self._ctx.config.api.room}
        )

    def _forget(self, card_key: str) -> None:
        ctx = self._ctx
        forget_customer(ctx.shares.database, ctx.outbox, ctx.shares, card_key, existing_ids(ctx.library))

    def _session(self, event: SessionStateChanged) -> None:
        previous = heard_session(self._ctx.live, event)
        session_id = self._ctx.live.session_id
        if session_id is None:
            self._recording = None
        if session_id and session_id != previous.session_id:
            self._ctx.emit("session_started", {"session_id": session_id, "room": self._ctx.config.api.room})
        elif session_id is None and previous.session_id:
            self._ctx.emit("session_ended", {"session_id": previous.session_id, "room": self._ctx.config.api.room})
        self._update_state()

    def _recording_event(self, event: Event) -> None:
        if isinstance(event, RecordingStarted):
            self._recording = event.look_id
        elif event.look_id in (None, self._recording):
            # the end of an earlier take (finished, or found too short, after the next one started) is not this one's
            self._recording = None
        if isinstance(event, LookRecorded):
            self._ctx.live.count("looks_recorded")
            self._ctx.emit(
                "look_recorded",
                {"look_id": event.look_id, "session_id": event.session_id, "duration_s": round(event.duration_s, 2)},
            )
        self._update_state()

    def _update_state(self) -> None:
        live = self._ctx.live
        if self._recording:
            state = "recording"
        else:
            state = "session" if live.session_id else "idle"
        if live.update(state=state).state != state:
            self._ctx.stream.publish("state", {"mirror_id": self._ctx.mirror_id, "state": state})
            self._on_state(state)


def heard_analysis(live: LiveState, event: AnalysisStatus) -> None:
    """For /health and /metrics: a dead analysis process shows there with its reason."""
    live.update(analysis_state=event.state, analysis_reason=event.reason)
    if event.state == "restarting":
        live.count("analysis_restarts")


def heard_session(live: LiveState, event: SessionStateChanged) -> LiveView:
    """The visit now (a new one counted); returns the view before."""
    session_id = event.session_id if event.state == "session" else None
    previous = live.update(session_id=session_id, session_started_at=event.started_at if session_id else None)
    if session_id and session_id != previous.session_id:
        live.count("sessions_started")
    return previous


class LiveFeed:
    """A bus listener for the live state alone: a plain mirror's (``kiosk.net.plain_pages``), which
    has no event stream, outbox or share links to tell, and records nothing."""

    def __init__(self, live: LiveState) -> None:
        self._live = live
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, SessionStateChanged):
                heard_session(self._live, event)
                self._live.update(state="session" if self._live.session_id else "idle")
            elif isinstance(event, AnalysisStatus):
                heard_analysis(self._live, event)
