"""The 360° turn: started, back, completed, from the yaw path (pure, no clock, no I/O).

Direction: ``cw`` is clockwise seen from above, the person turning to their own right (in the
image they first face image-left); ``ccw`` the other way. Rotation is the yaw tracker's
cumulative rotation, clockwise positive. Times are whatever clock the samples carry.

The tracker is given, on every analysed frame, the yaw tracker's current best *path* (the
last seconds of samples, which the yaw tracker may revise as it learns more: a face seen now
says whether a second ago it was the front or the back). The decisions are taken on that
path each time:

- **started**: the path is ``start_deg`` away from its lowest (cw; highest for ccw) rotation of
  the last ``start_window_s`` seconds. ``start_s`` is dated back to when the rotation left
  that rest level by ``settle_deg``.
- **back**: the rotation has reached ``back_deg`` from the rest level.
- **completed**: the body is ``full_deg`` round from where it stood before the turn and has
  stopped for ``stall_s`` (no further ``stall_deg``, a trend slower than ``still_deg_s``), or
  it reached ``complete_deg`` and stopped for ``short_stall_s`` (someone who stops a little
  short of facing front; not while the widths say the body is side-on: that is a stop
  three-quarters round, which a path can read 30-45° further), or it went on spinning a full
  turn past its first front facing and another 90° (as the path had it ``spin_settle_s`` ago:
  the newest frames of a path carry a turn on at its speed until the next ones show whether
  it went on); never while the yaw filter gives more than ``max_back_probability`` to the
  body being within 60° of showing its back, never before the widths have shown two separate
  side views (when they could be measured), and never when the last side view faced the way
  the first did (the nose, or the labels, to the same side: out to a side and back the way it
  went). A full turn is at most 360°: when the rotation from rest to rest is larger (a fidget
  that flows into the turn, or an overshoot), the 360° window nearest to facing the camera is
  the turn.
  A turn that began more than ``front_deg`` from facing the camera (the return from a
  three-quarter turn) is no complete turn, however far it went; nor is one that began, the
  other way round, where a turn given up from a side view turned back, without the path moving
  off that point by ``plateau_deg`` in between (the same return, with the far end read as a
  front), nor one where the yaw tracker gave the path's facing under ``start_confidence`` when
  it began (it could as well have been the back).
  ``start_s`` is when the body left its last stand before the turn by ``settle_deg``,
  ``end_s`` when it came within ``settle_deg`` of a full turn (or of where it settled).
- **abandoned**: the path turned back by ``reverse_deg`` or was revised so that the turn never
  started, for ``abandon_after_s`` in a row (a few wild frames can bend the newest part of the
  path for a moment), and for as long again as the body went unseen since it turned back (a
  turn back guessed across a gap without a pose is revised once the body moves on); or it
  paused longer than ``pause_max_s`` or took longer than ``max_turn_s``. The partial turn is
  reported with ``complete`` false (when it reached ``report_min_deg``). A turn given up because
  it turned back counts as complete only when it reached ``complete_deg``, the widths did not
  say side-on where it got furthest round, and the side views do not say it came back the way
  it went.
- However a turn ends (completed, given up, cut off by the end of the stream or a lost person),
  it is not complete when its own side views, from its start to its end, say it came back the
  way it went: read at a few frames a second, a path can carry the way back from the back on
  to 360° and the person leave before the next frames revise it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kiosk.analysis.appearance import SideViews
from kiosk.analysis.track import Track, crossing, smoothed, stand_before
from kiosk.analysis.yaw import YawSample


@dataclass(frozen=True)
class TurnSettings:
    """Thresholds of the turn detector (degrees and seconds)."""

    start_deg: float = 75.0
    start_window_s: float = 2.5
    rest_lookback_s: float = 8.0
    back_deg: float = 170.0
    complete_deg: float = 300.0
    full_deg: float = 335.0
    settle_deg: float = 12.0
    stall_deg: float = 10.0
    stall_s: float = 0.4
    still_deg_s: float = 30.0  # and over the last stall_s the rotation's trend is slower than this
    short_stall_s: float = 1.5
    pause_max_s: float = 6.0
    reverse_deg: float = 90.0
    max_turn_s: float = 20.0
    report_min_deg: float = 90.0
    max_back_probability: float = 0.2
    plateau_deg: float = 45.0  # a stand this close to the rest facing before a turn is where it starts
    plateau_s: float = 0.6  # and it lasts this long (a slow, noisy start is no stand)
    abandon_after_s: float = 0.5  # a turn back must show on the path this long before the turn is given up
    track_before_s: float = 3.0  # how much of the path before the turn its end report carries
    front_deg: float = 60.0  # a complete turn starts with the body at most this far from facing the camera
    start_confidence: float = 0.2  # and with the yaw tracker at least this sure of the facing there
    spin_settle_s: float = 0.4  # a spin past a full turn counts once the path has held it this long


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
    """The turn completed (``turn.complete``) or was given up; ``track``: the path around it."""

    turn: Turn
    track: tuple[YawSample, ...] = field(default=(), repr=False)


TurnUpdate = TurnStarted | TurnBack | TurnEnded


class _Phase(enum.Enum):
    IDLE = "idle"
    TURNING = "turning"


class TurnTracker:
    """Online turn detector over the yaw path; ``update`` returns what happened at this frame."""

    def __init__(self, settings: TurnSettings | None = None) -> None:
        self.settings = settings or TurnSettings()
        self.turns: list[Turn] = []  # every reported turn, in order
        self._phase = _Phase.IDLE
        self._sign = 1
        self._rest_t = 0.0  # when the body was at rest before the turn
        self._started_t = 0.0  # when the start was announced
        self._not_before: float | None = None  # a new turn rests no earlier than this
        self._back_sent = False
        self._progress = 0.0
        self._doubt_since: float | None = None  # since when the path says the turn was given up
        self._done_at: float | None = None  # the update at which the path last said the turn was done
        self._stand: float | None = None  # the level the body stood at before the turn
        self._stand_key: tuple | None = None
        self._path: Sequence[YawSample] = ()
        self._side_views: Callable[..., SideViews] | None = None
        self._sides: tuple[float, SideViews] | None = None  # this frame's side views, since when
        self._peak_side_on = False  # the widths said side-on when the turn was furthest round
        self._side_return: tuple[float, int] | None = None  # (when, sign) a turn turned back from a side view

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
        return max(self._progress, 0.0) if self._phase is _Phase.TURNING else 0.0

    def update(self, path: Sequence[YawSample], back_probability: float = 0.0,
               side_views: Callable[..., SideViews] | None = None) -> list[TurnUpdate]:
        """Look at the current best path (oldest first, ending now).

        ``side_views(since, until=inf)``: the separate side views the widths showed from
        ``since`` to ``until``, with the share of frames whose width was measured and which side
        each showed (None: not checked).
        """
        if not path:
            return []
        self._path = path
        self._side_views, self._sides = side_views, None
        if self._phase is _Phase.IDLE:
            return self._idle(path, back_probability)
        return self._turning(path, back_probability)

    def lost(self, t: float) -> list[TurnUpdate]:
        """The person is gone (for longer than the yaw tracker can bridge): end any turn."""
        out = self._finish(self._path) if self._phase is _Phase.TURNING else []
        self._not_before, self._side_return = None, None
        self._path = ()
        return out

    def finish(self) -> list[TurnUpdate]:
        """End of the stream: close a turn in progress."""
        return self.lost(self._path[-1].t if self._path else 0.0)

    # -- phases -------------------------------------------------------------------------------

    def _idle(self, path: Sequence[YawSample], back_probability: float) -> list[TurnUpdate]:
        s = self.settings
        now = path[-1]
        floor = now.t - s.start_window_s
        if self._not_before is not None:
            floor = max(floor, self._not_before)
        recent = [p for p in path if p.t >= floor]
        low = min(recent, key=lambda p: p.rotation_deg)
        high = max(recent, key=lambda p: p.rotation_deg)
        if now.rotation_deg - low.rotation_deg >= s.start_deg:
            sign, rest = 1, low
        elif high.rotation_deg - now.rotation_deg >= s.start_deg:
            sign, rest = -1, high
        else:
            return []
        rest = self._rest_before(path, rest, sign)
        self._phase, self._sign, self._rest_t = _Phase.TURNING, sign, rest.t
        self._started_t = now.t
        self._back_sent = False
        self._peak_side_on = False
        track = smoothed(path, rest.t)
        start = crossing(track, sign, rest.rotation_deg + sign * s.settle_deg, last=False) or rest.t
        return [TurnStarted(start_s=start, direction=_direction(sign))] + self._turning(path, back_probability)

    def _passed_both_sides(self) -> bool:
        """A full turn shows the body side-on twice, once to each side; a path that went round
        without the widths ever narrowing is the face check or the labels misleading it (a face
        hidden by hair), and one whose last side view faced the way its first did went out and
        came back the way it went (read at a few frames a second, the way back can look like
        the way on)."""
        sides = self._sides_since_rest()
        if sides is None:
            return True
        return (sides.runs >= 2 or sides.measured < 0.5) and not sides.came_back

    def _side_on(self) -> bool:
        """The widths say the body is side-on now: one that stopped short of a full turn in a
        side view stopped three-quarters round, not a little short of facing front."""
        sides = self._sides_since_rest()
        return sides is not None and sides.side_on

    def _sides_since_rest(self) -> SideViews | None:
        """The side views since the turn's rest, read once a frame (None: not checked)."""
        if self._side_views is None:
            return None
        if self._sides is None or self._sides[0] != self._rest_t:
            self._sides = (self._rest_t, self._side_views(self._rest_t))
        return self._sides[1]

    def _reconsider_direction(self, path: Sequence[YawSample]) -> None:
        """A start read from a few wild frames may be revised into a turn the other way round."""
        s = self.settings
        track = smoothed(path, self._rest_t)
        if not track or max(self._sign * (r - track[0][1]) for _, r in track) >= s.start_deg / 2:
            return
        now = path[-1]
        recent = [p for p in path if p.t >= now.t - s.start_window_s]
        extreme = max(recent, key=lambda p: self._sign * p.rotation_deg)  # the far end, the other way
        if self._sign * (extreme.rotation_deg - now.rotation_deg) >= s.start_deg:
            self._sign = -self._sign
            self._rest_t = self._rest_before(path, extreme, self._sign).t
            self._doubt_since = None

    def _rest_before(self, path: Sequence[YawSample], rest: YawSample, sign: int) -> YawSample:
        """Follow a slow start back past ``start_window_s``: the lowest point before it (cw).

        A slow turner may pause on the way (a side view at 60°) long enough for the window to
        begin mid-turn; going back in time, the rotation keeps falling until the real rest. It
        stops where the rotation rises again by ``reverse_deg / 2`` (a lean the other way before
        the turn), at ``rest_lookback_s``, or where the samples have a gap of a second.
        """
        s = self.settings
        floor = max(rest.t - s.rest_lookback_s, self._not_before if self._not_before is not None else -1e18)
        best = later = rest
        for p in reversed([p for p in path if floor <= p.t < rest.t]):
            if later.t - p.t > 1.0 or sign * (p.rotation_deg - best.rotation_deg) > s.reverse_deg / 2:
                break
            if sign * (p.rotation_deg - best.rotation_deg) < 0:
                best = p
            later = p
        return best

    def _turning(self, path: Sequence[YawSample], back_probability: float) -> list[TurnUpdate]:
        s = self.settings
        self._reconsider_direction(path)
        track = smoothed(path, self._rest_t)
        if not track:
            return self._finish(path)
        rest = track[0][1]
        now_t, now_r = track[-1]
        sign = self._sign
        progress = [sign * (r - rest) for _, r in track]
        peak = max(progress)
        self._progress = progress[-1]
        if progress[-1] >= peak:
            self._peak_side_on = self._side_on()  # how the body looked when it got furthest round
        out: list[TurnUpdate] = []
        if not self._back_sent and peak >= s.back_deg:
            self._back_sent = True
            back = crossing(track, sign, rest + sign * s.back_deg, last=False) or now_t
            out.append(TurnBack(back_s=back, direction=_direction(sign)))
        # Since when has the rotation not advanced by another stall_deg?
        advanced = next(t for (t, _), p in zip(track, progress) if p >= peak - s.stall_deg)
        stalled_for = now_t - advanced
        facing_away = back_probability > s.max_back_probability or not self._passed_both_sides()
        recent = [(t, p) for (t, _), p in zip(track, progress) if t >= now_t - s.stall_s]
        still = len(recent) < 3 or abs(float(np.polyfit([t for t, _ in recent], [p for _, p in recent], 1)[0])) <= s.still_deg_s
        # A spin that goes on: the first turn ends at the first front facing a full turn on
        # (a spin that began facing away has its first front-to-front turn later).
        first_front = sign * 360.0 * math.ceil((sign * rest - 45.0) / 360.0)
        # ... as the path has it a moment ago: its newest frames carry the turn on at its speed
        # until the next frames show whether the body went on or turned back.
        settled = next((r for t, r in reversed(track) if t <= now_t - s.spin_settle_s), None)
        spun = settled is not None and sign * (settled - first_front) >= 360.0 + 90.0
        done = spun or (not facing_away and still and (
            (self._around(track, sign, rest) >= s.full_deg and stalled_for >= s.stall_s)
            or (peak >= s.complete_deg and stalled_for >= s.short_stall_s and not self._side_on())
        ))
        # Facing front again and still; a turn that stops short of that (a pause in the second
        # profile view) must hold still for longer to count as finished. Either way the path
        # must say so on two updates in a row: one frame can revise the last second of a path
        # into a turn that went round and held there, and the next one take it back.
        if done and (self._done_at is None or self._done_at >= now_t):
            self._done_at = now_t
            return out
        if done:
            out += self._finish(path, carry_on=spun)
        elif stalled_for > s.pause_max_s or now_t - self._rest_t > s.max_turn_s:
            out += self._finish(path)
        elif progress[-1] < peak - s.reverse_deg or (peak < s.start_deg / 2 and now_t - self._started_t > 1.0):
            # Turned back, or the path was revised so that it never turned: only once that has
            # lasted (the newest frames of a path are the ones most often revised). A new turn
            # may then start from where this one turned back.
            if self._doubt_since is None:
                self._doubt_since = now_t
            turned_back = next(t for (t, _), p in zip(track, progress) if p >= peak)
            if now_t - self._doubt_since >= s.abandon_after_s + _unseen(track, turned_back):
                out += self._finish(path, resume_from=turned_back)
        else:
            self._doubt_since = None
        self._done_at = None
        return out

    def _finish(self, path: Sequence[YawSample], carry_on: bool = False,
                resume_from: float | None = None) -> list[TurnUpdate]:
        s = self.settings
        sign = self._sign
        track = smoothed(path, self._rest_t)
        self._phase = _Phase.IDLE
        self._progress = 0.0
        self._doubt_since = None
        self._done_at = None
        if not track:
            self._not_before = None
            return []
        rest = track[0][1]
        peak = max(sign * (r - rest) for _, r in track)
        complete = peak >= s.complete_deg
        span = min(peak, 360.0)
        if peak > 360.0:
            # More than a full turn from rest to rest: the 360° nearest to facing the camera.
            lo, hi = sorted((rest, rest + sign * (peak - 360.0)))
            rest = min(max(360.0 * round((lo + hi) / 720.0), lo), hi)
        start = crossing(track, sign, rest + sign * s.settle_deg, last=True, before=rest + sign * s.back_deg)
        plateau = stand_before(track, sign, rest, s.plateau_s, s.stall_deg, s.plateau_deg)
        if plateau is not None:
            # A sway just before the turn: the turn starts when the body leaves its last stand.
            later = crossing(track, sign, plateau + sign * s.settle_deg, last=True, before=rest + sign * s.back_deg)
            if later is not None and (start is None or later > start):
                start = later
        back = crossing(track, sign, rest + sign * s.back_deg, last=False) if span >= s.back_deg else None
        settled = float(np.median([r for t, r in track if t >= track[-1][0] - s.stall_s]))  # where it came to rest
        end_level = rest + sign * (span - s.settle_deg)
        if complete and not carry_on and 0.0 < sign * (rest + sign * span - settled) <= s.plateau_deg:
            # The body came to rest a little short of the full extent by the path (a noisy path
            # settles a few degrees off): it ended when it came within settle_deg of where it
            # settled, not when noise happened to carry the path the last few degrees.
            end_level = settled - sign * s.settle_deg
        end = crossing(track, sign, end_level, last=False)
        if end is None and not carry_on:
            # It stopped short of the full extent (a stop before the front, or a path a few
            # degrees off): the end is when it came within settle_deg of where it settled.
            end = crossing(track, sign, settled - sign * s.settle_deg, last=False)
        start = track[0][0] if start is None else start
        end = track[-1][0] if end is None else end
        if complete and self._side_views is not None and self._side_views(start, end).came_back:
            # Over the turn itself (not a 540° spin's third side view after it), the side views
            # say it went out and came back the way it went.
            complete = False
        if complete and resume_from is not None and (self._peak_side_on or not self._passed_both_sides()):
            # Given up because it turned back from a side view (three-quarters round, which the
            # path read as further), or the side views say it came back the way it went: it
            # never came round to the front.
            complete = False
        if complete and self._side_return is not None and self._side_return[1] == -sign and _stayed(
                path, self._side_return[0], self._rest_t, s.plateau_deg):
            # It began where a turn given up from a side view turned back, without moving off in
            # between (three-quarters round and back, the far end read as a front: a visor, a
            # padded jacket): it is the way back, not a turn from the mirror round to the mirror.
            complete = False
        at_start = _sample_at(path, start)
        if complete and at_start.confidence < s.start_confidence:
            # The tracker was not sure it faced the mirror where it began: a back read as a
            # front (a visor, a padded jacket, passed in a fifth of a second) looks the same.
            complete = False
        if complete and abs(at_start.yaw_deg) > s.front_deg:
            # It began in a side view (the return from a three-quarter turn): a full turn is
            # from the mirror round to the mirror.
            complete = False
        # A turn given up from a side view: the next one the other way from there is its way back.
        self._side_return = (resume_from, sign) if resume_from is not None and self._peak_side_on else None
        turn = Turn(start, back, end, round(span, 1), _direction(sign), complete)
        self._not_before = end if carry_on else resume_from if resume_from is not None else track[-1][0]
        if span >= s.report_min_deg:
            self.turns.append(turn)
        around = tuple(p for p in path if p.t >= self._rest_t - s.track_before_s)
        return [TurnEnded(turn, around)]


    def _around(self, track: Track, sign: int, rest: float) -> float:
        """How far round the body is now, from where it stood before the turn (not the lowest
        point of a noisy rest, which would make it look further round than it is)."""
        s = self.settings
        quarter = next((t for t, r in track if sign * (r - rest) >= 90.0), None)
        if quarter is not None and self._stand_key != (self._rest_t, quarter, sign):
            self._stand_key = (self._rest_t, quarter, sign)
            self._stand = stand_before(track, sign, rest, s.plateau_s, s.stall_deg, s.plateau_deg)
        stand = self._stand if quarter is not None and self._stand is not None else rest
        return sign * (track[-1][1] - stand)


def _sample_at(path: Sequence[YawSample], t: float) -> YawSample:
    """The path's sample nearest ``t``."""
    return min(path, key=lambda p: abs(p.t - t))


def _stayed(path: Sequence[YawSample], since: float, until: float, within_deg: float) -> bool:
    """The path stayed within ``within_deg`` of where it was at ``since`` until ``until``."""
    anchor = _sample_at(path, since).rotation_deg
    return all(abs(p.rotation_deg - anchor) <= within_deg for p in path if since <= p.t <= until)


def _unseen(track: Track, since: float) -> float:
    """The longest stretch since ``since`` without an analysed body (beyond a normal frame gap).

    A turn back read across such a gap is the path's guess, not something seen: from a side
    view before the gap to the other side view after it, the body went round the front or
    round the back, and only the motion after the gap tells which; the guess is given the
    gap's length again to be revised before the turn is given up.
    """
    times = [t for t, _ in track if t >= since]
    gaps = np.diff(times) if len(times) > 1 else np.zeros(1)
    return max(float(gaps.max()) - 2 * float(np.median(gaps)), 0.0)


def _direction(sign: int) -> str:
    return "cw" if sign > 0 else "ccw"
