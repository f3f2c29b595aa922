"""The head's colours are read as a camera's auto-exposure would show them.

In a dim fitting room a face and the hair behind it fall into the same dark brightness bin, and
the appearance cue (how unlike its front a head looks) loses the one thing that tells a back
from a front when the pose model cannot (the real mint dress, dim and blurred, at 5 fps). The
frame is brightened until its brightest 1 % are white, never darkened, at most 4 times.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk import native
from kiosk.analysis import head as head_module
from kiosk.analysis import landmarks as lm
from kiosk.analysis.appearance import _unlike
from kiosk.analysis.head import EXPOSE_MAX_GAIN, exposure_gain, head_colours


def landmarks() -> np.ndarray:
    image = np.full((lm.LANDMARKS, 2), 0.5, np.float32)
    image[[lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER]] = [[0.6, 0.4], [0.4, 0.4]]
    image[[lm.LEFT_HIP, lm.RIGHT_HIP]] = [[0.58, 0.7], [0.42, 0.7]]
    image[lm.HEAD] = [0.5, 0.25]  # the head's landmarks, all at its centre
    return image


def frame(light: float = 1.0) -> np.ndarray:
    """A white wall, and a head: a face on the left, dark hair on the right, at ``light`` of full."""
    pixels = np.full((400, 300, 3), 235, np.float32)
    pixels[70:130, 120:150] = (120, 150, 200)  # skin (BGR)
    pixels[70:130, 150:180] = (30, 40, 60)  # hair
    return np.clip(pixels * light, 0, 255).astype(np.uint8)


def head(pixels: np.ndarray) -> np.ndarray:
    colours = head_colours(pixels, landmarks(), native.cv2())  # OpenCV, not the model
    assert colours is not None and colours.sum() == pytest.approx(1.0, abs=1e-5)
    return colours


def test_a_well_exposed_frame_is_left_as_it_is():
    assert exposure_gain(frame()) == pytest.approx(255 / 235, rel=0.01)
    assert exposure_gain(np.full((40, 40, 3), 255, np.uint8)) == 1.0  # never darkened
    assert exposure_gain(np.zeros((40, 40, 3), np.uint8)) == EXPOSE_MAX_GAIN  # black: at most 4 times


def test_a_head_in_a_dim_room_looks_as_it_does_in_a_bright_one():
    bright, dim = head(frame()), head(frame(1 / 3))
    assert np.count_nonzero(bright) == 2  # the face and the hair
    assert _unlike(bright, dim) < 0.05


def faces_and_hair(light: float) -> tuple[np.ndarray, np.ndarray]:
    face_only, hair_only = frame(light), frame(light)
    face_only[70:130, 150:180] = face_only[70:130, 120:150]
    hair_only[70:130, 120:150] = hair_only[70:130, 150:180]
    return head(face_only), head(hair_only)


def test_a_dim_face_and_dim_hair_stay_apart(monkeypatch):
    assert _unlike(*faces_and_hair(1.0)) > 0.9
    assert _unlike(*faces_and_hair(1 / 3)) > 0.9
    # Read as the camera gave them, they share one brightness bin and look the same.
    monkeypatch.setattr(head_module, "EXPOSE_MAX_GAIN", 1.0)
    assert _unlike(*faces_and_hair(1 / 3)) < 0.05
