"""Which way the body's surface moves: a label-free clue to which way it turns, and how fast.

A body turning on the spot carries the surface nearest the camera across the picture: to the
picture's left when it turns clockwise seen from above (the person turning to their own
right), to the right when it turns the other way, whether the camera sees the chest, a side
or the back. So the picture's motion across the torso, between the analysed frame and the
camera frame just before it, tells the direction of the turn where a single pose cannot: the
way back from three-quarters round looks like the turn going on, a look at the back like a
look at the front, but the surface moves the other way.

``torso_flow`` measures it: dense optical flow (Farnebäck) on a small picture of the torso
(about 48 px per torso length, so it costs well under a millisecond), the median motion across
the torso axis in a band down the torso's middle, in torso lengths per second, positive
towards the upright picture's right. A plain garment or a blurred frame gives little flow
(the surface moves but nothing in the picture shows it): the likelihood in ``cues`` reads a
small flow as "no opinion", never as "standing still".
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from kiosk import native
from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import Pose

#: The torso is shrunk to about this many pixels per torso length before the flow is measured.
SCALE_PX = 48.0
#: Frames further apart than this say nothing about the motion now.
MAX_GAP_S = 0.25
_log = logging.getLogger(__name__)
_failed = False  # logged once
_ROTATE = {90: "ROTATE_90_CLOCKWISE", 180: "ROTATE_180", 270: "ROTATE_90_COUNTERCLOCKWISE"}


def torso_flow(previous: np.ndarray, current: np.ndarray, image: np.ndarray, dt: float,
               rotation: int = 0) -> float | None:
    """The motion across the torso from ``previous`` to ``current`` (BGR frames of one camera).

    ``image`` holds the pose's landmarks (``Pose.image``, in the upright picture, 0..1);
    ``rotation`` turns the camera's frames upright as ``PoseSettings.rotation`` does. Returns
    torso lengths per second towards the upright picture's right, or None where it cannot be
    measured (frames of different sizes or too far apart, a torso too small or off the picture).
    """
    if dt <= 0 or dt > MAX_GAP_S or previous.shape != current.shape:
        return None
    cv2 = native.cv2()
    turn = rotation % 360
    raw_h, raw_w = current.shape[:2]
    h, w = (raw_w, raw_h) if turn in (90, 270) else (raw_h, raw_w)  # the upright picture's size
    axes = lm.torso_axes(image.astype(np.float64) * np.array([w, h]), 8.0)  # pixels
    if axes is None or not np.isfinite(axes.length):
        return None
    shoulders, hips, up, across, length = axes
    x0 = int(max(0.0, min(shoulders[0], hips[0]) - 0.3 * length))
    x1 = int(min(float(w), max(shoulders[0], hips[0]) + 0.3 * length))
    y0 = int(max(0.0, min(shoulders[1], hips[1]) - 0.05 * length))
    y1 = int(min(float(h), max(shoulders[1], hips[1]) + 0.05 * length))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    before = cv2.cvtColor(_upright_crop(cv2, previous, turn, x0, y0, x1, y1), cv2.COLOR_BGR2GRAY)
    after = cv2.cvtColor(_upright_crop(cv2, current, turn, x0, y0, x1, y1), cv2.COLOR_BGR2GRAY)
    scale = min(SCALE_PX / length, 1.0)
    size = (round(before.shape[1] * scale), round(before.shape[0] * scale))
    if min(size) < 4:
        return None  # a sliver of a torso (mostly off the picture): nothing to measure
    if scale < 1.0:
        before = cv2.resize(before, size, interpolation=cv2.INTER_AREA)
        after = cv2.resize(after, size, interpolation=cv2.INTER_AREA)
    if float(before.std()) < 2.0 or float(after.std()) < 2.0:
        return None  # nothing to follow: a black frame (the camera hiccuped), a blank wall
    flow = cv2.calcOpticalFlowFarneback(before, after, None, 0.5, 2, 7, 3, 5, 1.1, 0) / scale
    rows, cols = np.mgrid[0 : flow.shape[0], 0 : flow.shape[1]]
    points = np.stack([cols / scale + x0, rows / scale + y0], axis=-1) - hips
    along = points @ up / length
    side = points @ across / length
    middle = (along > 0.15) & (along < 0.85) & (np.abs(side) < 0.12)
    if int(middle.sum()) < 4:
        return None
    return float(np.median((flow @ across)[middle])) / length / dt


def with_flow(pose: Pose | None, previous: tuple[float, np.ndarray] | None, current: np.ndarray,
              rotation: int = 0) -> Pose | None:
    """``pose`` with its ``flow`` measured against ``previous`` (time, frame), where there is one.

    The flow is one clue among several: should measuring it ever fail (a frame OpenCV will not
    take), the pose goes on without it and the failure is logged once, rather than the
    analysis stopping."""
    global _failed
    if pose is None or previous is None:
        return pose
    try:
        flow = torso_flow(previous[1], current, pose.image, pose.t - previous[0], rotation)
    except Exception:  # noqa: BLE001 - an optional clue must never stop the analysis
        if not _failed:
            _log.exception("the torso flow could not be measured; going on without it")
        _failed = True
        return pose
    return pose if flow is None else dataclasses.replace(pose, flow=flow)


def _upright_crop(cv2, pixels: np.ndarray, turn: int, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """The box (x0, y0)-(x1, y1) of the upright picture, cut from a camera frame that ``turn``
    clockwise degrees make upright: only the box is turned, never the whole frame."""
    raw_h, raw_w = pixels.shape[:2]
    if turn == 90:  # upright (x, y) is raw (y, raw_h - 1 - x)
        crop = pixels[raw_h - x1 : raw_h - x0, y0:y1]
    elif turn == 180:
        crop = pixels[raw_h - y1 : raw_h - y0, raw_w - x1 : raw_w - x0]
    elif turn == 270:  # upright (x, y) is raw (raw_w - 1 - y, x)
        crop = pixels[x0:x1, raw_w - y1 : raw_w - y0]
    else:
        return np.ascontiguousarray(pixels[y0:y1, x0:x1])
    return cv2.rotate(np.ascontiguousarray(crop), getattr(cv2, _ROTATE[turn]))
