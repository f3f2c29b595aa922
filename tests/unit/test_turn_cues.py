"""The yaw cues of one pose, and what each says about the yaw (canned poses, no model)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kiosk.analysis.cues import CueLikelihood, Cues, cues_of
from tests.unit._poses import make_pose

GRID = CueLikelihood()


def best_yaw(loglik: np.ndarray) -> float:
    return float(np.argmax(loglik)) * 360.0 / len(loglik)


def only(cue: str, cues: Cues) -> Cues:
    """The same cues with all but one left out."""
    keep = {"width": ("width", "width_ref"), "hips": ("hip_width", "hip_ref"), "axis": ("axis_deg", "labelled_deg"),
            "labels": ("labelled_deg", "axis_deg"), "nose": ("nose",), "face": ("face",), "feet": ("feet",)}[cue]
    blank = {f.name: None for f in dataclasses.fields(Cues) if f.name not in ("t", "axis_quality") + keep}
    out = dataclasses.replace(cues, **blank)
    if cue == "axis":
        out = dataclasses.replace(out, labelled_deg=None)
    if cue == "labels":
        out = dataclasses.replace(out, axis_deg=None)
    return out


def lik(cues: Cues) -> np.ndarray:
    return GRID.loglik(cues, cues.width_ref, cues.hip_ref)


def at(loglik: np.ndarray, yaw: float) -> float:
    return float(loglik[int(round((yaw % 360) / 5.0)) % len(loglik)])


@pytest.mark.parametrize("yaw", [0.0, 30.0, 60.0, 90.0, 150.0, 180.0, -120.0])
def test_width_is_the_cosine_of_the_yaw_whatever_the_labels(yaw):
    for swapped in (False, True):
        c = cues_of(make_pose(0.0, yaw, swapped=swapped))
        assert c.width / c.width_ref == pytest.approx(abs(math.cos(math.radians(yaw))), abs=0.03)
        assert c.hip_width / c.hip_ref == pytest.approx(abs(math.cos(math.radians(yaw))), abs=0.03)


def test_width_does_not_change_when_the_camera_is_rolled():
    pose = make_pose(0.0, 40.0)
    centre = pose.image.mean(axis=0)
    a = math.radians(15)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    xy = (pose.image - centre) * [pose.aspect, 1.0]
    rolled = (xy @ rot.T) / [pose.aspect, 1.0] + centre
    upright, tilted = cues_of(pose), cues_of(dataclasses.replace(pose, image=rolled.astype(np.float32)))
    assert tilted.width == pytest.approx(upright.width, rel=0.02)
    assert tilted.nose == pytest.approx(upright.nose, abs=0.02)


@pytest.mark.parametrize("yaw", [0.0, 30.0, 90.0, 150.0, -60.0, -120.0])
def test_axis_is_the_yaw_modulo_a_half_turn_and_ignores_label_swaps(yaw):
    plain, swapped = cues_of(make_pose(0.0, yaw)), cues_of(make_pose(0.0, yaw, swapped=True))
    assert plain.axis_deg == pytest.approx(yaw % 180, abs=0.5) or plain.axis_deg == pytest.approx(yaw % 180 + 180, abs=0.5)
    assert swapped.axis_deg == pytest.approx(plain.axis_deg, abs=0.5)
    assert plain.labelled_deg == pytest.approx(yaw, abs=0.5)  # the labels' own yaw, before the swap


def test_nose_points_where_the_head_faces_in_the_picture():
    # +90 (clockwise, turned to their own right) means facing image-left: the nose is left of the neck.
    assert cues_of(make_pose(0.0, 90.0)).nose < -0.2
    assert cues_of(make_pose(0.0, -90.0)).nose > 0.2
    assert abs(cues_of(make_pose(0.0, 0.0)).nose) < 0.05
    assert cues_of(make_pose(0.0, 90.0, swapped=True)).nose == pytest.approx(cues_of(make_pose(0.0, 90.0)).nose)


def test_a_body_lying_down_has_no_cues():
    pose = make_pose(0.0, 30.0)
    lying = pose.world.copy()
    lying[:, [1, 2]] = lying[:, [2, 1]]  # the torso along the depth axis: lying on the floor
    assert cues_of(dataclasses.replace(pose, world=lying)) is None
    assert cues_of(pose) is not None


def test_unseen_shoulders_give_no_width():
    pose = make_pose(0.0, 30.0)
    vis = pose.visibility.copy()
    vis[[11, 12]] = 0.1
    c = cues_of(dataclasses.replace(pose, visibility=vis))
    assert c.width is None and c.width_ref is None and c.hip_width is not None


def test_width_says_front_or_back_and_profile_but_not_which():
    front = lik(only("width", cues_of(make_pose(0.0, 0.0))))
    assert at(front, 0) == pytest.approx(at(front, 180), abs=1e-6)
    assert at(front, 0) > at(front, 90) + 2
    profile = lik(only("width", cues_of(make_pose(0.0, 90.0))))
    assert at(profile, 90) == pytest.approx(at(profile, 270), abs=1e-6)
    assert at(profile, 90) > at(profile, 0) + 2


def test_axis_says_the_yaw_modulo_a_half_turn_and_allows_a_mirrored_depth():
    loglik = lik(only("axis", cues_of(make_pose(0.0, 40.0))))
    assert at(loglik, 40) == pytest.approx(at(loglik, 220), abs=1e-6)
    assert at(loglik, 40) > at(loglik, -40) > at(loglik, 90)  # mirrored depth: less likely, not excluded


def test_labels_lean_towards_their_own_front_or_back_a_little():
    front = lik(only("labels", cues_of(make_pose(0.0, 10.0))))
    assert 0.2 < at(front, 0) - at(front, 180) < 2.0
    back = lik(only("labels", cues_of(make_pose(0.0, 170.0))))
    assert 0.0 < at(back, 180) - at(back, 0) < 2.0
    side = lik(only("labels", cues_of(make_pose(0.0, 85.0))))
    assert at(side, 85) == pytest.approx(at(side, 95))  # a profile's front/back opinion is a coin toss


@pytest.mark.parametrize("yaw", [80.0, -80.0, 100.0, -100.0])
def test_labels_that_say_side_on_tell_which_side(yaw):
    """The model's usual mistake, a back taken for a front (labels swapped, depth mirrored),
    reports 180° - yaw: the same side. Labels that say side-on say which side, a little."""
    for mistaken in (False, True):
        side = lik(only("labels", cues_of(make_pose(0.0, yaw, mirrored_depth=mistaken))))
        assert 1.0 < at(side, yaw) - at(side, -yaw) < 3.0
        assert at(side, 0) == pytest.approx(at(side, 180)) and at(side, yaw) > at(side, 0)
    front = lik(only("labels", cues_of(make_pose(0.0, 10.0))))
    assert at(front, 85) == pytest.approx(at(front, 275))  # labels that say front say no side


def test_nose_tells_the_first_profile_from_the_second():
    loglik = lik(only("nose", cues_of(make_pose(0.0, 90.0))))
    assert at(loglik, 90) > at(loglik, 270) + 1


def test_a_face_says_front_and_no_face_says_a_little_back():
    seen = lik(only("face", cues_of(make_pose(0.0, 0.0, face=1.0))))
    assert at(seen, 0) > at(seen, 180) + 2
    assert at(seen, 0) == pytest.approx(at(seen, 45), abs=0.3)  # the head may be turned
    unseen = lik(only("face", cues_of(make_pose(0.0, 180.0, face=0.0))))
    assert 1.0 < at(unseen, 180) - at(unseen, 0) < 3.5
    not_looked = lik(only("face", cues_of(make_pose(0.0, 0.0, face=None))))
    assert np.ptp(not_looked) == 0.0


@pytest.mark.parametrize("yaw", [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
def test_all_cues_together_point_at_the_true_yaw(yaw):
    face = 1.0 if abs((yaw + 180) % 360 - 180) < 90 else 0.0
    c = cues_of(make_pose(0.0, yaw, face=face))
    found = best_yaw(lik(c))
    assert abs((found - yaw + 180) % 360 - 180) <= 10


def test_the_feet_say_front_or_back_whatever_the_labels():
    # The camera looks down: toes of someone facing it sit below their heels, from behind level.
    front, back = cues_of(make_pose(0.0, 10.0)), cues_of(make_pose(0.0, 170.0))
    assert front.feet > 0.1 > back.feet
    assert cues_of(make_pose(0.0, 10.0, swapped=True)).feet == pytest.approx(front.feet)
    loglik = lik(only("feet", front))
    assert at(loglik, 0) > at(loglik, 180) + 0.5
    loglik = lik(only("feet", back))
    assert at(loglik, 180) > at(loglik, 0) + 0.5
    vis = make_pose(0.0, 10.0).visibility.copy()
    vis[[29, 31]] = 0.1  # a long dress hides a foot: no reading
    assert cues_of(dataclasses.replace(make_pose(0.0, 10.0), visibility=vis)).feet is None


def test_a_head_unlike_its_front_says_away_and_one_alike_says_front_a_little():
    blank = only("face", cues_of(make_pose(0.0, 0.0, face=None)))

    def head(unlike: float) -> np.ndarray:
        return GRID.loglik(blank, None, None, head_unlike=unlike, head_sigma=0.03)

    unlike = head(0.3)  # the back of the head: hair where the face was
    assert at(unlike, 180) > at(unlike, 0) + 1.0
    assert at(unlike, 180) == pytest.approx(at(unlike, 135), abs=0.3)  # any view from behind
    alike = head(0.01)
    assert 0.2 < at(alike, 0) - at(alike, 180) < 1.5  # some heads look the same from behind
    assert at(alike, 0) == pytest.approx(at(alike, 30), abs=0.3)  # the head may be turned
    assert np.ptp(GRID.loglik(blank, None, None)) == 0.0  # nothing known: says nothing


def test_a_hand_at_the_head_hides_its_colours():
    colours = np.full(72, 1 / 72, np.float32)
    down = dataclasses.replace(make_pose(0.0, 0.0, left_wrist=(0.2, 0.5)), head=colours)
    assert cues_of(down).head is colours
    at_head = dataclasses.replace(make_pose(0.0, 0.0, left_wrist=(0.05, -0.15)), head=colours)
    assert cues_of(at_head).head is None  # fixing the hair: the colours are the hand's


@pytest.mark.parametrize("shift", [0.7, -0.7])
def test_a_torso_outside_the_picture_gives_no_cues(shift):
    # A face close to the glass: the model invents shoulders and hips below the picture's edge
    # (or someone stands half out of it); there is no torso to read a yaw from.
    pose = make_pose(0.0, 0.0)
    assert cues_of(pose) is not None
    moved = dataclasses.replace(pose, image=(pose.image + np.float32([0.0, shift])).astype(np.float32))
    assert cues_of(moved) is None
    sideways = dataclasses.replace(pose, image=(pose.image + np.float32([shift, 0.0])).astype(np.float32))
    assert cues_of(sideways) is None


def test_a_torso_at_the_pictures_edge_still_counts():
    pose = make_pose(0.0, 0.0)
    torso = pose.image[[11, 12, 23, 24]]
    lowest = float(torso[:, 1].max())
    at_edge = dataclasses.replace(pose, image=(pose.image + np.float32([0.0, 1.03 - lowest])).astype(np.float32))
    assert cues_of(at_edge) is not None
