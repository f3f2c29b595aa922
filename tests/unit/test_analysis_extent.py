"""How far across the picture the person reaches over a take: the crop a comparison shows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kiosk.analysis import extent as ex
from kiosk.analysis import landmarks as lm
from kiosk.analysis.body import BodyAnalyser
from kiosk.analysis.extent import Extent, extent_of, read_span, span_of

from ._poses import make_pose


def take(poses) -> list[Extent]:
    """The extents the body analysis finds in a take's poses (what a look's span is made of)."""
    analyser = BodyAnalyser()
    return [e for e in (analyser.feed(p.t, p).extent for p in poses) if e is not None]


def turning(shift: float = 0.0, frames: int = 40, **kw):
    """A person turning once, ``shift`` of the width off the picture's centre."""
    return [make_pose(i / 10, yaw_deg=i * 360 / frames, shift=(shift, 0.0), **kw) for i in range(frames)]


def test_a_person_off_centre_is_cropped_round_her_not_round_the_middle():
    poses = turning(shift=0.2)
    span = span_of(take(poses))
    assert span is not None
    x0, x1 = span
    xs = np.concatenate([p.image[:, 0] for p in poses])
    assert x0 < xs.min() and xs.max() < x1, "a landmark falls outside the crop"
    assert (x0 + x1) / 2 == pytest.approx(0.7, abs=0.05)
    assert x1 - x0 < 0.7  # narrower than the picture: the wall beside her is cut
    assert x1 <= 1.0


def test_arms_held_out_widen_the_crop_to_keep_the_hands():
    down = span_of(take(turning()))
    out = span_of(take(turning(left_wrist=(0.5, -0.2), right_wrist=(-0.5, -0.2))))
    assert down is not None and out is not None
    assert out[1] - out[0] > down[1] - down[0] + 0.2
    wrists = [make_pose(0, left_wrist=(0.5, -0.2), right_wrist=(-0.5, -0.2)).image[w, 0]
              for w in (lm.LEFT_WRIST, lm.RIGHT_WRIST)]
    assert out[0] < min(wrists) and max(wrists) < out[1]


def test_one_frame_with_a_flung_landmark_does_not_widen_it():
    poses = turning(frames=60)
    steady = span_of(take(poses))
    wild = list(poses)
    image = wild[30].image.copy()
    image[lm.RIGHT_WRIST, 0] = -0.4  # the model put a wrist off the picture for one frame
    wild[30] = type(wild[30])(wild[30].t, image, wild[30].world, wild[30].visibility, wild[30].aspect)
    assert span_of(take(wild)) == pytest.approx(steady, abs=0.01)


def test_no_person_or_too_few_frames_is_no_crop():
    assert extent_of(None) is None
    hidden = make_pose(0.0, visibility=0.2)  # the model unsure of every landmark
    assert extent_of(hidden) is None
    assert span_of([]) is None
    assert span_of(take(turning(frames=ex.MIN_FRAMES - 1))) is None


def test_never_narrower_than_the_minimum_even_for_a_tiny_person():
    span = span_of([Extent(0.48, 0.52, 0.2)] * 10)
    assert span is not None and span[1] - span[0] == pytest.approx(ex.MIN_WIDTH, abs=1e-3)
    # nor than her height allows (a tall person whose landmarks bunched together)
    tall = span_of([Extent(0.45, 0.55, 1.6)] * 10)
    assert tall is not None and tall[1] - tall[0] >= ex.MIN_OF_HEIGHT * 1.6 - 1e-3
    # at the picture's edge: moved inside it, not cut narrower
    edge = span_of([Extent(0.0, 0.05, 0.2)] * 10)
    assert edge == pytest.approx((0.0, ex.MIN_WIDTH), abs=1e-3)


def test_a_person_filling_the_width_is_no_crop():
    assert span_of([Extent(0.02, 0.97, 1.0)] * 10) is None


@pytest.mark.parametrize("stored, expected", [
    ([0.2, 0.7], (0.2, 0.7)),
    ((0.25, 0.75), (0.25, 0.75)),
    ([-0.1, 0.5], (0.0, 0.5)),  # a little outside the picture: inside it
    ([0.45, 0.5], (0.3, 0.65)),  # too narrow: widened about its centre
    (None, None),  # an old look: no span
    ([0.7, 0.2], None),
    ([0.2], None),
    ("0.2 0.7", None),
    ([0.2, "0.7"], None),
    ([True, 0.7], None),
    ([0.2, math.nan], None),
    ([0.2, math.inf], None),
    ([1.5, 2.0], None),
    ([-3.0, 4.0], None),  # the whole width: no crop
    ({"x0": 0.2}, None),
])
def test_a_stored_span_is_read_back_or_refused(stored, expected):
    got = read_span(stored)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)
