"""A raised arm whose hand tracking lost: the same picture is searched again without tracking.

At a few analysed frames a second an arm raised between two frames can leave the hand outside
the region the model tracks; it then places the wrist at the chin, unseen, frame after frame
(the rendered raise, framed from the knees up, at 5 frames a second). Mediapipe's results are
stood in for here; the footage suite runs the real model on that clip.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from kiosk.analysis import pose as lm
from kiosk.analysis.pose import PoseEstimator, PoseSettings, _lost_wrists


ARMS = {"left": (lm.LEFT_SHOULDER, lm.LEFT_ELBOW, lm.LEFT_WRIST),
        "right": (lm.RIGHT_SHOULDER, lm.RIGHT_ELBOW, lm.RIGHT_WRIST)}


def result(elbow_y=0.3, shoulder_y=0.4, wrist_vis=0.1, elbow_vis=0.6, side="left"):
    points = [SimpleNamespace(x=0.5, y=0.6, z=0.0, visibility=0.9) for _ in range(lm.LANDMARKS)]
    shoulder, elbow, wrist = ARMS[side]
    points[shoulder] = SimpleNamespace(x=0.5, y=shoulder_y, z=0.0, visibility=0.9)
    points[elbow] = SimpleNamespace(x=0.5, y=elbow_y, z=0.0, visibility=elbow_vis)
    points[wrist] = SimpleNamespace(x=0.5, y=0.35, z=0.0, visibility=wrist_vis)
    marks = SimpleNamespace(landmark=points)
    return SimpleNamespace(pose_landmarks=marks, pose_world_landmarks=marks)


def test_a_raised_elbow_with_an_unseen_wrist_is_a_lost_hand():
    assert _lost_wrists(result()) == [lm.LEFT_WRIST]
    assert _lost_wrists(result(side="right")) == [lm.RIGHT_WRIST]


def test_an_arm_down_a_seen_wrist_or_no_person_is_not():
    assert _lost_wrists(result(elbow_y=0.5)) == []  # the elbow below the shoulder
    assert _lost_wrists(result(wrist_vis=0.8)) == []  # the hand is seen
    assert _lost_wrists(result(elbow_vis=0.1)) == []  # the whole arm is out of sight (a profile)
    assert _lost_wrists(SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None)) == []


class Search:
    def __init__(self, answer):
        self.answer = answer

    def process(self, rgb):
        return self.answer

    def close(self):
        pass


def test_the_search_is_taken_only_where_it_finds_the_hand():
    estimator = PoseEstimator(PoseSettings())
    tracked = result()
    rgb = np.zeros((8, 8, 3), np.uint8)
    found = result(wrist_vis=0.9)
    lost = [lm.LEFT_WRIST]
    estimator._search = Search(found)
    assert estimator._search_again(rgb, tracked, lost) is found
    estimator._search = Search(result(wrist_vis=0.2))  # no better: keep what tracking said
    assert estimator._search_again(rgb, tracked, lost) is tracked
    estimator._search = Search(SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None))
    assert estimator._search_again(rgb, tracked, lost) is tracked
