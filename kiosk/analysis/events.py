"""What the analysis tells the rest of the kiosk, as small frozen events on the ``EventBus``.

Times named ``*_s`` are ``time.monotonic()`` seconds (the camera frames' clock), so they line
up with frame timestamps and the recorder's pre-roll. Emitted on the "analysis" thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class PersonPresenceChanged(Event):
    """Someone arrived or left; ``presence`` is "nobody", "partial" or "full_body"."""

    presence: str
    full_body: bool


@dataclass(frozen=True)
class PresenceSample(Event):
    """One analysed frame's answer to "is someone there?" (``t`` is the frame's capture time)."""

    t: float
    seen: bool
    full_body: bool


@dataclass(frozen=True)
class BodyYaw(Event):
    """The body's facing in one analysed frame (about 10–15 times a second while someone is there).

    ``yaw_deg``: -180..180, 0 facing the camera, positive clockwise seen from above.
    ``rotation_deg``: cumulative since the person arrived. ``turn_deg``: progress of the turn
    in progress (0 when none). ``confidence``: 0..1, the tracker's probability that the yaw is
    within ±30° of ``yaw_deg``. The newest frame's estimate: later frames may revise it (the
    settled path comes with ``TurnPhase`` completed/abandoned). ``extent``: how far across the
    upright picture her body reaches in this frame (``extent.Extent``: left, right, height, in
    picture widths), None where too little of it was seen.
    """

    t: float
    yaw_deg: float
    rotation_deg: float
    turn_deg: float
    confidence: float = 1.0
    extent: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class TurnPhase(Event):
    """A turn ``started``, reached the ``back``, was ``completed`` or ``abandoned``.

    ``start_s``/``back_s``/``end_s`` are known as far as the phase allows (None before);
    ``rotation_deg`` and ``complete`` are final only with ``completed``/``abandoned``, which also
    carry ``track``: the settled yaw path around the turn, rows ``(t, yaw_deg, rotation_deg,
    confidence)`` on the same clock, from a few seconds before the turn to now.
    """

    phase: str
    direction: str
    start_s: float | None
    back_s: float | None = None
    end_s: float | None = None
    rotation_deg: float | None = None
    complete: bool = False
    track: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class GestureProgress(Event):
    """A gesture's ring fills (``progress`` 0..1) or it ``fired``: "raise_hand", "swipe_left", "swipe_right"."""

    gesture: str
    progress: float
    fired: bool = False


@dataclass(frozen=True)
class AnalysisStatus(Event):
    """The analysis started, failed or stopped; ``reason`` is plain words."""

    state: str
    reason: str
