"""Is someone in front of the mirror, and is the whole body (head to feet) in view?

A body counts as whole when the model sees the head, the hips and at least one foot inside the
picture (or, for feet hidden under a long dress, a knee and both ankles placed inside it). Single missed frames are bridged: presence changes only after ``bridge_s`` seconds
of the new state, so a shopper pulling a dress over their head does not end anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import Pose

_HEAD = lm.HEAD
_HIPS = [lm.LEFT_HIP, lm.RIGHT_HIP]
_FEET = [lm.LEFT_ANKLE, lm.RIGHT_ANKLE, lm.LEFT_HEEL, lm.RIGHT_HEEL, lm.LEFT_FOOT, lm.RIGHT_FOOT]
_SEEN = 0.5  # visibility above which the model says a landmark is in view
_EDGE = 0.02  # how far outside the picture a landmark may sit and still count


class Presence(str, enum.Enum):
    NOBODY = "nobody"
    PARTIAL = "partial"  # a person, but not head to feet
    FULL_BODY = "full_body"


def classify(pose: Pose | None) -> Presence:
    """What one frame shows."""
    if pose is None:
        return Presence.NOBODY
    if _any_in_view(pose, _HEAD) and _any_in_view(pose, _HIPS) and (_any_in_view(pose, _FEET) or _feet_hidden_in_view(pose)):
        return Presence.FULL_BODY
    return Presence.PARTIAL


def _feet_hidden_in_view(pose: Pose) -> bool:
    """Feet under a long dress: the model places both ankles inside the picture below seen knees."""
    ankles = pose.image[[lm.LEFT_ANKLE, lm.RIGHT_ANKLE]]
    inside = bool(np.all((ankles >= -_EDGE) & (ankles <= 1 + _EDGE)))
    return inside and _any_in_view(pose, [lm.LEFT_KNEE, lm.RIGHT_KNEE])


def _any_in_view(pose: Pose, indices: list[int]) -> bool:
    xy = pose.image[indices]
    inside = np.all((xy >= -_EDGE) & (xy <= 1 + _EDGE), axis=1)
    return bool(np.any(inside & (pose.visibility[indices] >= _SEEN)))


@dataclass(frozen=True)
class PresenceChange:
    """The settled presence changed at ``t`` (the time the new state was first seen)."""

    t: float
    presence: Presence


class PresenceTracker:
    """Debounces per-frame presence; keeps the full-body intervals for reports."""

    def __init__(self, bridge_s: float = 0.5) -> None:
        self.bridge_s = bridge_s
        self.state = Presence.NOBODY
        self.intervals: list[list[float]] = []  # [start, end] of each full-body stretch
        self._candidate: tuple[Presence, float] | None = None
        self._last_full: float | None = None

    def update(self, t: float, seen: Presence) -> PresenceChange | None:
        """Feed one analysed frame; returns a change once it has lasted ``bridge_s``."""
        if seen is Presence.FULL_BODY:
            if self._last_full is None or t - self._last_full > self.bridge_s:
                self.intervals.append([t, t])
            else:
                self.intervals[-1][1] = t
            self._last_full = t
        if seen is self.state:
            self._candidate = None
            return None
        if self._candidate is None or self._candidate[0] is not seen:
            self._candidate = (seen, t)
        since = self._candidate[1]
        # Coming into view is confirmed quickly (two frames); leaving needs the full bridge.
        needed = self.bridge_s if _rank(seen) < _rank(self.state) else 0.0
        if t - since >= needed and (needed > 0 or t > since or self.bridge_s == 0):
            self.state = seen
            self._candidate = None
            return PresenceChange(since, seen)
        return None


def _rank(p: Presence) -> int:
    return {Presence.NOBODY: 0, Presence.PARTIAL: 1, Presence.FULL_BODY: 2}[p]
