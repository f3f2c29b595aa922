"""A tracked pose that leaps away from where the person stood: a second look where she stood.

The tracked model follows one person; when it loses the shopper (her back or side to the camera)
its detector takes whoever it finds first, and a passer-by's face behind her wins. The estimator
notices the leap (hips a third of a torso length away, or a torso a seventh shorter, against
where she stood over the last 0.4 s) and looks again in a box around her last pose, with the
other person's head painted over, without tracking. What that look finds stands in for the
leapt pose where it stands where she stood. Mediapipe's results are stood in for here; the
footage suite runs the real model on the rendered ``passerby`` clips.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from kiosk import native
from kiosk.analysis import landmarks as lm
from kiosk.analysis.pose import PoseEstimator, PoseSettings
from kiosk.analysis.second_look import Stance, leapt, stance_of

WIDTH, HEIGHT = 60, 100
HERS, THEIRS = (0, 0, 255), (255, 0, 0)  # BGR colours painted on each head


def person(cx: float = 0.5, scale: float = 1.0, vis: float = 0.9):
    """A mediapipe-like result: a person facing the camera, hips at (``cx``, 0.7) of the picture,
    torso 0.3 of its height long times ``scale``, head 0.4 times ``scale`` above the hips."""
    points = [SimpleNamespace(x=cx, y=0.7 - 0.1 * scale, z=0.0, visibility=vis) for _ in range(lm.LANDMARKS)]
    for i, dx, dy in ((lm.LEFT_SHOULDER, 0.05, -0.3), (lm.RIGHT_SHOULDER, -0.05, -0.3),
                      (lm.LEFT_HIP, 0.05, 0.0), (lm.RIGHT_HIP, -0.05, 0.0)):
        points[i] = SimpleNamespace(x=cx + dx * scale, y=0.7 + dy * scale, z=0.0, visibility=vis)
    for i in lm.HEAD:
        points[i] = SimpleNamespace(x=cx, y=0.7 - 0.4 * scale, z=0.0, visibility=vis)
    marks = SimpleNamespace(landmark=points)
    return SimpleNamespace(pose_landmarks=marks, pose_world_landmarks=marks)


NOBODY = SimpleNamespace(pose_landmarks=None, pose_world_landmarks=None)


class Models:
    """The tracking model and the model without tracking, stood in for: each answers in turn."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.pictures: list[np.ndarray] = []

    def process(self, rgb):
        self.pictures.append(rgb.copy())
        answer = self.answers.pop(0)
        return answer(rgb) if callable(answer) else answer

    def close(self):
        pass


def estimator(tracking: Models, search: Models, **settings) -> PoseEstimator:
    est = PoseEstimator(PoseSettings(crop_to_person=False, face_check=False, search_with_room=False,
                                     retry_raised_arm=False, **settings))
    est._cv2 = native.cv2()
    est._pose, est.looks.model = tracking, search
    return est


def frame() -> np.ndarray:
    """A grey picture with her head (hips at x 0.5) and a passer's (``PASSER``) just below it."""
    pixels = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    pixels[26:35, 26:35] = HERS  # her head at (30, 30) px
    pixels[35:41, 40:46] = THEIRS  # theirs at (43, 38) px
    return pixels


#: Hips at x 0.72, 0.8 her size: hips 0.44 torso lengths from hers, head centre at (43.2, 38) px,
#: outside 0.4 of her torso lengths (12 px) from hers; the box painted over theirs
#: (33..52 x 28..47 px) covers an edge of her head, which is painted back (22..37 px each way).
PASSER = dict(cx=0.72, scale=0.8)


def seen_in_room(image: np.ndarray):
    """A search answer that puts landmarks ``image`` (fractions of the whole frame) where they are
    in the second look's picture: the box around her last pose (x 17..43, y 25..75 px, from her
    landmarks with a quarter of her height at each side and an eighth above and below), with
    black room of 30 % of its height above and below and half that at each side."""
    x0, y0, x1, y1, top, side = 17, 25, 43, 75, 15, 7
    pw, ph = x1 - x0 + 2 * side, y1 - y0 + 2 * top

    def answer(rgb):
        assert rgb.shape == (ph, pw, 3)
        found = person()
        for p, (x, y) in zip(found.pose_landmarks.landmark, image):
            p.x, p.y, p.visibility = (x * WIDTH - x0 + side) / pw, (y * HEIGHT - y0 + top) / ph, 0.77
        return found
    return answer


def her_landmarks() -> np.ndarray:
    return np.array([(p.x, p.y) for p in person().pose_landmarks.landmark], dtype=np.float32)


def test_a_pose_leaps_when_its_hips_jump_or_its_torso_shrinks():
    here = Stance(0.3, 0.5, 0.2)
    assert not leapt(here, Stance(0.3, 0.5, 0.2))
    assert not leapt(here, Stance(0.3 + 0.05, 0.5, 0.2))  # a quarter of a torso length: a step
    assert leapt(here, Stance(0.3 + 0.06, 0.5, 0.2))  # 0.3 torso lengths sideways
    assert leapt(here, Stance(0.3, 0.5 + 0.06, 0.2))  # or down
    assert leapt(here, Stance(0.3, 0.5, 0.2 * 0.86))  # a seventh shorter
    assert not leapt(here, Stance(0.3, 0.5, 0.2 * 1.3))  # larger: a wild frame of her own spin


def test_the_stance_is_the_hips_centre_and_the_torso_length_in_picture_heights():
    image = her_landmarks()
    stance = stance_of(image, WIDTH / HEIGHT)
    assert abs(stance.x - 0.5 * WIDTH / HEIGHT) < 1e-6 and abs(stance.y - 0.7) < 1e-6
    assert abs(stance.torso - 0.3) < 1e-6
    assert stance_of(np.zeros((lm.LANDMARKS, 2), np.float32), 1.0) is None  # no torso to measure


def test_a_leap_to_someone_else_is_replaced_by_her_pose_where_she_stood():
    tracking = Models(person(), person(), person(**PASSER))
    search = Models(seen_in_room(her_landmarks()))
    est = estimator(tracking, search)
    pixels = frame()
    assert est.estimate(pixels, 0.0) is not None
    assert est.estimate(pixels, 0.1) is not None
    pose = est.estimate(pixels, 0.2)  # the tracked model took the passer-by
    assert len(search.pictures) == 1
    assert np.allclose(pose.image, her_landmarks(), atol=1e-5)
    assert np.allclose(pose.visibility, 0.77)  # the second look's, not the tracked pose's
    # The second look saw her head, not theirs: it was painted over.
    seen = search.pictures[0]
    assert (seen == HERS[::-1]).all(axis=2).sum() == 81  # RGB: the whole of her head
    assert not (seen == THEIRS[::-1]).all(axis=2).any()


def test_a_leap_not_found_again_keeps_the_tracked_pose_and_her_place():
    # The second look finds nobody: the leapt pose is given (the person gate downstream judges
    # it), and the next frames are still compared with where she stood, not with the passer.
    tracking = Models(person(), person(cx=0.65, scale=0.6), person(cx=0.68, scale=0.6), person())
    search = Models(NOBODY, NOBODY)
    est = estimator(tracking, search)
    pixels = frame()
    est.estimate(pixels, 0.0)
    leapt_pose = est.estimate(pixels, 0.1)
    assert leapt_pose is not None and abs(leapt_pose.image[lm.LEFT_HIP, 0] - 0.68) < 1e-6
    est.estimate(pixels, 0.2)  # still the passer: looked for her again
    assert len(search.pictures) == 2
    assert est.estimate(pixels, 0.3) is not None  # she is back: no second look
    assert len(search.pictures) == 2


def test_a_second_look_that_finds_the_other_person_again_is_not_taken():
    passer = person(**PASSER)
    tracking = Models(person(), passer)
    passer_marks = np.array([(p.x, p.y) for p in passer.pose_landmarks.landmark], dtype=np.float32)
    search = Models(seen_in_room(passer_marks))
    est = estimator(tracking, search)
    est.estimate(frame(), 0.0)
    pose = est.estimate(frame(), 0.1)
    assert len(search.pictures) == 1
    assert abs(pose.image[lm.LEFT_HIP, 0] - 0.76) < 1e-6  # the tracked pose, as it was
    assert np.allclose(pose.visibility, 0.9)


def test_no_second_look_without_a_leap_long_after_her_or_when_turned_off():
    pixels = frame()
    est = estimator(Models(person(), person(cx=0.52)), Models())
    est.estimate(pixels, 0.0)
    est.estimate(pixels, 0.1)  # a small step: no leap
    assert est.looks.model.pictures == []
    est = estimator(Models(person(), person(cx=0.65, scale=0.6)), Models())
    est.estimate(pixels, 0.0)
    est.estimate(pixels, 1.5)  # nobody seen for 1.5 s: whoever comes is taken as found
    assert est.looks.model.pictures == []
    est = estimator(Models(person(), person(cx=0.65, scale=0.6)), Models(), look_again_on_leap=False)
    est.estimate(pixels, 0.0)
    est.estimate(pixels, 0.1)
    assert est.looks.model.pictures == []
