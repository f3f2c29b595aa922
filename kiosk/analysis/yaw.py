"""Body yaw: which way the torso faces, seen from above, tracked into a cumulative rotation.

Yaw 0 means the chest faces the camera. Yaw grows when the body turns clockwise seen from
above, which is the person turning to their own right: at +90° they face image-left (their
right shoulder has moved away from the camera), at ±180° they show their back. The cumulative
``rotation`` keeps counting past ±180° (a full clockwise turn takes it from 0 to 360).

The model's left/right labels are not trusted: seen from behind, mediapipe often swaps the
sides, which turns the labelled yaw by 180° in one frame. The shoulder and hip *lines* are
label-free, so the tracker follows the body modulo 180° and keeps the half-turn from temporal
continuity (a body cannot turn 90° between two frames); the labels only decide the half-turn
when there is no continuity to lean on (the first frame, or after the person was lost), where
the nose's depth against the shoulders (in front of them = facing the camera) settles it.
A median of three rejects single-frame outliers (an arm across the chest, sequins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.analysis import pose as lm
from kiosk.analysis.pose import Pose

#: Faster than this is not a body turning but a tracking error (degrees per second).
MAX_SPEED_DEG_S = 900.0
#: The torso must point up at least this much (cosine from vertical, ~53°) for a yaw to count.
UPRIGHT = 0.6


@dataclass(frozen=True)
class YawObservation:
    """What one pose says about the yaw (before tracking)."""

    t: float
    yaw_deg: float  # from the model's labels, -180..180
    quality: float  # 0..1: how much the shoulder/hip lines can be trusted in this frame
    facing: float  # -1 (back to the camera) .. 1 (chest to the camera), from the nose's depth
    face: float | None = None  # face detector's score on the head, None when not looked at


@dataclass(frozen=True)
class YawSample:
    """The tracked yaw at time ``t``."""

    t: float
    rotation_deg: float  # cumulative, clockwise positive
    yaw_deg: float  # rotation wrapped to -180..180
    flipped: bool  # the model's left/right labels were swapped in this frame


def observe(pose: Pose) -> YawObservation | None:
    """The yaw of one pose from its shoulder and hip lines, or None if neither is usable."""
    w, vis = pose.world, pose.visibility
    torso = (w[lm.LEFT_SHOULDER] + w[lm.RIGHT_SHOULDER]) / 2 - (w[lm.LEFT_HIP] + w[lm.RIGHT_HIP]) / 2
    length = float(np.linalg.norm(torso))
    if length < 1e-3 or -float(torso[1]) < UPRIGHT * length:
        return None  # lying, bending over, a yoga pose: "which way the body faces" means nothing
    total = np.zeros(2)
    weight_sum = 0.0
    for left, right, share in ((lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, 0.6), (lm.LEFT_HIP, lm.RIGHT_HIP, 0.4)):
        d = w[left] - w[right]  # anatomical right → left, metres
        flat = math.hypot(float(d[0]), float(d[2]))
        if flat < 0.05:  # a line shorter than 5 cm is noise
            continue
        weight = share * float(min(vis[left], vis[right]))
        # yaw = atan2(-dz, dx): the right→left line points to image-right when facing the camera.
        total += weight * np.array([d[0], -d[2]]) / flat
        weight_sum += weight
    if weight_sum <= 0.05 or np.hypot(*total) < 1e-6:
        return None
    yaw = math.degrees(math.atan2(total[1], total[0]))
    agreement = float(np.hypot(*total)) / weight_sum  # 1 when shoulders and hips agree
    mid_z = float(w[lm.LEFT_SHOULDER, 2] + w[lm.RIGHT_SHOULDER, 2]) / 2
    facing = float(np.clip((mid_z - float(w[lm.NOSE, 2])) / 0.12, -1.0, 1.0))
    return YawObservation(t=pose.t, yaw_deg=yaw, quality=min(weight_sum, 1.0) * agreement, facing=facing, face=pose.face)


class YawTracker:
    """Turns per-frame observations into a continuous, de-jittered cumulative rotation."""

    def __init__(self, max_gap_s: float = 0.6, min_quality: float = 0.2) -> None:
        self.max_gap_s = max_gap_s
        self.min_quality = min_quality
        self.flips = 0  # frames where the labels were swapped, for diagnostics
        self.reset()

    def reset(self) -> None:
        """Forget the body (a new person, or one lost for long)."""
        self._theta: float | None = None
        self._t: float | None = None
        self._speed = 0.0
        self._recent: list[tuple[float, float, bool]] = []
        self._reflected = False  # the model currently mirrors its depth (sees a back as a front)
        self._contradictions = 0

    def update(self, obs: YawObservation | None, turning: int = 0) -> YawSample | None:
        """Feed one frame's observation (None: no usable pose); returns the newest settled sample.

        ``turning`` is the direction of a turn in progress (+1 cw, -1 ccw, 0 none): after a gap,
        the body has most likely gone on turning that way.
        """
        if obs is None or obs.quality < self.min_quality:
            return None
        theta, flipped = self._unwrap(obs, turning)
        self.flips += int(flipped)
        self._recent.append((obs.t, theta, flipped))
        if len(self._recent) == 1:
            t, value, flip = self._recent[0]
            return YawSample(t, value, _wrap(value), flip)
        if len(self._recent) == 2:
            return None  # the median of three will settle it with the next frame
        self._recent = self._recent[-3:]
        (_, a, _), (t_mid, b, flip_mid), (_, c, _) = self._recent
        value = sorted((a, b, c))[1]
        return YawSample(t_mid, value, _wrap(value), flip_mid)

    def flush(self) -> YawSample | None:
        """The last observation, which the median held back (end of a clip)."""
        if len(self._recent) >= 2:
            t, value, flip = self._recent[-1]
            return YawSample(t, value, _wrap(value), flip)
        return None

    def _unwrap(self, obs: YawObservation, turning: int) -> tuple[float, bool]:
        y = obs.yaw_deg
        if self._theta is None or self._t is None or obs.t - self._t > self.max_gap_s:
            # No continuity to lean on: trust the labels unless the face (or else the nose's
            # depth) clearly disagrees about front and back.
            labelled_front = math.cos(math.radians(y)) > 0
            front = _face_says_front(obs.face)
            if front is None and abs(obs.facing) > 0.5:
                front = obs.facing > 0
            if front is not None and front != labelled_front and abs(math.cos(math.radians(y))) > 0.5:
                y += 180.0
            self._reflected = False
            if self._theta is None:
                theta = _wrap(y)
            else:
                # Mid-turn, a second or so unseen is most likely a quarter turn further on.
                expected = self._theta + 90.0 * turning
                theta = y + 360.0 * round((expected - y) / 360.0)
            self._recent = []
            self._speed = 0.0
        else:
            dt = max(obs.t - self._t, 1e-3)
            predicted = self._theta + 0.7 * self._speed * min(dt, 0.3)
            theta, self._reflected = self._choose(y, predicted, obs.face)
            speed = (theta - self._theta) / dt
            if abs(speed) > MAX_SPEED_DEG_S:
                theta = self._theta + math.copysign(MAX_SPEED_DEG_S * dt, speed)
                speed = math.copysign(MAX_SPEED_DEG_S, speed)
            self._speed = 0.5 * self._speed + 0.5 * speed
        flipped = abs(_wrap(theta - obs.yaw_deg)) > 90.0
        self._theta, self._t = theta, obs.t
        return theta, flipped


    def _choose(self, y: float, predicted: float, face: float | None) -> tuple[float, bool]:
        """The rotation this frame most likely shows, and whether the model mirrors its depth.

        The shoulder line is known modulo 180°, so the half-turn nearest to where the body
        should be is taken. In a back view the model may take the back for a front: it then
        reports the yaw mirrored in depth (``-y``), and the two readings meet at the side view
        (±90°) where it switched. Continuity cannot tell them apart; the face can: when the
        face detector contradicts the current reading on two frames in a row, the reading
        changes and the rotation is mirrored about the last side view it passed.
        """
        base = -y if self._reflected else y
        theta = base + 180.0 * round((predicted - base) / 180.0)
        if _face_cost(theta, face) == 0.0:
            self._contradictions = 0
            return theta, self._reflected
        profile = 90.0 + 180.0 * round((theta - 90.0) / 180.0)
        other = 2.0 * profile - theta
        if abs(theta - profile) >= 80.0 or _face_cost(other, face) > 0.0:
            return theta, self._reflected
        self._contradictions += 1
        if self._contradictions < 2:
            return theta, self._reflected
        self._contradictions = 0
        self._speed = -self._speed
        self._recent = [(t, 2.0 * profile - v, f) for t, v, f in self._recent]
        return other, not self._reflected


_FACE_COST = 60.0


def _face_says_front(face: float | None) -> bool | None:
    if face is None:
        return None
    if face >= 0.8:  # the back of a head scores up to ~0.7 now and then
        return True
    if face < 0.15:
        return False
    return None


def _face_cost(theta: float, face: float | None) -> float:
    """Misfit of a rotation with the face detector: a face is found up to about ±130° from front."""
    front = _face_says_front(face)
    off = abs(_wrap(theta))
    if front is True and off > 140.0:
        return _FACE_COST
    if front is False and off < 70.0:
        return _FACE_COST
    return 0.0


def _wrap(deg: float) -> float:
    """An angle in degrees folded into -180..180."""
    return (deg + 180.0) % 360.0 - 180.0
