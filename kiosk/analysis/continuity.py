"""Is this frame's pose the shopper's? A gate against someone passing behind her.

The pose model follows one person, the most prominent, and nothing in a single pose says whose
it is. When someone walks past behind the shopper, the model can take the passer-by for her for
a fraction of a second or longer, or mix the two (her shoulders, the passer's hips): the
passer's face then reads as the shopper's front and a turn is dated from it (docs/ANALYSIS.md).

Someone behind the shopper is further from the camera, so smaller in the picture, and stands
somewhere else. ``PersonGate`` keeps an anchor for the shopper, where her hips are in the picture
and how long her torso is, followed over the frames it accepts with a time constant of half a
second (a camera zooming in is followed). A pose whose torso is more than ``shrink`` (log ratio,
about 11 %) shorter than the anchor's *and* whose hips are more than ``shift`` torso lengths
from the anchor's (plus ``drift_per_s`` for each second since the shopper was last accepted: she
may have moved while unseen) is someone else's. Both at once: a pose that is only displaced is
the shopper stepping aside, or a wild frame of a quick spin (which still carries the spin); one
that is only smaller is her stepping back, seen from level.

And a refusal starts only where the pose changed suddenly: against any pose seen in the last
``jump_window_s`` (accepted or not), its torso ``jump_shrink`` shorter, or its hips
``jump_shift`` torso lengths away; or no pose in that time. Taking one person for another is a
step. A shopper stepping back from the glass, seen by a camera above the mirror, becomes smaller
and rises in the picture, but gradually (a third smaller in a second is 0.1 a frame at 5
analysed frames a second), and the anchor follows her. Once started, a refusal goes on while
the poses stay smaller and away from the anchor (the passer walking across), for at most
``retake_s``; then the gate takes the new pose as the anchor (someone who stays: a squat, the
shopper after a sudden move). Her body's facts (yaw, turn, gestures) see no pose in the frames
refused; her presence does not depend on the gate (someone is there either way).

Measured on the dev footage (docs/PERFORMANCE.md "A passer-by behind the shopper"). Before the
gate, the pose estimator itself looks past such a step where it can (``PoseEstimator``: a pose
that leaps away from where she stood sends it to look again around her, the other's head
painted over); what it gives, found again or not, the gate judges as before.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import Pose
from kiosk.analysis.second_look import stance_of


@dataclass(frozen=True)
class GateSettings:
    enabled: bool = True
    shrink: float = 0.12  # log of the torso length ratio: smaller than the anchor by ~11 %
    shift: float = 0.3  # hips this far from the anchor's, in the anchor's torso lengths
    drift_per_s: float = 0.3  # plus this much for every second since the shopper was accepted
    follow_s: float = 0.5  # the anchor's time constant
    retake_s: float = 1.5  # refused this long in a row: the new pose is the shopper
    jump_window_s: float = 0.25  # a refusal starts on a sudden change against the poses this recent:
    jump_shrink: float = 0.15  # a torso this much shorter (log) than one of them
    jump_shift: float = 0.4  # or hips this many torso lengths from one of them's
    forget_s: float = 2.0  # no pose accepted for this long: start afresh


@dataclass(frozen=True)
class _Anchor:
    x: float
    y: float
    torso: float  # in picture heights
    t: float  # when it last accepted a pose


def hips_and_torso(pose: Pose) -> tuple[float, float, float] | None:
    """The hips' centre (x, y in picture heights) and the torso's length in the picture
    (shoulders' centre to hips' centre), or None for a pose without a torso."""
    stance = stance_of(pose.image, pose.aspect, 1e-3)
    if stance is None or not math.isfinite(stance.torso):
        return None
    return stance


class PersonGate:
    """Accepts the shopper's poses and refuses someone else's (see the module's text)."""

    def __init__(self, settings: GateSettings | None = None) -> None:
        self.settings = settings or GateSettings()
        self._anchor: _Anchor | None = None
        self._refused_since: float | None = None
        self._recent: deque[tuple[float, float, float, float]] = deque()  # poses seen: x, y, torso, t
        self.refused = 0  # how many poses it has refused, for the record

    def forget(self) -> None:
        self._anchor = None
        self._refused_since = None
        self._recent.clear()

    def accepts(self, t: float, pose: Pose | None) -> bool:
        """Whether ``pose`` (at media time ``t``) is the shopper's. No pose is nobody's: True."""
        s = self.settings
        if pose is None or not s.enabled:
            return True
        measured = hips_and_torso(pose)
        if measured is None:
            return True
        x, y, torso = measured
        while self._recent and not 0 < t - self._recent[0][3] <= s.jump_window_s + 1e-6:
            self._recent.popleft()
        sudden = not self._recent or any(math.log(torso / r) < -s.jump_shrink
                                         or math.hypot(x - rx, y - ry) / r > s.jump_shift
                                         for rx, ry, r, _ in self._recent)
        self._recent.append((x, y, torso, t))
        a = self._anchor
        if a is None or t - a.t > s.forget_s or t < a.t:
            self._take(x, y, torso, t)
            return True
        smaller = math.log(torso / a.torso) < -s.shrink
        shifted = math.hypot(x - a.x, y - a.y) / a.torso > s.shift + s.drift_per_s * (t - a.t)
        if not (smaller and shifted and (sudden or self._refused_since is not None)):
            w = min(1.0, (t - a.t) / s.follow_s) if s.follow_s > 0 else 1.0
            self._anchor = _Anchor(a.x + w * (x - a.x), a.y + w * (y - a.y),
                                   math.exp(math.log(a.torso) + w * math.log(torso / a.torso)), t)
            self._refused_since = None
            return True
        if self._refused_since is None:
            self._refused_since = t
        if t - self._refused_since >= s.retake_s:
            self._take(x, y, torso, t)
            return True
        self.refused += 1
        return False

    def _take(self, x: float, y: float, torso: float, t: float) -> None:
        self._anchor = _Anchor(x, y, torso, t)
        self._refused_since = None
