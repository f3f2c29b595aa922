"""The camera notice speaks plain words: never the device path or the driver's reason.

CameraNotice.qml is loaded offscreen in a child process (tests/qml_offscreen.py) and given what
the old screen bound to it: the state and, where it still has one, the technical reason.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtQml")

from tests.qml_offscreen import painted  # noqa: E402 (after the skip)
from tests.qml_offscreen import shown as qml_shown  # noqa: E402 (after the skip)

REASON = "camera /dev/video9 is not plugged in"


def shown(**properties) -> list[str]:
    return qml_shown("CameraNotice.qml", properties)["texts"]


def test_an_unavailable_camera_is_told_in_plain_words_without_its_reason():
    texts = shown(cameraState="unavailable", reason=REASON, width=1080, height=1920)
    assert texts[0] == "Camera unavailable"
    assert "store associate" in " ".join(texts)
    assert not any("/dev/" in text or "plugged" in text or "(" in text for text in texts), texts


def test_the_bridge_logs_the_words_the_notice_shows():
    from ui.bridge import CAMERA_UNAVAILABLE

    texts = shown(cameraState="unavailable", width=1080, height=1920)
    assert CAMERA_UNAVAILABLE == f"{texts[0]}. {texts[1].split('. ')[0]}."


@pytest.mark.parametrize("state", ["unavailable", "starting"])
def test_the_notice_hides_the_frozen_picture_entirely(state, tmp_path):
    """A frozen picture showing faintly through would look like a mirror that hangs: over the
    brightest picture (white) the notice is black wherever it has no words."""
    image = painted("CameraNotice.qml", {"cameraState": state}, (360, 640), "white", tmp_path / f"{state}.png")
    words = image.max(axis=2) > 60
    assert words.sum() > 100, "the notice has no readable words"
    rows = words.any(axis=1)
    assert image[~rows].max() <= 4, f"the picture shows through the notice (up to {image[~rows].max()}/255)"
