"""BlazePose's landmarks by name, and the torso they outline in the picture.

The indices are the pose model's own numbering (``Pose.image``, ``Pose.world``); left and
right are its anatomical labels, which it sometimes swaps. ``torso_axes`` measures the torso
label-free: its ``across`` axis points to the picture's right whatever the labels say.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# BlazePose landmark indices used by the analysis (the model's own numbering).
NOSE = 0
LEFT_EYE, RIGHT_EYE = 2, 5
LEFT_EAR, RIGHT_EAR = 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_ELBOW, RIGHT_ELBOW = 13, 14
LEFT_WRIST, RIGHT_WRIST = 15, 16
LEFT_PINKY, RIGHT_PINKY = 17, 18
LEFT_INDEX, RIGHT_INDEX = 19, 20
LEFT_THUMB, RIGHT_THUMB = 21, 22
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT, RIGHT_FOOT = 31, 32
LANDMARKS = 33
#: The landmarks on the head (the face check, the head's colours, the cues find it by them).
HEAD = [NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR]


class TorsoAxes(NamedTuple):
    """The torso in the picture, in the units of the landmarks it was measured from."""

    shoulders: np.ndarray  # the shoulders' midpoint
    hips: np.ndarray  # the hips' midpoint
    up: np.ndarray  # unit vector from the hips to the shoulders
    across: np.ndarray  # unit vector across the torso, towards the picture's right whatever the labels
    length: float  # hips to shoulders

    def spread(self, xy: np.ndarray, a: int, b: int) -> float:
        """How far landmark ``a`` lies from landmark ``b`` across the torso, in torso lengths
        (> 0: ``a`` towards the picture's right). The shoulders' spread is how wide they look:
        a person facing the camera shows their left shoulder on the picture's right, and a
        crooked camera or a lean changes nothing."""
        return float(np.dot(xy[a] - xy[b], self.across)) / self.length


def torso_axes(xy: np.ndarray, min_length: float) -> TorsoAxes | None:
    """The torso's axes from landmarks in square units (pixels, or 0..1 times the aspect);
    None when it is shorter than ``min_length``."""
    shoulders = (xy[LEFT_SHOULDER] + xy[RIGHT_SHOULDER]) / 2
    hips = (xy[LEFT_HIP] + xy[RIGHT_HIP]) / 2
    up = shoulders - hips
    length = float(np.hypot(*up))
    if length < min_length:
        return None
    up /= length
    across = np.array([-up[1], up[0]])  # perpendicular to the torso in the picture
    if across[0] < 0:
        across = -across  # pointing image-right (the picture's own x), whatever the labels
    return TorsoAxes(shoulders, hips, up, across, length)
