"""The strict face check on rendered people whose yaw is known for every frame.

A face the mesh finds on the head is strong evidence that the body faces the camera; one it
finds on the back of a helmet turned a back view into a front (p05_soldier at 2.13 s, the
body 215° round: the mesh "face" lay on its side). Found faces must stand like the body.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from kiosk.analysis.head import upright_face
from kiosk.analysis.pose import PoseEstimator, PoseSettings
from kiosk.analysis.video import read_frames
from tests.conftest import ROOT

SYNTH = ROOT / "tests" / "footage"


def _face_checks(clip: str, until_s: float) -> list[tuple[float, float | None, float]]:
    """(t, face, true yaw) of every face check the estimator made up to ``until_s``."""
    entry = next(e for e in json.loads((SYNTH / "synth-dev.json").read_text()) if e["file"].endswith(clip))
    truth_t, truth_yaw = zip(*entry["yaw_truth"])
    estimator = PoseEstimator(PoseSettings())
    estimator.start()
    checks = []
    try:
        frames, _ = read_frames(str(SYNTH / entry["file"]))
        for t, pixels in frames:
            if t > until_s:
                break
            pose = estimator.estimate(pixels, t)
            if pose is not None and pose.face is not None:
                checks.append((t, pose.face, float(np.interp(t, truth_t, truth_yaw))))
    finally:
        estimator.close()
    return checks


def _off_front(yaw: float) -> float:
    return abs((yaw + 180.0) % 360.0 - 180.0)


def test_the_back_of_a_helmet_is_no_face():
    checks = _face_checks("p05_soldier_cw_270-return.mp4", 2.2)
    backs = [(t, face) for t, face, yaw in checks if _off_front(yaw) > 120.0]
    assert backs, checks  # the check looked at the back of the helmet at least once
    assert all(face == 0.0 for _, face in backs), checks


def test_a_face_turned_to_the_camera_is_found():
    checks = _face_checks("t01_michelle_cw_2s.mp4", 1.2)
    fronts = [face for _, face, yaw in checks if _off_front(yaw) < 20.0]
    assert len(fronts) >= 2 and all(face == 1.0 for face in fronts), checks


@pytest.mark.parametrize("roll, upright", [(0, True), (25, True), (-40, True), (-90, False), (75, False), (180, False)])
def test_a_face_must_stand_like_the_body(roll, upright):
    torso_down = np.array([3.0, 100.0])  # a torso leaning a little, in pixels
    a = np.radians(roll) + np.arctan2(torso_down[0], torso_down[1])
    forehead_to_chin = 30.0 * np.array([np.sin(a), np.cos(a)])
    assert upright_face(forehead_to_chin, torso_down) is upright
    assert upright_face(np.zeros(2), torso_down) is False
