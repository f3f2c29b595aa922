"""When the mirror is awake: the session state machine, as a pure ``step`` function.

``step(state, event, settings, new_id)`` returns the next state and the effects to carry out;
it does no I/O and reads no clock (the time comes in with the event), so it is tested with
tables. Phases: ``idle`` (attract screen) and ``session`` (someone is in front of the mirror).

- A touch or key press wakes the mirror at once.
- A full-body person seen continuously for ``wake_after_s`` wakes it.
- Once presence detection has reported anything, the session ends when nobody has been seen
  for ``end_after_s`` (brief occlusions shorter than that do not count). Without presence
  detection, it ends ``idle_timeout_s`` after the last touch.
- Anything unexpected falls back to a safe state: ``idle`` with no session.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace


class Phase(str, enum.Enum):
    IDLE = "idle"
    SESSION = "session"


@dataclass(frozen=True)
class SessionSettings:
    wake_after_s: float = 0.7
    end_after_s: float = 20.0
    idle_timeout_s: float = 60.0


@dataclass(frozen=True)
class SessionState:
    phase: Phase = Phase.IDLE
    session_id: str | None = None
    started_at: float | None = None
    last_activity: float | None = None  # last touch or last time a person was seen
    person_since: float | None = None  # while idle: when the current full-body sighting began
    presence_known: bool = False  # presence detection has reported at least once


# -- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
    """A touch, click or key press on the mirror."""

    now: float


@dataclass(frozen=True)
class PersonSeen:
    """The analysis saw a person; ``full_body`` when head to feet are in view."""

    now: float
    full_body: bool = True


@dataclass(frozen=True)
class PersonGone:
    """The analysis sees nobody in this frame."""

    now: float


@dataclass(frozen=True)
class Tick:
    """Time passes (sent about once a second)."""

    now: float


@dataclass(frozen=True)
class EndRequested:
    """Someone (an associate, the shopper) ends the session now."""

    now: float


Input = Touch | PersonSeen | PersonGone | Tick | EndRequested

# -- effects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionStarted:
    session_id: str


@dataclass(frozen=True)
class SessionEnded:
    session_id: str
    reason: str


Effect = SessionStarted | SessionEnded


def _start(state: SessionState, now: float, new_id: Callable[[], str]) -> tuple[SessionState, list[Effect]]:
    sid = new_id()
    nxt = replace(state, phase=Phase.SESSION, session_id=sid, started_at=now, last_activity=now, person_since=None)
    return nxt, [SessionStarted(sid)]


def _end(state: SessionState, reason: str) -> tuple[SessionState, list[Effect]]:
    effects: list[Effect] = [SessionEnded(state.session_id, reason)] if state.session_id else []
    return SessionState(presence_known=state.presence_known), effects


def step(
    state: SessionState, event: Input, settings: SessionSettings, new_id: Callable[[], str]
) -> tuple[SessionState, list[Effect]]:
    """The next state and the effects of ``event``."""
    now = event.now
    if isinstance(event, (PersonSeen, PersonGone)) and not state.presence_known:
        state = replace(state, presence_known=True)
    if state.phase == Phase.IDLE:
        if isinstance(event, Touch):
            return _start(state, now, new_id)
        if isinstance(event, PersonSeen):
            if not event.full_body:
                return replace(state, person_since=None), []
            since = state.person_since if state.person_since is not None else now
            if now - since >= settings.wake_after_s:
                return _start(state, now, new_id)
            return replace(state, person_since=since), []
        if isinstance(event, PersonGone):
            return replace(state, person_since=None), []
        return state, []
    if state.phase == Phase.SESSION:
        if isinstance(event, (Touch, PersonSeen)):
            return replace(state, last_activity=now), []
        if isinstance(event, EndRequested):
            return _end(state, "ended on request")
        if isinstance(event, Tick):
            timeout = settings.end_after_s if state.presence_known else settings.idle_timeout_s
            if state.last_activity is not None and now - state.last_activity >= timeout:
                return _end(state, "nobody in front of the mirror")
        return state, []
    return _end(state, "failsafe")
