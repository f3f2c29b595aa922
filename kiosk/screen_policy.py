"""When the screen is lit: a pure function of the session, presence, touches, the clock and the opening hours.

``screen_step(state, event, phase, open_now, settings)`` takes the same inputs as the session's
``step`` (``kiosk.session``: touches, presence, ticks, end requests, each carrying its time),
the session's phase after that input and whether the store is open now; it returns the next
``ScreenState``. No I/O, no clock: table-tested.

- A session lights the screen; so does a touch (or a card tap, which the core turns into a
  touch), at any hour.
- During opening hours a person coming into view lights it at once (the attract screen
  invites them in; the session starts once their whole body has been seen for
  ``session.wake_after_s``), and the screen goes dark after ``sleep_after_s`` with nobody in
  view and no touch while no session runs. ``sleep_after_s = 0`` keeps it lit.
- Outside opening hours the screen is dark whenever no session runs, and presence alone wakes
  nothing (``presence_counts``): cleaners or a night guard walking past do not light the shop.
  A touch still does (staff checking the mirror after hours), and the session it starts goes on
  as usual until the room is empty; then the screen goes dark at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.session import EndRequested, Input, Phase, PersonSeen, Touch


@dataclass(frozen=True)
class ScreenSettings:
    sleep_after_s: float = 120.0  # 0: never dark for an empty room (opening hours still apply)


@dataclass(frozen=True)
class ScreenState:
    on: bool = True  # lit at start-up: the attract screen shows until told otherwise
    reason: str = "starting"
    last_activity: float | None = None  # last touch, person seen or session activity


def presence_counts(phase: Phase, open_now: bool) -> bool:
    """Whether a person seen now may wake the mirror (or keep its session going)."""
    return open_now or phase == Phase.SESSION


def screen_step(state: ScreenState, event: Input, phase: Phase, open_now: bool, settings: ScreenSettings) -> ScreenState:
    """The screen after ``event``, with the session in ``phase`` once it was handled."""
    now = event.now
    if state.last_activity is None:
        state = replace(state, last_activity=now)
    if isinstance(event, Touch):
        return _lit(state, now, "touched")
    if isinstance(event, PersonSeen) and presence_counts(phase, open_now):
        return _lit(state, now, "someone in front of the mirror")
    if phase == Phase.SESSION:
        return state if state.on else _lit(state, now, "a session runs")
    if not open_now:
        return _dark(state, "outside opening hours")
    if isinstance(event, EndRequested):
        return state
    idle = now - state.last_activity
    if settings.sleep_after_s > 0 and idle >= settings.sleep_after_s:
        return _dark(state, f"nobody in front of the mirror for {settings.sleep_after_s:g} s")
    return state


def _lit(state: ScreenState, now: float, reason: str) -> ScreenState:
    if state.on:
        return replace(state, last_activity=now)
    return ScreenState(on=True, reason=reason, last_activity=now)


def _dark(state: ScreenState, reason: str) -> ScreenState:
    return state if not state.on else replace(state, on=False, reason=reason)
