"""Second looks: a raised arm whose hand tracking lost, or nobody found at all.

A raised arm whose hand tracking lost: the same picture is searched again without tracking.

At a few analysed frames a second an arm raised between two frames can leave the hand outside
the region the model tracks; it then places the wrist at the chin, unseen, frame after frame
(the rendered raise, framed from the knees up, at 5 frames a second). At the picture's top edge
the untracked look may not see it either: it looks once more with room above the person. What
a look finds replaces that forearm alone. Nobody found: the picture is searched once more with
room around it (a shopper close to the camera fills the picture, and the model expects room
around a person). Mediapipe's results are stood in for here; the footage suite runs the real
model on those clips.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from kiosk import native
from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import PoseEstimator, PoseSettings
from kiosk.analysis.second_look import lost_wrists


ARMS = {"left": (lm.LEFT_SHOULDER, lm.LEFT_ELBOW, lm.LEFT_WRIST),
        "right": (lm.RIGHT_SHOULDER, lm.RIGHT_ELBOW, lm.RIGHT_WRIST)}


def result(elbow_y=0.3, shoulder_y=0.4, wrist_vis=0.1, elbow_vis=0.6, side="left", shoulders=0.2):
    """A person facing the camera (``shoulders``: their width, a fraction of the picture's; the
    torso is 0.3 long) with one arm's elbow at ``elbow_y`` and its wrist seen ``wrist_vis``."""
    points = [SimpleNamespace(x=0.5, y=0.6, z=0.0, visibility=0.9) for _ in range(lm.LANDMARKS)]
    for i, x, y in ((lm.LEFT_SHOULDER, 0.5 + shoulders / 2, 0.4), (lm.RIGHT_SHOULDER, 0.5 - shoulders / 2, 0.4),
                    (lm.LEFT_HIP, 0.55, 0.7), (lm.RIGHT_HIP, 0.45, 0.7)):
        points[i] = SimpleNamespace(x=x, y=y, z=0.0, visibility=0.9)
    shoulder, elbow, wrist = ARMS[side]
    points[shoulder].y = shoulder_y
    points[elbow] = SimpleNamespace(x=0.5, y=elbow_y, z=0.0, visibility=elbow_vis)
    points[wrist] = SimpleNamespace(x=0.5, y=0.35, z=0.0, visibility=wrist_vis)
    marks = SimpleNamespace(landmark=points)
    return SimpleNamespace(pose_landmarks=marks, pose_world_landmarks=marks)


def square(**kwargs):
    return result(**kwargs), 1.0  # the result, on a square picture


def test_a_raised_elbow_with_an_unseen_wrist_is_a_lost_hand():
    assert lost_wrists(*square()) == [lm.LEFT_WRIST]
    assert lost_wrists(*square(side="right")) == [lm.RIGHT_WRIST]


def test_a_half_seen_wrist_on_a_raised_arm_is_lost_too():
    # Seen under 0.5 the gestures cannot use the hand, so a raised arm's hand seen 0.3-0.5 is
    # looked for again (the rendered raise, zoomed in to the picture's top edge, at 5 fps).
    assert lost_wrists(*square(wrist_vis=0.4)) == [lm.LEFT_WRIST]
    assert lost_wrists(*square(wrist_vis=0.5)) == []


def test_an_arm_down_a_seen_wrist_or_no_person_is_not():
    assert lost_wrists(*square(elbow_y=0.5)) == []  # the elbow below the shoulder
    assert lost_wrists(*square(wrist_vis=0.8)) == []  # the hand is seen
    assert lost_wrists(*square(elbow_vis=0.1)) == []  # the whole arm is out of sight (a profile)
    assert lost_wrists(SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None), 1.0) == []


def test_a_raised_arm_on_a_body_side_on_is_no_hand_to_look_for():
    # A spin flings the arms up; side-on, no raised hand counts as a gesture anyway.
    assert lost_wrists(*square(shoulders=0.05)) == []
    assert lost_wrists(*square(shoulders=0.12)) == [lm.LEFT_WRIST]  # 0.4 torso lengths wide


def estimator_without_model() -> PoseEstimator:
    """An estimator whose second look is stood in for (the real model is never started)."""
    estimator = PoseEstimator(PoseSettings())
    estimator._cv2 = native.cv2()  # start() would set it, with the models
    return estimator


class Search:
    def __init__(self, answer, padded_answer=None):
        self.answer = answer
        self.padded_answer = padded_answer or answer
        self.shapes = []

    def process(self, rgb):
        self.shapes.append(rgb.shape)
        return self.answer if len(self.shapes) == 1 else self.padded_answer

    def close(self):
        pass


def test_the_search_is_taken_only_where_it_finds_the_hand():
    estimator = estimator_without_model()
    tracked = result()
    rgb = np.zeros((8, 8, 3), np.uint8)
    found = result(wrist_vis=0.9)
    lost = [lm.LEFT_WRIST]
    estimator.looks.model = Search(found)
    assert estimator.looks.for_lost_wrists(rgb, tracked, lost) is tracked
    assert tracked.pose_landmarks.landmark[lm.LEFT_WRIST].visibility == 0.9  # the hand it found
    tracked = result()
    estimator.looks.model = Search(result(wrist_vis=0.2))  # no better: keep what tracking said
    assert estimator.looks.for_lost_wrists(rgb, tracked, lost) is tracked
    estimator.looks.model = Search(SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None))
    assert estimator.looks.for_lost_wrists(rgb, tracked, lost) is tracked


def test_a_hand_at_the_top_edge_is_looked_for_again_with_room_above():
    # The first search does not see the hand; the second is given the picture with black room
    # above (30 % of its height) and at each side (half that), and its landmarks come back as
    # fractions of the picture without that room.
    estimator = estimator_without_model()
    tracked = result()
    rgb = np.zeros((100, 60, 3), np.uint8)
    padded = result(wrist_vis=0.9)
    wrist = padded.pose_landmarks.landmark[lm.LEFT_WRIST]
    wrist.x, wrist.y = 45 / 90, 20 / 130  # in the padded picture: 10 px above the original's top
    search = Search(result(wrist_vis=0.2), padded)
    estimator.looks.model = search
    found = estimator.looks.for_lost_wrists(rgb, tracked, [lm.LEFT_WRIST])
    assert search.shapes == [(100, 60, 3), (130, 90, 3)]
    hand = found.pose_landmarks.landmark[lm.LEFT_WRIST]
    assert abs(hand.x - (45 - 15) / 60) < 1e-6 and abs(hand.y - (20 - 30) / 100) < 1e-6  # above the picture
    assert hand.visibility == 0.9


def test_the_second_look_changes_the_lost_forearm_alone():
    # The body as tracking followed it stays (the yaw reads the torso, the head and the legs);
    # only the lost hand's forearm comes from the second look.
    estimator = estimator_without_model()
    tracked, found = result(), result(wrist_vis=0.9, side="left")
    for i, p in enumerate(found.pose_landmarks.landmark):
        p.x, p.y = 0.1 + i / 100, 0.2
    estimator.looks.model = Search(found)
    merged = estimator.looks.for_lost_wrists(np.zeros((8, 8, 3), np.uint8), tracked, [lm.LEFT_WRIST])
    forearm = {lm.LEFT_ELBOW, lm.LEFT_WRIST, lm.LEFT_PINKY, lm.LEFT_INDEX, lm.LEFT_THUMB}
    for i, p in enumerate(merged.pose_landmarks.landmark):
        if i in forearm:
            assert (p.x, p.y) == (0.1 + i / 100, 0.2)
        else:
            assert (p.x, p.y) != (0.1 + i / 100, 0.2)


def test_with_room_above_still_unseen_the_tracked_pose_stands():
    estimator = estimator_without_model()
    tracked = result()
    search = Search(result(wrist_vis=0.2), result(wrist_vis=0.3))
    estimator.looks.model = search
    assert estimator.looks.for_lost_wrists(np.zeros((100, 60, 3), np.uint8), tracked, [lm.LEFT_WRIST]) is tracked
    assert len(search.shapes) == 2


NOBODY = SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None)


class Tracking:
    """The tracking model, stood in for: finds ``answer`` in every picture."""

    def __init__(self, answer):
        self.answer = answer

    def process(self, rgb):
        return self.answer

    def close(self):
        pass


def estimator_tracking(answer, **settings) -> PoseEstimator:
    """An estimator whose tracking model is stood in for (no crop, no face check: no model starts)."""
    estimator = PoseEstimator(PoseSettings(crop_to_person=False, face_check=False, **settings))
    estimator._cv2 = native.cv2()
    estimator._pose = Tracking(answer)
    return estimator


def test_nobody_found_is_looked_for_again_with_room_all_round():
    # A shopper close to the camera fills the picture; tracking finds nobody. The second look is
    # given the picture with black room above and below (30 % of its height) and at each side
    # (half that); the person it finds comes back in fractions of the picture without the room.
    person = result(wrist_vis=0.9)
    hip = person.pose_landmarks.landmark[lm.LEFT_HIP]
    hip.x, hip.y = 60 / 90, 140 / 160  # in the padded picture: 10 px below the original's bottom
    search = Search(person)
    estimator = estimator_tracking(NOBODY)
    estimator.looks.model = search
    pose = estimator.estimate(np.zeros((100, 60, 3), np.uint8), 0.0)
    assert search.shapes == [(160, 90, 3)]
    assert pose is not None
    assert abs(pose.image[lm.LEFT_HIP, 0] - (60 - 15) / 60) < 1e-6
    assert abs(pose.image[lm.LEFT_HIP, 1] - (140 - 30) / 100) < 1e-6  # below the picture's bottom


def test_nobody_found_with_room_either_is_nobody():
    search = Search(NOBODY)
    estimator = estimator_tracking(NOBODY)
    estimator.looks.model = search
    assert estimator.estimate(np.zeros((100, 60, 3), np.uint8), 0.0) is None
    assert len(search.shapes) == 1


def test_a_person_tracking_finds_is_not_looked_for_again():
    search = Search(NOBODY)
    estimator = estimator_tracking(result(elbow_y=0.5))  # arms down: no hand to look for either
    estimator.looks.model = search
    assert estimator.estimate(np.zeros((100, 60, 3), np.uint8), 0.0) is not None
    assert search.shapes == []


def test_the_look_with_room_can_be_turned_off():
    search = Search(result())
    estimator = estimator_tracking(NOBODY, search_with_room=False)
    estimator.looks.model = search
    assert estimator.estimate(np.zeros((100, 60, 3), np.uint8), 0.0) is None
    assert search.shapes == []


class Sequence:
    """The tracking model, stood in for: the next answer for each picture."""

    def __init__(self, *answers):
        self.answers = list(answers)

    def process(self, rgb):
        return self.answers.pop(0)

    def close(self):
        pass


def standing(filled: bool):
    """A person found by tracking: well inside the picture, or reaching its bottom edge."""
    person = result(elbow_y=0.5)
    if filled:
        person.pose_landmarks.landmark[lm.LEFT_ANKLE].y = 1.2  # the legs below the picture
    return person


def test_a_person_close_to_the_camera_who_is_lost_is_looked_for_with_room_at_once():
    estimator = estimator_tracking(None)
    estimator._pose = Sequence(standing(filled=True), NOBODY, NOBODY)
    estimator.looks.model = search = Search(NOBODY)
    frame = np.zeros((100, 60, 3), np.uint8)
    assert estimator.estimate(frame, 0.0) is not None
    assert estimator.estimate(frame, 0.2) is None
    assert estimator.estimate(frame, 0.4) is None
    assert len(search.shapes) == 2  # every frame while they may still stand there


def test_a_person_with_room_around_them_who_is_lost_is_not():
    # Lost for another reason (someone passing in front, a fast spin): the look with room would
    # find whoever stands out most, and the picture already has room.
    estimator = estimator_tracking(None)
    estimator._pose = Sequence(standing(filled=False), NOBODY, NOBODY)
    estimator.looks.model = search = Search(NOBODY)
    frame = np.zeros((100, 60, 3), np.uint8)
    for t in (0.0, 0.2, 0.4):
        estimator.estimate(frame, t)
    assert search.shapes == []


def test_an_empty_room_is_looked_at_with_room_twice_a_second_at_most():
    estimator = estimator_tracking(NOBODY)
    estimator.looks.model = search = Search(NOBODY)
    frame = np.zeros((100, 60, 3), np.uint8)
    for i in range(15):  # 1 s at 15 analysed frames a second
        assert estimator.estimate(frame, i / 15) is None
    assert len(search.shapes) == 2  # at 0 s and at 0.53 s


def test_nobody_seen_for_a_while_after_a_person_with_room_is_an_empty_room():
    estimator = estimator_tracking(None)
    estimator._pose = Sequence(standing(filled=False), *[NOBODY] * 4)
    estimator.looks.model = search = Search(NOBODY)
    frame = np.zeros((100, 60, 3), np.uint8)
    for t in (0.0, 1.0, 2.0, 2.5, 2.6):
        estimator.estimate(frame, t)
    assert len(search.shapes) == 1  # at 2.5 s, more than 2 s after; not again 0.1 s later
