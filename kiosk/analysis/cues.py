"""What one pose says about which way the body faces: cues, and their likelihood over yaw.

Each cue is measured so that it does not depend on the model's left/right labels (which it
swaps in back views), except the one that is the model's own belief:

- **width**: the shoulder line's extent across the torso in the picture, in torso lengths,
  divided by the same person's 3D shoulder-to-torso ratio: about ``|cos yaw|`` (1 facing the
  camera or showing the back, 0 in profile). The hips give a second, noisier reading.
  Measured across the image torso axis, so a tilted camera or a lean changes nothing.
- **axis**: the 3D shoulder and hip lines seen from above, modulo 180° (a line has no
  left/right). Monocular depth is ambiguous, so the reading is sometimes mirrored in depth
  (``-axis``); the likelihood allows it.
- **labels**: the yaw the model's own left/right labels give: trusted only a little, as a
  front/back opinion; and, when they say side-on, as an opinion on which side. The model's
  usual mistake, a back taken for a front (labels swapped and depth mirrored), reports
  ``180° - yaw``: the same side. Where the labels said side-on (``|sin| >= 0.7``) their side
  was right on 99 % of the rendered frames and on every narrow frame of the real turns.
- **nose**: the nose's offset across the torso axis, in torso lengths: which way the *head*
  points in the picture (image-left in the first profile of a clockwise turn, image-right in
  the second). The head turns on its own by up to ±70°; the likelihood allows it.
- **feet**: how far the toes sit below the heels in the picture, in torso lengths (both feet,
  so label-free). A camera above the feet sees the toes of someone facing it lower than their
  heels (about +0.2 to +0.3), of someone showing the back level with them (about 0): an opinion
  on front or back that does not come from the model's idea of depth.
- **flow**: how the picture moved across the torso since the camera's frame before
  (``flow.torso_flow``): the surface nearest the camera moves image-left while the body turns
  clockwise, image-right while it turns the other way, front, side or back. It is evidence on
  the *motion* between two analysed frames, not on the yaw: ``flow_loglik`` weighs each step
  of the tracker's motion model by it.
- **face**: the strict face check (``Pose.face``): a face the face-mesh model accepts on the
  head means the head is within about ±100° of the camera. No face is strong evidence only
  once this person's face has been found a few times: until then (a visor, a mask, a hood, a
  dark room, a small head) it says little.

``loglik`` gives the log-likelihood of a pose's cues for each yaw on a grid (0..360°, yaw 0 =
facing the camera, clockwise seen from above positive), which the tracker in ``yaw`` fuses with
a motion prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import Pose

#: The torso must point up at least this much (cosine from vertical, ~53°) for the cues to count.
UPRIGHT = 0.6
#: And its shoulders and hips must lie in the picture, give or take this much (picture widths or
#: heights): a face close to the glass makes the model invent a body below the picture's edge.
IN_PICTURE = 0.05
_TORSO = [lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER, lm.LEFT_HIP, lm.RIGHT_HIP]
_SEEN = 0.5
#: A wrist this close to the head's centre (in torso lengths) hides it.
HAND_AT_HEAD = 0.45
#: Labels whose yaw is at least this far from front or back (``|sin|``) say the body is side-on.
LABELS_SIDE_ON = 0.7


@dataclass(frozen=True)
class Cues:
    """The yaw cues of one pose (None where a cue could not be measured)."""

    t: float
    width: float | None  # shoulder line across the torso, in image torso lengths
    hip_width: float | None
    width_ref: float | None  # this pose's 3D shoulder length over 3D torso length
    hip_ref: float | None
    axis_deg: float | None  # 3D shoulder/hip line seen from above, modulo 180
    axis_quality: float  # 0..1
    labelled_deg: float | None  # yaw from the model's left/right labels, -180..180
    nose: float | None  # nose offset across the torso axis (image torso lengths; + image-right)
    face: float | None  # strict face check: 1 a face, 0 none, None not looked at
    feet: float | None = None  # toes below heels in the picture (image torso lengths)
    head: np.ndarray | None = None  # the head's colours (``Pose.head``), read against this person's front
    flow: float | None = None  # motion across the torso (``Pose.flow``, torso lengths per second, + image-right)
    centre: tuple[float, float] | None = None  # the torso's centre across the picture and its length (square units)
    outline: np.ndarray | None = None  # the person's outline over the torso (``Pose.outline``)


def cues_of(pose: Pose) -> Cues | None:
    """The cues of a standing pose, or None when the torso is not upright or not in the picture."""
    w, vis = pose.world, pose.visibility
    corners = pose.image[_TORSO]
    if np.any(corners < -IN_PICTURE) or np.any(corners > 1 + IN_PICTURE):
        return None  # a face close to the glass, someone half out of the picture: no torso to read
    torso3 = (w[lm.LEFT_SHOULDER] + w[lm.RIGHT_SHOULDER]) / 2 - (w[lm.LEFT_HIP] + w[lm.RIGHT_HIP]) / 2
    length3 = float(np.linalg.norm(torso3))
    if length3 < 1e-3 or -float(torso3[1]) < UPRIGHT * length3:
        return None  # lying, bending over, a yoga pose: "which way the body faces" means nothing
    xy = pose.image.astype(np.float64) * np.array([pose.aspect, 1.0])  # square units
    axes = lm.torso_axes(xy, 1e-4)
    if axes is None:
        return None
    shoulders, hips, up, across, torso = axes
    shoulders_seen = min(vis[lm.LEFT_SHOULDER], vis[lm.RIGHT_SHOULDER]) >= _SEEN
    hips_seen = min(vis[lm.LEFT_HIP], vis[lm.RIGHT_HIP]) >= _SEEN
    width = abs(axes.spread(xy, lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER))
    hip_width = abs(axes.spread(xy, lm.LEFT_HIP, lm.RIGHT_HIP))
    width_ref = float(np.linalg.norm(w[lm.LEFT_SHOULDER] - w[lm.RIGHT_SHOULDER])) / length3
    hip_ref = float(np.linalg.norm(w[lm.LEFT_HIP] - w[lm.RIGHT_HIP])) / length3
    axis, quality, labelled = _axis(pose)
    nose = None
    if vis[lm.NOSE] >= _SEEN:
        nose = float(np.dot(xy[lm.NOSE] - shoulders, across)) / torso
    feet = None
    toes, heels = [lm.LEFT_FOOT, lm.RIGHT_FOOT], [lm.LEFT_HEEL, lm.RIGHT_HEEL]
    if min(vis[toes + heels]) >= _SEEN:
        feet = float(np.dot((xy[toes] - xy[heels]).mean(axis=0), up)) / -torso  # along the torso, downwards
    head = pose.head
    if head is not None:
        centre = xy[lm.HEAD].mean(axis=0)
        for wrist in (lm.LEFT_WRIST, lm.RIGHT_WRIST):
            if vis[wrist] >= _SEEN and np.hypot(*(xy[wrist] - centre)) < HAND_AT_HEAD * torso:
                head = None  # a hand at the head (fixing the hair, a phone): its colours are the hand's
    return Cues(
        t=pose.t,
        width=width if shoulders_seen else None,
        hip_width=hip_width if hips_seen else None,
        width_ref=width_ref if shoulders_seen else None,
        hip_ref=hip_ref if hips_seen else None,
        axis_deg=axis,
        axis_quality=quality,
        labelled_deg=labelled,
        nose=nose,
        face=pose.face,
        feet=feet,
        head=head,
        flow=pose.flow,
        centre=(float(shoulders[0] + hips[0]) / 2, torso),
        outline=pose.outline,
    )


def _axis(pose: Pose) -> tuple[float | None, float, float | None]:
    """The 3D line angle (labels' yaw, -180..180) with its quality; the axis is it modulo 180."""
    w, vis = pose.world, pose.visibility
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
        return None, 0.0, None
    yaw = math.degrees(math.atan2(total[1], total[0]))
    agreement = float(np.hypot(*total)) / weight_sum  # 1 when shoulders and hips agree
    return yaw % 180.0, min(weight_sum, 1.0) * agreement, yaw


@dataclass(frozen=True)
class CueModel:
    """How much each cue is trusted: spreads, outlier shares and weights (log-likelihood units)."""

    width_sigma: float = 0.13
    hip_sigma: float = 0.2
    width_outlier: float = 0.08
    width_floor: float = 0.06  # a profile still shows this much (joint centres are not one point)
    axis_kappa: float = 2.5
    axis_mirrored: float = 0.2  # share of readings mirrored in depth
    axis_outlier: float = 0.15
    labels_front: float = 0.72  # chance the labels call a front view a front
    labels_back: float = 0.45  # chance they call a back view a back (they often take it for a front)
    labels_side: float = 0.9  # chance labels that say side-on say the right side
    nose_gain: float = 0.3  # nose offset in profile, torso lengths
    nose_sigma: float = 0.09
    nose_outlier: float = 0.25
    head_turn_deg: float = 45.0  # spread of the head's yaw around the body's
    feet_front: float = 0.25  # toes below heels facing the camera (torso lengths)
    feet_back: float = 0.0  # and showing the back
    feet_sigma: float = 0.1
    feet_outlier: float = 0.3
    face_seen_front: float = 0.9  # chance the face check finds a face when the head faces the camera
    face_seen_back: float = 0.02
    face_unproven_front: float = 0.4  # the same for someone whose face has not been found yet
    face_limit_deg: float = 100.0  # head yaw beyond which a face is rarely found
    head_front_deg: float = 35.0  # head yaw within which the head looks as it does from the front
    head_away_deg: float = 95.0  # and beyond which it looks like something else (hair, the back of a hood)
    head_alike: float = 0.4  # share of heads that look about the same from behind anyway (dark hair in a dim room)
    head_outlier: float = 0.05  # a hand in front of the face, someone passing behind
    flow_still: float = 0.1  # spread of the torso's flow (torso lengths/s) where the surface does not move across
    flow_gain: float = 0.6  # the most flow a turn gives per radian a second (a textured surface, sharp frames)
    flow_range: float = 2.0  # flows of a turn spread over this much (torso lengths/s), whatever its speed
    flow_blank: float = 0.3  # share of turning frames whose flow shows nothing (a plain garment, blur): 31 % measured
    flow_outlier: float = 0.03  # a swinging skirt, a hand across the torso, someone passing behind


class CueLikelihood:
    """Log-likelihood of cues on a yaw grid of ``bins`` cells (cell i is yaw i * 360 / bins)."""

    def __init__(self, bins: int = 72, model: CueModel | None = None) -> None:
        self.bins = bins
        self.model = model or CueModel()
        self.yaw = np.arange(bins) * (2 * np.pi / bins)
        m = self.model
        self._cos = np.abs(np.cos(self.yaw))
        self._sin = np.sin(self.yaw)
        # Head yaw around the body's, for the cues that look at the head.
        offsets = np.radians(np.linspace(-2 * m.head_turn_deg, 2 * m.head_turn_deg, 9))
        weights = np.exp(-0.5 * (offsets / math.radians(m.head_turn_deg)) ** 2)
        self._head = self.yaw[:, None] + offsets[None, :]
        self._head_w = weights / weights.sum()
        face_p = _smoothstep(np.abs(_wrap_rad(self._head)), math.radians(m.face_limit_deg - 25),
                             math.radians(m.face_limit_deg + 25))
        p_face = m.face_seen_front + (m.face_seen_back - m.face_seen_front) * face_p
        self._p_face = (p_face * self._head_w).sum(axis=1)
        p_unproven = m.face_unproven_front + (m.face_seen_back - m.face_unproven_front) * face_p
        self._p_face_unproven = (p_unproven * self._head_w).sum(axis=1)
        front = np.cos(self.yaw)
        self._labels_front = np.where(front > 0, m.labels_front, 1.0 - m.labels_back)
        looks = 1.0 - _smoothstep(np.abs(_wrap_rad(self._head)), math.radians(m.head_front_deg),
                                  math.radians(m.head_away_deg))
        self._head_front = (looks * self._head_w).sum(axis=1)  # chance the head looks as from the front

    def loglik(self, cues: Cues, width_ref: float | None, hip_ref: float | None,
               face_proven: bool = True, head_unlike: float | None = None,
               head_sigma: float = 0.03) -> np.ndarray:
        """``face_proven``: this person's face has been found before, so no face means something.
        ``head_unlike``: how unlike this person's front the head looks (0 the same, up to 1), with
        ``head_sigma`` its spread among their front views."""
        m = self.model
        out = np.zeros(self.bins)
        if cues.width is not None and width_ref:
            out += _mixture(cues.width / width_ref, m.width_floor + (1 - m.width_floor) * self._cos,
                            m.width_sigma, m.width_outlier)
        if cues.hip_width is not None and hip_ref:
            out += 0.5 * _mixture(cues.hip_width / hip_ref, m.width_floor + (1 - m.width_floor) * self._cos,
                                  m.hip_sigma, m.width_outlier)
        if cues.axis_deg is not None and cues.axis_quality > 0.1:
            a = math.radians(cues.axis_deg)
            k = m.axis_kappa * cues.axis_quality
            direct = np.exp(k * (np.cos(2 * (self.yaw - a)) - 1))
            mirrored = np.exp(k * (np.cos(2 * (self.yaw + a)) - 1))
            out += np.log((1 - m.axis_mirrored) * direct + m.axis_mirrored * mirrored + m.axis_outlier)
        if cues.labelled_deg is not None and cues.axis_quality > 0.1:
            says_front = math.cos(math.radians(cues.labelled_deg))
            if abs(says_front) > 0.3:  # near a profile the labels' front/back opinion is a coin toss
                p = self._labels_front if says_front > 0 else 1.0 - self._labels_front
                out += np.log(p)
            says_side = labelled_side(cues.labelled_deg)
            if says_side:
                side = np.clip(self._sin * 2.0 * says_side, -1.0, 1.0)  # full opinion 30° from front or back
                out += np.log(0.5 + (m.labels_side - 0.5) * side)
        if cues.nose is not None:
            expected = -m.nose_gain * np.sin(self._head)
            dens = np.exp(-0.5 * ((cues.nose - expected) / m.nose_sigma) ** 2)
            out += np.log((dens * self._head_w).sum(axis=1) + m.nose_outlier)
        if cues.feet is not None:
            expected = (m.feet_front + m.feet_back) / 2 + (m.feet_front - m.feet_back) / 2 * np.cos(self.yaw)
            out += _mixture(cues.feet, expected, m.feet_sigma, m.feet_outlier)
        if cues.face is not None:
            seen = self._p_face if face_proven else self._p_face_unproven
            out += np.log(seen if cues.face >= 0.5 else 1.0 - seen)
        if head_unlike is not None:
            # Seen from the front the head looks as it did from the front (half-normal spread);
            # from elsewhere it may look like anything, or (some heads) much the same.
            same = math.sqrt(2 / math.pi) / head_sigma * math.exp(-0.5 * (head_unlike / head_sigma) ** 2)
            away = m.head_alike * same + (1 - m.head_alike)  # alike, or anything from 0 to 1
            out += np.log(self._head_front * same + (1 - self._head_front) * away + m.head_outlier)
        return out


def flow_loglik(flow: float, speed_deg_s: np.ndarray, model: CueModel, shift: float = 0.0) -> np.ndarray:
    """Log-likelihood of a torso ``flow`` (``Cues.flow``, torso lengths a second) for each turning
    speed (°/s, clockwise +), while the body itself moves across the picture at ``shift``.

    Turning clockwise carries the near surface image-left (negative flow), anticlockwise
    image-right, at up to ``flow_gain`` torso lengths a second per radian a second, on top of
    the body's own shift; a still body shows its shift alone. A plain or blurred surface shows
    nothing however fast it turns, and nothing of the shift either: its flow is 0. So a flow of
    either sign rules out standing still and turning the other way, a speed too slow for it a
    little, and no flow rules out nothing but a fast turn of a textured garment, even while the
    body drifts across the picture.
    """
    m = model
    omega = np.radians(speed_deg_s)
    moved = flow - shift  # the surface's motion across the torso, the body's own taken off
    norm = m.flow_still * math.sqrt(2 * math.pi)
    still = math.exp(-0.5 * (moved / m.flow_still) ** 2) / norm  # the surface moves with the body
    blank = math.exp(-0.5 * (flow / m.flow_still) ** 2) / norm  # the surface shows nothing
    along = -np.sign(omega) * moved  # positive where the flow goes the way this turn carries the surface
    top = m.flow_gain * np.abs(omega) + m.flow_still
    carried = np.where((along >= -m.flow_still) & (along <= top), 1.0 / m.flow_range, 0.0)
    turning = m.flow_blank * blank + (1 - m.flow_blank - m.flow_outlier) * carried
    standing = (1 - m.flow_outlier) * ((1 - m.flow_blank) * still + m.flow_blank * blank)
    p = np.where(omega == 0, standing, turning) + m.flow_outlier / (4 * m.flow_range)
    return np.log(p)


def labelled_side(labelled_deg: float | None) -> int:
    """Which side the model's labels say the body shows, where they say side-on: +1 the
    positive yaws (facing image-left), -1 the negative ones (facing image-right), 0 none."""
    if labelled_deg is None:
        return 0
    sin = math.sin(math.radians(labelled_deg))
    return 0 if abs(sin) < LABELS_SIDE_ON else (1 if sin > 0 else -1)


def _mixture(x: float, expected: np.ndarray, sigma: float, outlier: float) -> np.ndarray:
    return np.log(np.exp(-0.5 * ((x - expected) / sigma) ** 2) + outlier)


def _smoothstep(x: np.ndarray, a: float, b: float) -> np.ndarray:
    s = np.clip((x - a) / (b - a), 0.0, 1.0)
    return s * s * (3 - 2 * s)


def _wrap_rad(a: np.ndarray) -> np.ndarray:
    return (a + np.pi) % (2 * np.pi) - np.pi
