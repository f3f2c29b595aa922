"""The 360° turn: started, back, completed, from the tracked rotation (pure, no clock, no I/O).

Direction: ``cw`` is clockwise seen from above, the person turning to their own right (in the
image they first face image-left); ``ccw`` the other way. Rotation is the yaw tracker's
cumulative rotation, clockwise positive. Times are whatever clock the samples carry.

- **started**: the body has turned ``start_deg`` away from the lowest (for cw; highest for ccw)
  rotation of the last ``start_window_s`` seconds. A weight shift or a glance at the side view
  stays below it; ``start_s`` is dated back to when the rotation left that rest level.
- **back**: the rotation has reached ``back_deg`` (the back squarely faces the camera).
- **completed**: the rotation reached ``full_deg`` and stopped for ``stall_s``, or reached
  ``complete_deg`` and stopped for ``short_stall_s`` (someone who stops a little short of
  facing front), or the body went on spinning past a full turn. A full turn is at most 360°: when the rotation from rest to rest
  is larger (a fidget that flows into the turn, or an overshoot), the 360° window nearest to
  facing the camera is the turn. ``end_s`` is when the body is within ``settle_deg`` of its
  final facing.
- **abandoned**: the body turned back by ``reverse_deg``, paused longer than ``pause_max_s``,
  or took longer than ``max_turn_s``; the partial turn is reported with ``complete`` false.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from kiosk.analysis.yaw import YawSample


@dataclass(frozen=True)
class TurnSettings:
    """Thresholds of the turn detector (degrees and seconds)."""

    start_deg: float = 75.0
    start_window_s: float = 2.5
    rest_lookback_s: float = 8.0
    back_deg: float = 170.0
    complete_deg: float = 300.0
    full_deg: float = 340.0
    settle_deg: float = 12.0
    stall_deg: float = 8.0
    stall_s: float = 0.4
    short_stall_s: float = 1.5
    pause_max_s: float = 6.0
    reverse_deg: float = 90.0
    max_turn_s: float = 20.0
    report_min_deg: float = 90.0


@dataclass(frozen=True)
class Turn:
    """One turn, finished or given up; ``rotation_deg`` is absolute, at most 360."""

    start_s: float
    back_s: float | None
    end_s: float
    rotation_deg: float
    direction: str  # "cw" | "ccw"
    complete: bool


@dataclass(frozen=True)
class TurnStarted:
    start_s: float
    direction: str


@dataclass(frozen=True)
class TurnBack:
    back_s: float
    direction: str


@dataclass(frozen=True)
class TurnEnded:
    """The turn completed (``turn.complete``) or was given up."""

    turn: Turn


TurnUpdate = TurnStarted | TurnBack | TurnEnded


class _Phase(enum.Enum):
    IDLE = "idle"
    TURNING = "turning"


class TurnTracker:
    """Online turn detector over yaw samples; ``update`` returns what happened at this sample."""

    def __init__(self, settings: TurnSettings | None = None) -> None:
        self.settings = settings or TurnSettings()
        self.turns: list[Turn] = []  # every reported turn, in order
        self._history: deque[tuple[float, float]] = deque()
        self._phase = _Phase.IDLE
        self._sign = 1
        self._rest = 0.0  # rotation at rest before the turn
        self._peak = 0.0  # furthest progress so far
        self._anchor = (0.0, 0.0)  # (time, progress) of the last real progress
        self._t0 = 0.0
        self._back_sent = False
        self._track: list[tuple[float, float]] = []

    @property
    def turning(self) -> bool:
        return self._phase is _Phase.TURNING

    @property
    def direction(self) -> int:
        """+1 while a clockwise turn is in progress, -1 counter-clockwise, 0 when none is."""
        return self._sign if self._phase is _Phase.TURNING else 0

    @property
    def progress_deg(self) -> float:
        """How far the current turn has gone (0 when not turning)."""
        if self._phase is _Phase.IDLE or not self._track:
            return 0.0
        return max(self._sign * (self._track[-1][1] - self._rest), 0.0)

    def update(self, sample: YawSample) -> list[TurnUpdate]:
        t, r = sample.t, sample.rotation_deg
        if self._phase is _Phase.IDLE:
            return self._idle(t, r)
        return self._turning(t, r)

    def lost(self, t: float) -> list[TurnUpdate]:
        """The person is gone (for longer than the yaw tracker can bridge): end any turn."""
        out = self._finish() if self._phase is _Phase.TURNING else []
        self._history.clear()
        return out

    def finish(self) -> list[TurnUpdate]:
        """End of the stream: close a turn in progress."""
        return self.lost(self._track[-1][0] if self._track else 0.0)

    # -- phases -------------------------------------------------------------------------------

    def _idle(self, t: float, r: float) -> list[TurnUpdate]:
        s = self.settings
        self._history.append((t, r))
        while self._history and t - self._history[0][0] > s.rest_lookback_s:
            self._history.popleft()
        recent = [p for p in self._history if t - p[0] <= s.start_window_s]
        low = min(recent, key=lambda p: p[1])
        high = max(recent, key=lambda p: p[1])
        if r - low[1] >= s.start_deg:
            sign, rest = 1, low
        elif high[1] - r >= s.start_deg:
            sign, rest = -1, high
        else:
            return []
        rest = self._rest_before(rest, sign)
        self._phase, self._sign, self._rest = _Phase.TURNING, sign, rest[1]
        self._track = [p for p in self._history if p[0] >= rest[0]]
        self._peak = sign * (r - rest[1])
        self._anchor = (t, self._peak)
        self._t0 = rest[0]
        self._back_sent = False
        start = _crossing(self._track, sign, rest[1] + sign * s.settle_deg, last=False) or rest[0]
        return [TurnStarted(start_s=start, direction=_direction(sign))] + self._turning(t, r, append=False)

    def _rest_before(self, rest: tuple[float, float], sign: int) -> tuple[float, float]:
        """Follow a slow start back past ``start_window_s``: the lowest point before it (cw).

        A slow turner may pause on the way (a side view at 60°) long enough for the window to
        begin mid-turn; going back in time, the rotation keeps falling until the real rest. It
        stops where the rotation rises again by ``reverse_deg / 2`` (a lean the other way before
        the turn) or where the samples have a gap of a second.
        """
        best = rest
        later = rest
        for p in reversed([p for p in self._history if p[0] < rest[0]]):
            if later[0] - p[0] > 1.0 or sign * (p[1] - best[1]) > self.settings.reverse_deg / 2:
                break
            if sign * (p[1] - best[1]) < 0:
                best = p
            later = p
        return best

    def _turning(self, t: float, r: float, append: bool = True) -> list[TurnUpdate]:
        s = self.settings
        if append:
            self._track.append((t, r))
        progress = self._sign * (r - self._rest)
        out: list[TurnUpdate] = []
        if progress > self._peak:
            self._peak = progress
        if progress >= self._anchor[1] + s.stall_deg:
            self._anchor = (t, progress)
        if not self._back_sent and progress >= s.back_deg:
            self._back_sent = True
            back = _crossing(self._track, self._sign, self._rest + self._sign * s.back_deg, last=False) or t
            out.append(TurnBack(back_s=back, direction=_direction(self._sign)))
        stalled_for = t - self._anchor[0]
        if progress >= 360.0 + 90.0:
            out += self._finish(carry_on=True)
        elif (self._peak >= s.full_deg and stalled_for >= s.stall_s) or (
            self._peak >= s.complete_deg and stalled_for >= s.short_stall_s
        ):
            # Facing front again and still; a turn that stops short of that (a pause in the
            # second profile view) must hold still for longer to count as finished.
            out += self._finish()
        elif progress < self._peak - s.reverse_deg or stalled_for > s.pause_max_s or t - self._t0 > s.max_turn_s:
            out += self._finish()
        return out

    def _finish(self, carry_on: bool = False) -> list[TurnUpdate]:
        s = self.settings
        sign, track = self._sign, self._track
        complete = self._peak >= s.complete_deg
        span = min(self._peak, 360.0)
        rest = self._rest
        if self._peak > 360.0:
            # More than a full turn from rest to rest: the 360° nearest to facing the camera.
            lo, hi = sorted((rest, rest + sign * (self._peak - 360.0)))
            rest = min(max(360.0 * round((lo + hi) / 720.0), lo), hi)
        start = _crossing(track, sign, rest + sign * s.settle_deg, last=True, before=rest + sign * s.back_deg)
        back = _crossing(track, sign, rest + sign * s.back_deg, last=False) if span >= s.back_deg else None
        end = _crossing(track, sign, rest + sign * (span - s.settle_deg), last=False)
        start = track[0][0] if start is None else start
        end = track[-1][0] if end is None else end
        turn = Turn(start, back, end, round(span, 1), _direction(sign), complete)
        self._phase = _Phase.IDLE
        self._history.clear()
        if carry_on:
            # A continuous spin: the next turn starts where this one ended.
            self._history.extend(p for p in track if p[0] >= end)
        self._track = []
        if span >= s.report_min_deg:
            self.turns.append(turn)
        return [TurnEnded(turn)]


def _direction(sign: int) -> str:
    return "cw" if sign > 0 else "ccw"


def _crossing(
    track: list[tuple[float, float]], sign: int, level: float, last: bool, before: float | None = None
) -> float | None:
    """When the rotation crossed ``level`` going in the turn's direction (interpolated).

    ``last`` picks the last upward crossing before the track first reaches ``before`` (the
    start of a turn), otherwise the first crossing (back and end).
    """
    found = None
    for (t0, r0), (t1, r1) in zip(track, track[1:]):
        if before is not None and sign * (r0 - before) >= 0:
            break
        a, b = sign * (r0 - level), sign * (r1 - level)
        if a < 0 <= b:
            t = t0 + (t1 - t0) * (-a / (b - a))
            if not last:
                return t
            found = t
    if found is None and track and sign * (track[0][1] - level) >= 0 and last:
        return track[0][0]
    return found
