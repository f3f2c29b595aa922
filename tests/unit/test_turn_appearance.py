"""What the analysis learns about a person: square-on width, whether their face can be found."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kiosk.analysis.appearance import Appearance, outline_match
from kiosk.analysis.cues import cues_of
from kiosk.analysis.landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from kiosk.analysis.pose import OUTLINE_SIZE, person_outline
from tests.unit._poses import make_pose


def test_the_square_on_width_is_learned_from_how_wide_the_person_looked():
    person = Appearance()
    # This camera shows the shoulders at 85 % of the model's 3D ratio square on.
    for i in range(30):
        cues = cues_of(make_pose(i / 15, 0.0))
        reading = person.read(dataclasses.replace(cues, width=cues.width * 0.85))
    assert reading.width_ref == pytest.approx(cues.width_ref * 0.85, rel=0.02)
    assert reading.cues.width / reading.width_ref == pytest.approx(1.0, abs=0.02)


def test_no_face_counts_only_once_a_face_was_found_and_only_for_a_while():
    person = Appearance()
    reading = person.read(cues_of(make_pose(0.0, 0.0, face=0.0)))
    assert not reading.face_proven and reading.cues.face == 0.0
    for i in range(3):
        reading = person.read(cues_of(make_pose(0.5 * (i + 1), 0.0, face=1.0)))
    assert reading.face_proven
    missing = [person.read(cues_of(make_pose(2.0 + 0.5 * i, 180.0, face=0.0))).cues.face for i in range(7)]
    assert missing[:5] == [0.0] * 5 and missing[5:] == [None, None]  # 2 s of misses, then old news


def test_side_views_are_counted_as_separate_runs_of_narrow_widths():
    person = Appearance()
    yaws = [0] * 10 + [90] * 3 + [180] * 5 + [270] * 3 + [0] * 5
    for i, yaw in enumerate(yaws):
        person.read(cues_of(make_pose(i / 10, float(yaw))))
    sides = person.side_views(0.0)
    assert sides.runs == 2 and sides.measured == 1.0
    assert person.side_views(1.5).runs == 1  # only the second one after 1.5 s


def test_a_wide_blip_within_a_side_view_is_no_second_side_view():
    """One frame of a side view read wide (a landmark off for a frame) does not split it in two:
    a body turning back from a side view to the same side view takes longer than that (round
    the back or the front and back again), and two side views to the same side read as a turn
    that came back the way it went."""
    person, back_and_forth = Appearance(), Appearance()
    for who, yaws in ((person, [0] * 8 + [90] * 3 + [0] + [90] * 3 + [180] * 5),
                      (back_and_forth, [0] * 8 + [90] * 3 + [180] * 5 + [90] * 3 + [0] * 5)):
        for i, yaw in enumerate(yaws):
            who.read(cues_of(make_pose(i / 15, float(yaw))))
    assert person.side_views(0.0).runs == 1 and not person.side_views(0.0).came_back
    assert back_and_forth.side_views(0.0).runs == 2 and back_and_forth.side_views(0.0).came_back


def test_a_side_view_ends_only_where_the_body_looked_square_on_again():
    """A long pause in a side view reads a little wider now and then (0.6-0.7 of square-on, at
    a few frames a second half a second apart): still one side view. Round the back and back to
    the same side, the back shows square on in between: two."""
    paused, back_and_forth = Appearance(), Appearance()
    for who, yaws in ((paused, [0] * 8 + [90, 90, 48, 90, 90, 48, 90] + [180] * 3),
                      (back_and_forth, [0] * 8 + [90, 90, 180, 180, 90, 90] + [0] * 3)):
        for i, yaw in enumerate(yaws):
            who.read(cues_of(make_pose(i / 5, float(yaw))))
    assert paused.side_views(0.0).runs == 1 and not paused.side_views(0.0).came_back
    assert back_and_forth.side_views(0.0).runs == 2 and back_and_forth.side_views(0.0).came_back


def test_side_views_can_be_read_up_to_a_time():
    """A turn's own side views: from its start to its end, not what came after it."""
    person = Appearance()
    yaws = [0] * 10 + [90] * 3 + [180] * 5 + [270] * 3 + [0] * 5 + [90] * 3 + [0] * 3
    for i, yaw in enumerate(yaws):
        person.read(cues_of(make_pose(i / 10, float(yaw))))
    assert person.side_views(0.0, until=2.5).runs == 2 and not person.side_views(0.0, until=2.5).came_back
    assert person.side_views(0.0).runs == 3  # a third, after the turn
    assert person.side_views(0.0, until=1.1).runs == 1 and person.side_views(0.0, until=1.1).side_on


def test_each_side_view_says_which_way_the_head_pointed():
    """Side-on, the nose points the way the body faces: image-left at +90°, image-right at -90°."""
    full_turn, there_and_back = Appearance(), Appearance()
    for person, yaws in ((full_turn, [0] * 5 + [90] * 3 + [180] * 3 + [270] * 3 + [0] * 5),
                         (there_and_back, [0] * 5 + [90] * 3 + [180] * 3 + [90] * 3 + [0] * 5)):
        for i, yaw in enumerate(yaws):
            person.read(cues_of(make_pose(i / 10, float(yaw))))
    sides = full_turn.side_views(0.0)
    assert (sides.runs, sides.first, sides.last) == (2, -1, 1) and not sides.came_back
    sides = there_and_back.side_views(0.0)
    assert (sides.runs, sides.first, sides.last) == (2, -1, -1) and sides.came_back


def _there_and_back_without_a_nose(labels: bool) -> Appearance:
    person = Appearance()
    for i, yaw in enumerate([0] * 5 + [90] * 3 + [180] * 3 + [90] * 3 + [0] * 5):
        pose = make_pose(i / 10, float(yaw))
        if yaw == 90:
            pose.visibility[0] = 0.1  # the nose not seen (hair over the face, a hood)
        cues = cues_of(pose)
        if yaw == 90 and not labels:
            cues = dataclasses.replace(cues, labelled_deg=None)
        person.read(cues)
    return person


def test_a_side_view_without_a_nose_or_labels_to_go_by_tells_no_side():
    sides = _there_and_back_without_a_nose(labels=False).side_views(0.0)
    assert sides.runs == 2 and sides.first == 0 and not sides.came_back


def test_without_a_nose_the_labels_tell_the_side():
    """Labels that say side-on say the side (a back taken for a front keeps it: 180° - yaw)."""
    sides = _there_and_back_without_a_nose(labels=True).side_views(0.0)
    assert (sides.runs, sides.first, sides.last) == (2, -1, -1) and sides.came_back


def _colours(front_share: float) -> np.ndarray:
    """A head's colours: ``front_share`` of the face's (skin), the rest the hair's."""
    face, hair = np.zeros(72, np.float32), np.zeros(72, np.float32)
    face[[3, 4, 12]] = [0.5, 0.3, 0.2]
    hair[[60, 69]] = [0.7, 0.3]
    return front_share * face + (1 - front_share) * hair


def test_the_heads_front_is_learned_from_sure_front_views_only():
    person = Appearance()
    front = dataclasses.replace(cues_of(make_pose(0.0, 0.0)), head=_colours(1.0))
    assert person.read(front).head_unlike is None  # nothing learned yet
    for _ in range(2):
        person.facing_front(front)
    assert person.read(front).head_unlike is None  # too few to trust
    person.facing_front(front)
    reading = person.read(front)
    assert reading.head_unlike == pytest.approx(0.0, abs=1e-6) and reading.head_sigma >= 0.02
    back = dataclasses.replace(front, head=_colours(0.0))
    assert person.read(back).head_unlike == pytest.approx(1.0)
    assert 0.1 < person.read(dataclasses.replace(front, head=_colours(0.7))).head_unlike < 0.5
    assert person.read(dataclasses.replace(front, head=None)).head_unlike is None


def test_a_front_that_no_sure_front_view_looks_like_any_more_is_learned_anew():
    """The light changes (or a hat goes on) while she faces the mirror: after 2 s of sure front
    views that all look otherwise, those are her front."""
    person = Appearance()
    before = cues_of(make_pose(0.0, 0.0))
    for i in range(10):
        person.facing_front(dataclasses.replace(before, t=i / 15, head=_colours(1.0)))
    relit = _colours(0.0)
    for i in range(29):  # under 2 s: a wrong guess of the tracker, not learned
        person.facing_front(dataclasses.replace(before, t=1.0 + i / 15, head=relit))
    assert person.read(dataclasses.replace(before, t=3.0, head=relit)).head_unlike == pytest.approx(1.0)
    for i in range(29, 33):
        person.facing_front(dataclasses.replace(before, t=1.0 + i / 15, head=relit))
    assert person.read(dataclasses.replace(before, t=3.3, head=relit)).head_unlike == pytest.approx(0.0, abs=1e-6)


def test_side_views_say_whether_the_body_is_side_on_now():
    person = Appearance()
    for i, yaw in enumerate([0] * 5 + [90] * 3 + [180] * 3 + [270] * 3):
        person.read(cues_of(make_pose(i / 10, float(yaw))))
    assert person.side_views(0.0).side_on  # held three-quarters round
    person.read(cues_of(make_pose(1.4, 0.0)))
    assert not person.side_views(0.0).side_on  # facing the mirror again


def _profile_outline(facing: int) -> np.ndarray:
    """A side-on person's outline over the torso (``OUTLINE_SIZE`` cells): a narrow body, the
    chest and the face standing out on the side it faces (-1 image-left, +1 image-right)."""
    cols, rows = OUTLINE_SIZE
    cells = np.zeros((rows, cols), np.uint8)
    cells[:, cols // 2 - 3: cols // 2 + 3] = 255  # the body, side-on
    front = slice(cols // 2 + 3, cols // 2 + 7) if facing > 0 else slice(cols // 2 - 7, cols // 2 - 3)
    cells[rows // 4: rows // 2, front] = 255  # the chest
    cells[4:9, front] = 255  # the face
    return cells


def _there_and_back_seen_by_outline(last_facing: int) -> Appearance:
    """Out to the first side view and back to a side view, the nose and labels saying nothing
    (a visor: the rendered soldier); the outlines of the side views face image-left first."""
    person = Appearance()
    for i, yaw in enumerate([0] * 5 + [90] * 3 + [180] * 3 + [90] * 3 + [0] * 5):
        pose = make_pose(i / 10, float(yaw))
        pose.visibility[0] = 0.1
        outline = _profile_outline(-1 if i < 10 else last_facing) if yaw == 90 else None
        cues = dataclasses.replace(cues_of(pose), labelled_deg=None, outline=outline)
        person.read(cues)
    return person


def test_the_outline_says_a_side_view_came_back_where_nose_and_labels_cannot():
    sides = _there_and_back_seen_by_outline(last_facing=-1).side_views(0.0)
    assert sides.runs == 2 and sides.first == 0 and sides.outline_same and sides.came_back


def test_the_other_profiles_outline_says_nothing_either_way():
    """A profile's outline flipped is the other profile's: the two side views of a full turn.
    That says only "not the same side" weakly on real bodies, so it is no "went round"."""
    sides = _there_and_back_seen_by_outline(last_facing=+1).side_views(0.0)
    assert sides.runs == 2 and not sides.outline_same and not sides.came_back


def test_outlines_match_as_they_are_or_flipped():
    left, right = _profile_outline(-1), _profile_outline(+1)
    assert outline_match([left, left], [left]) == pytest.approx(1.0)
    assert outline_match([left], [right]) == pytest.approx(-1.0)
    assert outline_match([], [left]) == 0.0 and outline_match([left], []) == 0.0
    square_on = np.full(left.shape, 128, np.uint8)
    assert outline_match([square_on], [square_on]) == 0.0  # no difference either way: nothing said


def test_the_outline_is_cut_along_the_torso_whatever_the_lean():
    """The same person, upright and leaning 20° in a picture twice as wide: the same cells, the
    chest on the side it is on (image-right here)."""
    cv2 = pytest.importorskip("cv2")
    height, width = 400, 300
    mask = np.zeros((height, width), np.float32)
    norm = np.zeros((33, 2), np.float32)
    norm[[LEFT_SHOULDER, RIGHT_SHOULDER]] = (150 / width, 150 / height)
    norm[[LEFT_HIP, RIGHT_HIP]] = (150 / width, 250 / height)
    cv2.rectangle(mask, (135, 60), (165, 390), 1.0, -1)  # the body, side-on: 100 px of torso
    cv2.rectangle(mask, (165, 160), (190, 200), 1.0, -1)  # the chest, image-right
    upright = person_outline(mask, norm, cv2)
    assert upright.shape == (OUTLINE_SIZE[1], OUTLINE_SIZE[0]) and upright.dtype == np.uint8
    cols = upright.shape[1]
    assert upright[:, cols // 2 + 5:].sum() > 5 * upright[:, : cols // 2 - 5].sum()

    turn = cv2.getRotationMatrix2D((150, 200), 20, 1.0)
    wide = np.zeros((height, 2 * width), np.float32)
    wide[:, :width] = cv2.warpAffine(mask, turn, (width, height))
    leaned = np.hstack([norm, np.ones((33, 1), np.float32)]) * (width, height, 1) @ turn.T / (2 * width, height)
    again = person_outline(wide, leaned.astype(np.float32), cv2)
    assert np.abs(again.astype(int) - upright.astype(int)).mean() < 12


def test_no_outline_for_a_torso_too_small_to_cut():
    cv2 = pytest.importorskip("cv2")
    norm = np.zeros((33, 2), np.float32)
    norm[[LEFT_HIP, RIGHT_HIP], 1] = 0.005
    assert person_outline(np.ones((100, 100), np.float32), norm, cv2) is None
