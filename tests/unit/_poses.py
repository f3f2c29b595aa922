"""Canned poses for the analysis tests: a body at a chosen yaw, with the model's quirks on demand."""

from __future__ import annotations

import math

import numpy as np

from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import Pose

# Pairs the model labels left/right; swapping them is what mediapipe does when it mistakes a back for a front.
_PAIRS = [(1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20), (21, 22),
          (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)]


def make_pose(t: float, yaw_deg: float = 0.0, swapped: bool = False, visibility: float = 0.99,
              left_wrist: tuple[float, float] | None = None, right_wrist: tuple[float, float] | None = None,
              shift: tuple[float, float] = (0.0, 0.0), scale: float = 1.0, face: float | None = None,
              mirrored_depth: bool = False, head_deg: float = 0.0) -> Pose:
    """A standing person turned ``yaw_deg`` clockwise (seen from above) from facing the camera.

    Wrist positions are (across, down) in metres from the shoulder centre, in the person's own
    frame (across > 0: towards their left); elbows are put halfway. ``mirrored_depth`` is the
    model taking a back for a front: labels swapped and depth mirrored (it reports 180° − yaw).
    ``head_deg``: the head turned that much further (clockwise) than the body.
    """
    th = math.radians(yaw_deg)
    left = np.array([math.cos(th), 0.0, -math.sin(th)])  # the person's left, in camera x/y/z
    forward = np.array([-math.sin(th), 0.0, -math.cos(th)])
    world = np.zeros((lm.LANDMARKS, 3), np.float32)

    th_head = math.radians(yaw_deg + head_deg)
    head_left = np.array([math.cos(th_head), 0.0, -math.sin(th_head)])
    head_forward = np.array([-math.sin(th_head), 0.0, -math.cos(th_head)])

    def put(index: int, across: float, down: float, ahead: float = 0.0, head: bool = False) -> None:
        l, f = (head_left, head_forward) if head else (left, forward)
        world[index] = across * l + ahead * f + np.array([0.0, down, 0.0])

    put(lm.NOSE, 0.0, -0.62, 0.10, head=True)
    put(lm.LEFT_EYE, 0.03, -0.66, 0.08, head=True)
    put(lm.RIGHT_EYE, -0.03, -0.66, 0.08, head=True)
    put(lm.LEFT_EAR, 0.07, -0.64, head=True)
    put(lm.RIGHT_EAR, -0.07, -0.64, head=True)
    put(lm.LEFT_SHOULDER, 0.18, -0.5)
    put(lm.RIGHT_SHOULDER, -0.18, -0.5)
    put(lm.LEFT_HIP, 0.12, 0.0)
    put(lm.RIGHT_HIP, -0.12, 0.0)
    for side, sign in ((0, 1), (1, -1)):
        put((lm.LEFT_KNEE, lm.RIGHT_KNEE)[side], 0.1 * sign, 0.45)
        put((lm.LEFT_ANKLE, lm.RIGHT_ANKLE)[side], 0.1 * sign, 0.85)
        put((lm.LEFT_HEEL, lm.RIGHT_HEEL)[side], 0.1 * sign, 0.9, -0.05)
        put((lm.LEFT_FOOT, lm.RIGHT_FOOT)[side], 0.1 * sign, 0.92, 0.1)
    lw = left_wrist or (0.22, 0.3)
    rw = right_wrist or (-0.22, 0.3)
    put(lm.LEFT_WRIST, lw[0], lw[1] - 0.5)
    put(lm.RIGHT_WRIST, rw[0], rw[1] - 0.5)
    put(lm.LEFT_ELBOW, (0.18 + lw[0]) / 2, (lw[1] - 0.5 - 0.5) / 2)
    put(lm.RIGHT_ELBOW, (-0.18 + rw[0]) / 2, (rw[1] - 0.5 - 0.5) / 2)
    # Square pixels on a 3:4 portrait frame: a metre across is 0.4 / 0.75 of the width. The camera
    # looks down a little, so what is nearer to it sits lower in the picture (toes of someone
    # facing it below their heels).
    down = world[:, 1] - 0.45 * world[:, 2]
    image = np.stack([0.5 + shift[0] + world[:, 0] * 0.4 / 0.75 * scale, 0.5 + shift[1] + down * 0.4 * scale], axis=1)
    vis = np.full(lm.LANDMARKS, visibility, np.float32)
    if mirrored_depth:
        world[:, 2] *= -1
        swapped = not swapped
    if swapped:
        order = list(range(lm.LANDMARKS))
        for a, b in _PAIRS:
            order[a], order[b] = b, a
        world, image, vis = world[order], image[order], vis[order]
    return Pose(t=t, image=image.astype(np.float32), world=world, visibility=vis, aspect=0.75, face=face)
