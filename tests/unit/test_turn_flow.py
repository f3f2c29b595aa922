"""The torso flow: which way the body's surface moves across the picture, and what the tracker makes of it."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kiosk.analysis import worker as worker_module
from kiosk.analysis.body import BodyAnalyser
from kiosk.analysis.cues import CueModel, cues_of, flow_loglik
from kiosk.analysis.flow import torso_flow, with_flow
from kiosk.analysis.pose_cache import PoseCache
from kiosk.analysis.pose import PoseSettings
from kiosk.analysis.yaw import body_shift
from tests.unit._poses import make_pose
from tests.unit.test_analysis_worker import Camera, make_worker, wait_for
from tests.unit.test_turn_yaw import analyse, body, waypoints

H, W = 480, 360  # a 3:4 portrait frame, as make_pose draws its people
TORSO_PX = 96.0  # make_pose's torso on it: shoulders at y = 144 px, hips at 240 px
RADIUS_PX = 40.0

_rng = np.random.default_rng(7)
_TEXTURE = _rng.uniform(40, 220, size=(H // 4, 360 // 4))  # a patterned garment: brightness by (row, degree)


def cylinder(turned_deg: float) -> np.ndarray:
    """A patterned torso (a cylinder round the body's axis) turned ``turned_deg`` clockwise seen
    from above, on a plain wall: what the camera sees, BGR."""
    frame = np.full((H, W, 3), 128, np.uint8)
    x = np.arange(W) - W / 2
    inside = np.abs(x) < RADIUS_PX
    # The surface point now in column x sits at angle asin(x / R) from the camera; turning
    # clockwise moves it image-left, so what shows there came from further right.
    angle = np.degrees(np.arcsin(np.clip(x[inside] / RADIUS_PX, -1, 1))) + turned_deg
    texture = np.kron(_TEXTURE, np.ones((4, 4)))  # (H, 360): 4 px blocks
    cols = np.round(angle).astype(int) % 360
    body_rows = slice(120, 270)
    frame[body_rows, inside] = texture[body_rows][:, cols].astype(np.uint8)[..., None]
    return frame


POSE = make_pose(0.0, 0.0)


@pytest.mark.parametrize("speed", [90.0, -90.0, 180.0, -180.0])
def test_the_surface_moves_image_left_in_a_clockwise_turn_and_right_in_the_other(speed):
    dt = 1 / 30
    flow = torso_flow(cylinder(0.0), cylinder(speed * dt), POSE.image, dt)
    expected = -RADIUS_PX * math.radians(speed) / TORSO_PX  # torso lengths per second, + image-right
    assert flow is not None and np.sign(flow) == np.sign(expected)
    assert 0.5 * abs(expected) < abs(flow) < 1.5 * abs(expected), (flow, expected)


def test_a_still_body_shows_no_flow_and_a_blank_frame_before_says_nothing():
    still = torso_flow(cylinder(10.0), cylinder(10.0), POSE.image, 1 / 30)
    assert still is not None and abs(still) < 0.05
    black = np.zeros((H, W, 3), np.uint8)
    assert torso_flow(black, cylinder(0.0), POSE.image, 1 / 30) is None
    assert torso_flow(cylinder(0.0), cylinder(3.0), POSE.image, 1.0) is None  # a second apart: not "now"
    assert torso_flow(cylinder(0.0)[:-2], cylinder(3.0), POSE.image, 1 / 30) is None  # another size


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_camera_mounted_sideways_measures_in_the_upright_picture(rotation):
    """Frames from a camera on its side or upside down (``rotation``: clockwise degrees that
    make its picture upright, as ``PoseSettings.rotation``)."""
    dt = 1 / 30

    def mounted(frame):  # what such a camera delivers: the upright picture turned anticlockwise
        return np.ascontiguousarray(np.rot90(frame, rotation // 90))

    upright = torso_flow(cylinder(0.0), cylinder(3.0), POSE.image, dt)
    sideways = torso_flow(mounted(cylinder(0.0)), mounted(cylinder(3.0)), POSE.image, dt, rotation=rotation)
    assert upright is not None and sideways is not None
    assert upright < 0 and abs(sideways - upright) < 0.2 * abs(upright)


def test_the_pose_carries_its_flow_into_the_cues_and_the_cache(tmp_path):
    pose = with_flow(dataclasses.replace(POSE, t=1 / 30), (0.0, cylinder(0.0)), cylinder(3.0))
    assert pose.flow is not None and pose.flow < 0
    assert cues_of(pose).flow == pose.flow
    assert with_flow(POSE, None, cylinder(0.0)) is POSE  # no frame before: nothing measured
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    cache = PoseCache(tmp_path / "cache")
    cache.save(clip, "original", 15.0, PoseSettings(), [(0.0, POSE), (1 / 30, pose)])
    back = cache.load(clip, "original", 15.0, PoseSettings())
    assert back[0][1].flow is None and back[1][1].flow == pytest.approx(pose.flow)


def test_the_flow_rules_out_standing_still_and_the_other_way_but_no_flow_rules_out_little():
    speeds = np.array([-360.0, -90.0, 0.0, 90.0, 360.0])
    moving_left = flow_loglik(-0.8, speeds, CueModel())  # the near surface goes image-left: clockwise
    assert moving_left[3] == moving_left[4] == moving_left.max()
    assert moving_left[2] < moving_left[3] - 3 and moving_left[0] < moving_left[3] - 3
    assert moving_left[1] < moving_left[3] - 3  # nor anticlockwise slowly
    nothing = flow_loglik(0.0, speeds, CueModel())  # a plain garment shows nothing, turning or not
    assert nothing.max() - nothing.min() < 1.0


def test_a_plain_back_shows_no_flow_even_while_the_body_drifts_across_the_picture():
    # The real mint dress, dim and blurred at 5 fps: at her plain back the picture shows no flow
    # at all, while her torso's centre drifts image-left at 0.35-0.46 torso lengths a second.
    # With the drift taken off, "nothing" reads as the surface going image-right (a turn back
    # the other way), and the turn was given up; a plain surface shows no drift either.
    speeds = np.array([-360.0, -90.0, 0.0, 90.0, 360.0])
    for shift in (-0.45, 0.45):
        drifting = flow_loglik(0.0, speeds, CueModel(), shift)
        assert drifting.max() - drifting.min() < 1.0  # rules out nothing, as without a drift
    # A textured surface still shows the drift (the body standing still, stepping aside) ...
    stepping = flow_loglik(0.45, speeds, CueModel(), 0.45)
    assert stepping[2] == stepping.max()
    # ... and a turn on top of it.
    turning = flow_loglik(-0.8, speeds, CueModel(), 0.45)
    assert turning[4] == turning.max() and turning[0] < turning[4] - 3 and turning[2] < turning[4] - 3


def with_turning_flow(points: list[tuple[float, float]], gain: float = 0.3) -> list:
    """Canned poses along (t, yaw) whose torso flow shows each step's turn (``gain`` torso lengths
    a second per radian a second), the back taken for a front (labels swapped) and no face check."""
    poses = []
    for i, (t, yaw) in enumerate(points):
        speed = 0.0 if i == 0 else (yaw - points[i - 1][1]) / (t - points[i - 1][0])
        poses.append(dataclasses.replace(body(t, yaw, faces=False, swap_back=True), flow=-gain * math.radians(speed)))
    return poses


def test_at_five_frames_a_second_a_quick_turn_with_the_back_taken_for_a_front_is_found_by_its_flow():
    """Round in 0.6 s, seen 5 times a second, the back read as a front: the poses alone read a
    glance; the surface moving image-left the whole time says the body went on round."""
    points = waypoints((1.0, 0.0), (0.6, 360.0), (1.5, 360.0), fps=5.0)
    _, ended = analyse([dataclasses.replace(p, flow=None) for p in with_turning_flow(points)])
    assert not any(u.turn.complete for _, u in ended)  # what the poses alone say
    _, ended = analyse(with_turning_flow(points))
    complete = [u.turn for _, u in ended if u.turn.complete]
    assert len(complete) == 1 and complete[0].direction == "cw"
    assert abs(complete[0].rotation_deg - 360) <= 45


def test_the_way_back_from_the_back_turns_the_track_back():
    """To the back and back the same way at 5 frames a second, the back read as a front: the
    poses alone make it one 360° sweep; the flow, image-left then image-right, two half turns."""
    points = waypoints((1.0, 0.0), (0.6, 180.0), (0.6, 0.0), (1.5, 0.0), fps=5.0)
    analyser, ended = analyse([dataclasses.replace(p, flow=None) for p in with_turning_flow(points)])
    assert max(abs(s.rotation_deg) for s in analyser.track) > 300  # what the poses alone say
    analyser, ended = analyse(with_turning_flow(points))
    assert not any(u.turn.complete for _, u in ended)
    assert max(abs(s.rotation_deg) for s in analyser.track) < 220
    assert abs(analyser.track[-1].rotation_deg) < 45


class TurningCamera(Camera):
    """Publishes the patterned torso turning clockwise at 90° a second, 30 frames a second."""

    def picture(self, ts: float, seq: int) -> np.ndarray:
        return cylinder(90.0 * ts)


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_the_live_worker_measures_the_flow_against_the_cameras_frame_before(monkeypatch, runner):
    fed: list = []

    class Recording(BodyAnalyser):
        def feed(self, t, pose):
            fed.append(pose)
            return super().feed(t, pose)

    monkeypatch.setattr(worker_module, "BodyAnalyser", Recording)
    worker, _ = make_worker(runner)
    with TurningCamera(worker.hub):
        worker.start()
        try:
            wait_for(lambda: len(fed) >= 10)
        finally:
            worker.stop()
    flows = [p.flow for p in fed if p is not None and p.flow is not None]
    assert len(flows) >= 0.8 * len(fed)  # the hub still held the frame before nearly every time
    expected = -RADIUS_PX * math.radians(90.0) / TORSO_PX
    assert 0.5 * expected > float(np.median(flows)) > 1.5 * expected, (flows, expected)


def test_the_bodys_own_shift_across_the_picture_is_measured_over_half_a_second():
    """A step aside moves the picture across the torso as much as a turn does: that part is
    taken off the flow. The joints wobble from frame to frame in a fast spin, so the shift is
    measured over the window, not from one frame to the next."""
    torso = 0.25  # square units
    stepping = [(i / 15, 0.4 + 0.4 * torso * i / 15, torso) for i in range(8)]  # 0.4 torso lengths/s to the right
    assert body_shift(stepping, 0.25) == pytest.approx(0.4)
    wobble = [(i / 15, 0.4 + (0.05 if i % 2 else -0.05) * torso, torso) for i in range(8)]
    assert abs(body_shift(wobble, 0.25)) < 0.25  # frame to frame it reads ±1.5 torso lengths a second
    assert body_shift(stepping[:2], 0.25) is None  # 0.07 s: too short to tell a step from a wobble


def test_a_torso_mostly_off_the_picture_says_nothing_and_breaks_nothing():
    """A face close to the camera: the torso the model guesses is four times the picture's
    height and lies off its edge but for a sliver 10 px wide, which shrunk to 48 px a torso
    length is nothing (it once asked OpenCV for an empty picture)."""
    scale = 2000 / TORSO_PX  # a torso 2000 px long
    middle = (W + 0.3 * 2000 - 10) / W  # its middle 0.3 torso lengths less 10 px beyond the right edge
    pose = make_pose(0.0, 0.0, shift=(middle - 0.5, 2.0), scale=scale)
    assert torso_flow(cylinder(0.0), cylinder(3.0), pose.image, 1 / 30) is None
    above = make_pose(0.0, 0.0, shift=(0.0, 4.0), scale=12.0)  # wholly below the picture
    assert torso_flow(cylinder(0.0), cylinder(3.0), above.image, 1 / 30) is None


def test_a_flow_that_cannot_be_measured_leaves_the_pose_as_it_was(monkeypatch, caplog):
    import kiosk.analysis.flow as flow_module

    def broken(*args, **kwargs):
        raise ValueError("a frame OpenCV will not take")

    monkeypatch.setattr(flow_module, "torso_flow", broken)
    monkeypatch.setattr(flow_module, "_failed", False)
    pose = dataclasses.replace(POSE, t=1 / 30)
    assert with_flow(pose, (0.0, cylinder(0.0)), cylinder(3.0)) is pose
    assert with_flow(pose, (0.0, cylinder(0.0)), cylinder(3.0)) is pose
    assert [r.levelname for r in caplog.records if "torso flow" in r.getMessage()] == ["ERROR"]  # once
