"""Touchless control from the pose alone: hold a hand up, or swipe a hand sideways.

- ``raise_hand``: one hand held above the head for ``hold_s`` (start/stop a recording), on an
  arm stretched out (``raise_reach``: a hand at the back of the head, fixing the hair, has the
  arm bent to about 0.6 of its length; a raised one 0.9–1.0). The other hand must stay below
  the shoulders, so pulling a top over the head (both hands up)
  never counts, and the hand must come down before the gesture can fire again.
- ``swipe_left`` / ``swipe_right``: a hand at chest height sweeps sideways by ``swipe_torso``
  torso lengths within ``swipe_s`` (move through the looks tray). Left and right are the
  shopper's own: ``swipe_left`` is a sweep towards their own left, which is screen-left on the
  mirrored display. The return stroke inside ``cooldown_s`` is ignored. A swipe is one hand
  moving on its own: the stroke must be mostly sideways (``swipe_straightness``), the other
  hand must end where it was and never sweep sideways itself, and the shoulders must not move
  (``swipe_still_torso``): arms swinging in a squat, both hands catching a ball or lateral
  raises are not swipes.

Gestures count only while the body faces the mirror and is not turning. Facing is the
shoulders' width across the torso, in torso lengths, of at least ``min_facing`` (0.45), or
less for a person whose shoulders look narrow even square to the mirror (slim shoulders, a
camera above or below): ``facing_share`` (0.7, about 45° off the mirror) of what this person
showed with both hands down over the last ``front_memory_s`` (the 90th percentile), never
below ``facing_floor``. A raised arm lifts its shoulder and narrows the line by about a fifth.
Each update carries a 0..1 ``progress`` for the on-screen ring; ``fired`` is true once, when
it completes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import Pose

RAISE = "raise_hand"
SWIPE_LEFT = "swipe_left"
SWIPE_RIGHT = "swipe_right"
# Frame times are rounded media times: a hold or a stroke this close to its length is that long.
_ON_TIME_S = 1e-3


@dataclass(frozen=True)
class GestureSettings:
    enabled: bool = True
    hold_s: float = 1.0
    swipe_torso: float = 0.75
    swipe_s: float = 0.6
    cooldown_s: float = 1.0
    min_facing: float = 0.45
    facing_share: float = 0.7  # or this share of the person's own front (both hands down)
    facing_floor: float = 0.3  # but never less than this
    front_memory_s: float = 10.0  # the person's own front: their last this many seconds
    swipe_straightness: float = 0.5  # the stroke's rise or fall at most this share of its sideways travel
    swipe_still_torso: float = 0.3  # the other hand and the shoulders move less than this (torso lengths)
    bridge_s: float = 0.35  # frames without a pose for this long change nothing
    raise_reach: float = 0.8  # shoulder-to-wrist distance of a raised arm, as a share of the arm's length


@dataclass(frozen=True)
class GestureUpdate:
    """Progress of one gesture at ``t``; ``fired`` when it just completed."""

    t: float
    gesture: str
    progress: float
    fired: bool = False


class GestureTracker:
    """Recognises the gestures frame by frame; reports progress only when it changes."""

    def __init__(self, settings: GestureSettings | None = None) -> None:
        self.settings = settings or GestureSettings()
        self._raised_since: float | None = None
        self._raise_armed = True  # the hand came down since the last firing
        # Per wrist: (t, hand across, hand down, other hand across, other hand down, shoulders x, shoulders y).
        self._wrists: dict[int, deque[tuple[float, ...]]] = {lm.LEFT_WRIST: deque(), lm.RIGHT_WRIST: deque()}
        self._cooldown_until = -1e18
        self._last_seen = -1e18  # the last frame with a body facing the mirror
        self._last_swipe = (0, -1e18)  # (direction sign, time)
        self._shown: dict[str, float] = {RAISE: 0.0, SWIPE_LEFT: 0.0, SWIPE_RIGHT: 0.0}
        self._fronts: deque[tuple[float, float]] = deque()  # (t, facing) with both hands down, not turning

    def forget(self) -> None:
        """The person left: the next one starts with nothing of theirs (strokes, holds, front)."""
        self._raised_since = None
        self._raise_armed = True
        for trail in self._wrists.values():
            trail.clear()
        self._fronts.clear()

    def update(self, t: float, pose: Pose | None, turning: bool = False) -> list[GestureUpdate]:
        progress = {RAISE: 0.0, SWIPE_LEFT: 0.0, SWIPE_RIGHT: 0.0}
        fired: str | None = None
        body = _Body.of(pose) if pose is not None and self.settings.enabled else None
        if pose is None and self.settings.enabled and t - self._last_seen <= self.settings.bridge_s:
            # A frame or two without a pose (the model blinked): hold the ring where it is.
            return []
        if body is not None and not turning:
            self._remember_front(t, body)
        if body is None or turning or not self._faces_mirror(body):
            self._raised_since = None
            for trail in self._wrists.values():
                trail.clear()
        else:
            self._last_seen = t
            progress[RAISE], raise_fired = self._raise(t, body)
            swipe_name, swipe_progress, swipe_fired = self._swipe(t, body)
            if swipe_name:
                progress[swipe_name] = swipe_progress
            fired = RAISE if raise_fired else (swipe_name if swipe_fired else None)
        out = []
        for name, value in progress.items():
            value = round(min(max(value, 0.0), 1.0), 2)
            if value != self._shown[name] or name == fired:
                out.append(GestureUpdate(t, name, 1.0 if name == fired else value, fired=name == fired))
                self._shown[name] = 0.0 if name == fired else value
        return out

    def _remember_front(self, t: float, body: "_Body") -> None:
        s = self.settings
        if body.below_shoulders(lm.LEFT_WRIST) and body.below_shoulders(lm.RIGHT_WRIST):
            self._fronts.append((t, body.facing))
        while self._fronts and (t - self._fronts[0][0] > s.front_memory_s or t < self._fronts[0][0]):
            self._fronts.popleft()

    def _faces_mirror(self, body: "_Body") -> bool:
        """The shoulders look wide enough to face the mirror: ``min_facing``, or less for someone
        whose own front is narrower (see the module docstring); that front is only read when the
        shoulders fall short of ``min_facing``, which the bar never exceeds."""
        s = self.settings
        if body.facing >= s.min_facing:
            return True
        if not self._fronts:
            return False
        front = float(np.percentile([f for _, f in self._fronts], 90))
        return body.facing >= max(s.facing_share * front, s.facing_floor)

    def _raise(self, t: float, body: "_Body") -> tuple[float, bool]:
        up = [body.above_head(w, self.settings.raise_reach) for w in (lm.LEFT_WRIST, lm.RIGHT_WRIST)]
        low = [body.below_shoulders(w) for w in (lm.LEFT_WRIST, lm.RIGHT_WRIST)]
        one_up = (up[0] and low[1]) or (up[1] and low[0])
        if not one_up:
            self._raised_since = None
            if not any(up):
                self._raise_armed = True
            return 0.0, False
        if not self._raise_armed:
            return 0.0, False
        if self._raised_since is None:
            self._raised_since = t
        held = (t - self._raised_since + _ON_TIME_S) / self.settings.hold_s
        if held >= 1.0:
            self._raise_armed = False
            self._raised_since = None
            return 1.0, True
        return held, False

    def _alone(self, stroke: list[tuple[float, ...]], travel: float) -> bool:
        """Only the one hand moved, and mostly sideways (the body and the other hand held still).

        The other hand is judged by where it ends up against where it was (the model places a
        hand badly for a frame when the other passes in front of it) and may not sweep sideways
        itself; the shoulders may not move at all.
        """
        s = self.settings

        def spread(i: int) -> float:
            values = [p[i] for p in stroke]
            return max(values) - min(values)

        other_moved = float(np.hypot(stroke[-1][3] - stroke[0][3], stroke[-1][4] - stroke[0][4]))
        return (spread(2) <= s.swipe_straightness * travel and other_moved <= s.swipe_still_torso
                and spread(3) <= 2 * s.swipe_still_torso
                and spread(5) <= s.swipe_still_torso and spread(6) <= s.swipe_still_torso)

    def _swipe(self, t: float, body: "_Body") -> tuple[str | None, float, bool]:
        s = self.settings
        best: tuple[str | None, float, bool] = (None, 0.0, False)
        for wrist, trail in self._wrists.items():
            if not body.visible[wrist] and trail and t - trail[-1][0] <= s.bridge_s:
                continue  # the model lost sight of the hand for a frame (it passed the other one)
            if not body.at_chest(wrist):
                trail.clear()
                continue
            other = lm.RIGHT_WRIST if wrist == lm.LEFT_WRIST else lm.LEFT_WRIST
            trail.append((t, body.across(wrist), body.points[wrist, 1], body.across(other), body.points[other, 1],
                          *body.centre))
            while trail and t - trail[0][0] > s.swipe_s + _ON_TIME_S:
                trail.popleft()
            xs = [p[1] for p in trail]
            # The stroke so far: from the far end of the window towards the hand now.
            far = min(range(len(xs)), key=lambda i: xs[i]) if xs[-1] - min(xs) >= max(xs) - xs[-1] else \
                max(range(len(xs)), key=lambda i: xs[i])
            travel = xs[-1] - xs[far]
            sign = 1 if travel > 0 else -1
            progress = abs(travel) / s.swipe_torso
            stroke = list(trail)[far:]
            if not self._alone(stroke, abs(travel)):
                progress = min(progress, 0.5)
            if t < self._cooldown_until or (sign != self._last_swipe[0] and t - self._last_swipe[1] < s.cooldown_s):
                continue
            name = SWIPE_LEFT if sign > 0 else SWIPE_RIGHT
            if progress >= 1.0:
                self._cooldown_until = t + s.cooldown_s
                self._last_swipe = (sign, t)
                for other in self._wrists.values():
                    other.clear()
                return name, 1.0, True
            if progress > best[1]:
                best = (name, progress, False)
        return best


@dataclass(frozen=True)
class _Body:
    """Image landmarks in torso lengths, on the person's own axes (x: towards their left)."""

    points: np.ndarray
    visible: np.ndarray
    facing: float
    centre: tuple[float, float]  # the shoulders' midpoint in the picture, in torso lengths

    @classmethod
    def of(cls, pose: Pose) -> "_Body | None":
        xy = pose.image * np.array([pose.aspect, 1.0], dtype=np.float32)  # square units
        vis = pose.visibility >= 0.5
        if not (vis[lm.LEFT_SHOULDER] and vis[lm.RIGHT_SHOULDER] and vis[lm.LEFT_HIP] and vis[lm.RIGHT_HIP]):
            return None
        axes = lm.torso_axes(xy, 1e-3)
        if axes is None:
            return None
        shoulders, torso = axes.shoulders, axes.length
        # The shoulders' width across the torso: > 0 facing the camera.
        width = axes.spread(xy, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)
        points = (xy - shoulders) / torso
        if width < 0:
            points[:, 0] = -points[:, 0]
        return cls(points, vis, facing=width if width > 0 else 0.0,
                   centre=(float(shoulders[0]) / torso, float(shoulders[1]) / torso))

    def above_head(self, wrist: int, reach: float) -> bool:
        """The wrist above the head on an arm stretched out (a hand fixing the hair bends it)."""
        head = min(self.points[lm.NOSE, 1], self.points[lm.LEFT_EAR, 1], self.points[lm.RIGHT_EAR, 1])
        elbow, shoulder = ((lm.LEFT_ELBOW, lm.LEFT_SHOULDER) if wrist == lm.LEFT_WRIST
                           else (lm.RIGHT_ELBOW, lm.RIGHT_SHOULDER))
        p = self.points
        arm = float(np.linalg.norm(p[elbow] - p[shoulder]) + np.linalg.norm(p[wrist] - p[elbow]))
        stretched = arm > 1e-6 and float(np.linalg.norm(p[wrist] - p[shoulder])) >= reach * arm
        return bool(self.visible[wrist] and p[wrist, 1] < head - 0.15 and p[elbow, 1] < 0.0 and stretched)

    def below_shoulders(self, wrist: int) -> bool:
        return bool(self.points[wrist, 1] > 0.2 or not self.visible[wrist])

    def at_chest(self, wrist: int) -> bool:
        y = self.points[wrist, 1]
        return bool(self.visible[wrist] and 0.0 <= y <= 0.9)

    def across(self, wrist: int) -> float:
        return float(self.points[wrist, 0])
