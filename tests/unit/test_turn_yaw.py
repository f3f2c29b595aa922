"""The yaw tracker and the whole body analysis on canned pose sequences with the model's quirks.

Each sequence is a body turning through chosen yaws; on top of it the model's known failures:
left/right labels swapped in back views, depth mirrored (a back taken for a front), wild single
frames, lost frames, a head turned away from the body's facing, and no face check at all.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kiosk.analysis.body import BodyAnalyser
from kiosk.analysis.cues import cues_of
from kiosk.analysis.turn import TurnEnded
from kiosk.analysis.yaw import YawTracker, samples_from_rows
from tests.unit._poses import make_pose


def face_of(yaw: float) -> float:
    """The strict face check: a face while the head is within 90° of the camera."""
    return 1.0 if abs((yaw + 180) % 360 - 180) < 90 else 0.0


def body(t: float, yaw: float, faces: bool = True, swap_back: bool = False, mirror_back: bool = False,
         head: float = 0.0, **kw):
    back = 90 < yaw % 360 < 270
    return make_pose(t, yaw, swapped=swap_back and back, mirrored_depth=mirror_back and back, head_deg=head,
                     face=face_of(yaw + head) if faces else None, **kw)


def waypoints(*segments: tuple[float, float], fps: float = 15.0, start: float = 0.0) -> list[tuple[float, float]]:
    """(t, yaw) moving linearly to each (seconds, degrees) waypoint in turn."""
    out = [(0.0, start)]
    for duration, target in segments:
        n = max(int(round(duration * fps)), 1)
        t0, y0 = out[-1]
        out += [(t0 + i / fps, y0 + (target - y0) * i / n) for i in range(1, n + 1)]
    return out


def track(poses) -> list:
    tracker = YawTracker()
    for i, p in enumerate(poses):
        tracker.update(p.t if p is not None else i, cues_of(p) if p is not None else None)
    return tracker.path()


def analyse(poses):
    analyser = BodyAnalyser()
    ended = []
    for p in poses:
        facts = analyser.feed(p.t, p)
        ended += [(p.t, u) for u in facts.turn if isinstance(u, TurnEnded)]
    ended += [(poses[-1].t, u) for u in analyser.finish() if isinstance(u, TurnEnded)]
    return analyser, ended


TURN = [(1.0, 0.0), (3.0, 360.0), (1.5, 360.0)]  # still, a 3 s turn, still


def truth_at(path, t):
    times = [a for a, _ in path]
    return float(np.interp(t, times, [y for _, y in path]))


@pytest.mark.parametrize("faces", [True, False], ids=["face check", "no face check"])
def test_a_full_turn_unwraps_to_360(faces):
    path = waypoints(*TURN)
    samples = track([body(t, y, faces=faces) for t, y in path])
    assert samples[-1].rotation_deg == pytest.approx(360.0, abs=10)
    errors = [abs(s.rotation_deg - truth_at(path, s.t)) for s in samples]
    assert max(errors) < 25 and np.mean(errors) < 8
    assert all(0.0 <= s.confidence <= 1.0 for s in samples)
    assert samples[-1].confidence > 0.8


@pytest.mark.parametrize("quirk, faces", [("swap_back", True), ("swap_back", False), ("mirror_back", True)],
                         ids=["labels swapped", "labels swapped, no face check", "back taken for a front"])
def test_the_back_view_quirks_of_the_model_do_not_turn_the_body_back(quirk, faces):
    # swap_back: left/right labels swapped whenever the back faces the camera (yaw 180 ± 90).
    # mirror_back: the model takes the back for a front: labels swapped and depth mirrored, so
    # its own yaw goes 90 → 0 → -90 while the body goes 90 → 180 → 270; the face check (no
    # face on the back of the head) overrules it.
    path = waypoints(*TURN)
    samples = track([body(t, y, faces=faces, **{quirk: True}) for t, y in path])
    assert samples[-1].rotation_deg == pytest.approx(360.0, abs=15)
    assert np.all(np.abs(np.diff([s.rotation_deg for s in samples])) < 40)


def test_without_a_face_check_the_feet_still_tell_a_back_taken_for_a_front():
    # No face check, and the model mirrors its depth through the back half: the toes, below
    # the heels facing the camera and level with them from behind, still say "back".
    path = waypoints(*TURN)
    samples = track([body(t, y, faces=False, mirror_back=True) for t, y in path])
    assert samples[-1].rotation_deg == pytest.approx(360.0, abs=15)


def no_face_no_feet_mirrored_back(colours=None) -> list:
    """The full turn with no face check, the feet hidden (a long dress) and the model taking the
    back half for a front; ``colours(yaw)``: the head's colours, if measured."""
    poses = []
    for t, y in waypoints(*TURN):
        p = body(t, y, faces=False, mirror_back=True)
        vis = p.visibility.copy()
        vis[[29, 30, 31, 32]] = 0.1
        poses.append(dataclasses.replace(p, visibility=vis, head=None if colours is None else colours(y)))
    return poses


def test_with_neither_face_nor_feet_a_back_taken_for_a_front_looks_like_a_glance():
    # The documented limit (docs/ANALYSIS.md): with nothing but the model's own depth to say
    # front from back (no face found, feet hidden by a long dress, a head that looks the same
    # from behind), a back it takes for a front reads as a look over the shoulder and back.
    samples = track(no_face_no_feet_mirrored_back())
    assert abs(samples[-1].rotation_deg) < 30


def head_colours(yaw: float) -> np.ndarray:
    """A head's colours seen at ``yaw``: the face's (skin) from the front, the hair's beyond 90°."""
    face, hair = np.zeros(72, np.float32), np.zeros(72, np.float32)
    face[[3, 4, 12]] = [0.5, 0.3, 0.2]
    hair[[60, 69]] = [0.7, 0.3]
    hair_share = float(np.clip((abs((yaw + 180) % 360 - 180) - 30.0) / 60.0, 0.0, 1.0))
    return (1 - hair_share) * face + hair_share * hair


def test_with_neither_face_nor_feet_the_heads_colours_tell_a_back_taken_for_a_front():
    # The same as above, but the head's colours are measured: from behind it shows hair where
    # the front showed a face (or a visor), which the model's mirrored depth cannot change.
    samples = track(no_face_no_feet_mirrored_back(head_colours))
    assert samples[-1].rotation_deg == pytest.approx(360.0, abs=15)
    back = [s for s in samples if abs(s.t - 2.5) < 0.3]
    assert all(abs(abs(s.yaw_deg) - 180) < 40 for s in back), back


def test_a_hand_over_the_face_while_square_on_is_no_turn():
    # Fixing her hair: for a second the head's colours are the hand's, not the face's.
    poses = []
    for i in range(90):
        t = i / 15
        colours = head_colours(180.0) if 2.0 <= t < 3.0 else head_colours(0.0)
        poses.append(dataclasses.replace(body(t, 0.0, faces=False), head=colours))
    analyser, ended = analyse(poses)
    assert not [u for _, u in ended if u.turn.complete]
    assert all(abs(s.yaw_deg) < 45 for s in analyser.track if s.t < 2.0 or s.t > 3.5)


def test_the_light_changing_while_she_faces_the_mirror_is_no_turn():
    # From 2 s on her head looks otherwise for good (the fitting-room light dimmed, a hat put on).
    poses = [dataclasses.replace(body(i / 15, 0.0, faces=False), head=head_colours(180.0 if i >= 30 else 0.0))
             for i in range(150)]
    analyser, ended = analyse(poses)
    assert not [u for _, u in ended if u.turn.complete]
    assert all(abs(s.yaw_deg) < 45 for s in analyser.track if s.t > 5.0)


def test_random_label_swaps_and_wild_frames_do_not_break_the_track():
    rng = np.random.default_rng(3)
    path = waypoints(*TURN)
    poses = []
    for i, (t, y) in enumerate(path):
        wild = y + rng.uniform(60, 120) if i % 11 == 5 else y  # an arm across the chest, sequins
        poses.append(make_pose(t, wild, swapped=bool(rng.random() < 0.3), face=face_of(y)))
    samples = track(poses)[:-2]  # the newest frames may still be revised
    assert samples[-1].rotation_deg == pytest.approx(360.0, abs=20)
    assert max(abs(s.rotation_deg - truth_at(path, s.t)) for s in samples) < 35


def test_a_mirrored_video_turns_the_other_way():
    path = waypoints(*TURN)
    poses = []
    for t, y in path:
        p = body(t, y)
        world, image = p.world.copy(), p.image.copy()
        world[:, 0] *= -1
        image[:, 0] = 1 - image[:, 0]
        # A mirror image of a person is labelled by the model as a person: its left is our right.
        swap = list(range(33))
        for a, b in ((11, 12), (23, 24), (7, 8), (2, 5), (15, 16), (13, 14), (27, 28)):
            swap[a], swap[b] = b, a
        poses.append(type(p)(p.t, image[swap], world[swap], p.visibility[swap], p.aspect, p.face))
    assert track(poses)[-1].rotation_deg == pytest.approx(-360.0, abs=10)


def test_a_counter_clockwise_turn_is_found_like_a_clockwise_one():
    analyser, ended = analyse([body(t, y) for t, y in waypoints((1.0, 0.0), (3.0, -360.0), (1.5, -360.0))])
    [(_, end)] = ended
    assert end.turn.complete and end.turn.direction == "ccw"
    assert end.turn.start_s == pytest.approx(1.1, abs=0.25) and end.turn.end_s == pytest.approx(3.9, abs=0.25)


def test_a_short_loss_of_the_person_is_bridged():
    path = waypoints(*TURN)
    poses = [None if 1.8 <= t < 2.3 else body(t, y) for t, y in path]  # half a second unseen mid-turn
    tracker = YawTracker()
    for (t, _), p in zip(path, poses):
        tracker.update(t, cues_of(p) if p is not None else None)
    assert tracker.path()[-1].rotation_deg == pytest.approx(360.0, abs=10)


def test_a_back_hold_with_the_head_turned_does_not_end_the_turn_early():
    # Turns to the back, holds it for 2 s with the head turned 70° to one side (the nose
    # points sideways as in the second profile), then turns on round to the front.
    path = waypoints((1.0, 0.0), (1.5, 180.0), (2.0, 180.0), (1.5, 360.0), (1.5, 360.0))
    poses = [body(t, y, head=70.0 if 3.0 <= t <= 4.2 else 0.0) for t, y in path]
    analyser, ended = analyse(poses)
    [(at, end)] = ended
    assert end.turn.complete
    assert end.turn.end_s == pytest.approx(6.0 - 12 / 120, abs=0.3)
    assert at >= 6.0  # announced once the front has returned, not while the back still shows


def test_the_turn_never_ends_while_the_back_still_shows():
    path = waypoints((1.0, 0.0), (1.5, 180.0), (3.0, 200.0), (1.5, 360.0), (1.5, 360.0))
    analyser, ended = analyse([body(t, y, head=-60.0 * np.sin(t)) for t, y in path])
    for at, end in ended:
        if end.turn.complete:
            assert abs(truth_at(path, at) % 360 - 180) > 60


def test_a_stall_in_profile_is_still_one_turn():
    analyser, ended = analyse([body(t, y) for t, y in waypoints((1.0, 0.0), (0.8, 90.0), (2.0, 90.0), (2.5, 360.0),
                                                                  (1.5, 360.0))])
    [(_, end)] = ended
    assert end.turn.complete and end.turn.start_s == pytest.approx(1.1, abs=0.3)


@pytest.mark.parametrize("faces", [True, False], ids=["face check", "no face check"])
def test_turning_to_the_back_and_returning_the_same_way_is_not_a_full_turn(faces):
    # Widths alone cannot tell this from a full turn (wide, narrow, wide, narrow, wide); the
    # nose (the same profile twice), the face and the 3D line can.
    path = waypoints((1.0, 0.0), (1.5, 180.0), (1.0, 180.0), (1.5, 0.0), (1.5, 0.0))
    analyser, ended = analyse([body(t, y, faces=faces) for t, y in path])
    assert not any(end.turn.complete for _, end in ended)
    assert max(abs(s.rotation_deg) for s in analyser.track) == pytest.approx(180, abs=30)


def test_a_glance_over_the_shoulder_is_not_a_turn():
    path = waypoints((1.0, 0.0), (0.8, 100.0), (0.8, 100.0), (0.8, 0.0), (1.5, 0.0))
    analyser, ended = analyse([body(t, y) for t, y in path])
    assert not any(end.turn.complete for _, end in ended)


@pytest.mark.parametrize("fps", [5.0, 10.0, 30.0])
def test_the_turn_is_found_at_any_analysis_rate(fps):
    analyser, ended = analyse([body(t, y) for t, y in waypoints(*TURN, fps=fps)])
    [(_, end)] = ended
    assert end.turn.complete and end.turn.direction == "cw"
    assert end.turn.start_s == pytest.approx(1.1, abs=0.3) and end.turn.end_s == pytest.approx(3.9, abs=0.3)


def test_the_settled_path_comes_with_the_end_of_the_turn():
    analyser, ended = analyse([body(t, y) for t, y in waypoints(*TURN)])
    [(_, end)] = ended
    assert end.track[0].t <= end.turn.start_s - 1.0 and end.track[-1].t >= end.turn.end_s
    assert end.track[-1].rotation_deg == pytest.approx(360, abs=10)


def test_stored_rows_old_and_new_read_back_as_samples():
    new = samples_from_rows([[0.5, -170.0, 190.0, 0.8]])
    old = samples_from_rows([[0.5, -170.0, 190.0]])
    assert new[0].confidence == 0.8 and old[0].confidence == 1.0
    assert new[0].rotation_deg == old[0].rotation_deg == 190.0 and new[0].yaw_deg == -170.0


def test_the_live_tracker_keeps_only_its_window():
    tracker = YawTracker(keep=False)
    for i in range(15 * 50):  # 50 s of a person standing still
        tracker.update(i / 15, cues_of(make_pose(i / 15, 0.0, face=1.0)))
    path = tracker.path()
    assert path[-1].t - path[0].t <= tracker.settings.window_s + 0.1
    assert tracker.frozen == []


def test_one_and_a_half_turns_are_one_complete_turn_and_a_partial_one():
    analyser, ended = analyse([body(t, y) for t, y in waypoints((1.0, 0.0), (4.5, 540.0), (2.0, 540.0))])
    complete = [end.turn for _, end in ended if end.turn.complete]
    assert len(complete) == 1 and complete[0].rotation_deg == pytest.approx(360, abs=10)
    assert complete[0].end_s == pytest.approx(1.0 + 4.5 * 348 / 540, abs=0.3)


def test_a_slow_turn_with_a_long_back_hold_is_one_turn():
    # 8 s to go round, 4 s of it admiring the back with the head turning from side to side.
    path = waypoints((1.0, 0.0), (2.0, 180.0), (4.0, 185.0), (2.0, 360.0), (1.5, 360.0))
    analyser, ended = analyse([body(t, y, head=50.0 * np.sin(2 * t)) for t, y in path])
    [(at, end)] = ended
    assert end.turn.complete and end.turn.end_s == pytest.approx(9.0 - 12 / 87.5, abs=0.35)


def test_someone_whose_face_is_never_found_still_faces_the_camera():
    # A visor, a mask, a hood: the face check never finds a face. Not finding one only counts
    # once this person's face has been seen; until then the other cues decide.
    path = waypoints((4.0, 0.0))
    samples = track([make_pose(t, y, face=0.0) for t, y in path])
    assert all(abs(s.yaw_deg) < 30 for s in samples[5:])


def test_a_face_hidden_for_seconds_while_square_on_is_no_turn():
    # Pulling a top over the head, hair over the face, a long look down: no face for 4 s, the
    # body square to the camera all along. The widths never narrow, so no turn can complete.
    path = waypoints((1.0, 0.0), (4.0, 0.0), (2.0, 0.0))
    poses = [make_pose(t, 0.0, face=0.0 if 1.0 <= t < 5.0 else 1.0) for t, _ in path]
    analyser, ended = analyse(poses)
    assert not any(end.turn.complete for _, end in ended)
    assert abs(analyser.track[-1].yaw_deg) < 30  # facing front again once the face is back


@pytest.mark.parametrize("quirks", [{}, {"faces": False}, {"faces": False, "swap_back": True},
                                    {"faces": False, "mirror_back": True}])
def test_a_quick_look_at_the_back_and_straight_back_is_no_full_turn(quirks):
    """Round to the back in 0.4 s and straight back the way she came: at that speed the path
    reads the way back as the turn going on; her two side views, with the nose to the same side
    both times, tell it apart from a full turn (which shows one side, then the other)."""
    poses = [body(t, y, **quirks) for t, y in waypoints((1.0, 0.0), (0.4, 180.0), (0.4, 0.0), (1.5, 0.0))]
    analyser, ended = analyse(poses)
    assert not any(u.turn.complete for _, u in ended), [u.turn for _, u in ended]
