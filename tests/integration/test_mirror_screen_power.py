"""The real window under Xvfb goes dark when the room is empty and lights up for a touch or a person.

Xvfb has no DPMS, so the platform probe ends at the black screen, the last resort: the test
sees the window turn all black, and come back.
"""

from __future__ import annotations

import pytest

from bench.wake import build_wake_clip
from tests.integration.test_mirror_window import MirrorWindow, markers_visible

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def black(image) -> bool:
    return int(image.max()) < 16


def lit(image) -> bool:
    return int(image.max()) > 150


def test_an_empty_room_darkens_the_screen_and_a_touch_lights_it_within_a_second(xvfb, tmp_path):
    extra = "[analysis]\nenabled = false\n[session]\nidle_timeout_s = 5.0\n"
    with MirrorWindow(xvfb, tmp_path, 640, 360, library=tmp_path / "lib", extra_toml=extra,
                      sleep_after_s=2.0) as win:
        win.touch()
        win.wait_for(markers_visible, "the live picture after a touch")
        # The session ends 5 s after the last touch, the screen goes dark 2 s after that.
        win.wait_for(black, "the dark screen once the session is over", timeout=30)
        assert "screen off: nobody in front of the mirror for 2 s" in win.log.read_text()
        win.touch()
        image = win.wait_for(markers_visible, "the live picture after a touch on the dark screen", timeout=5)
        assert not black(image)
    log = win.log.read_text()
    assert "screen on: touched" in log and "screen power: black" in log


def test_a_person_stepping_in_lights_the_dark_screen(xvfb, tmp_path, footage_dir):
    clip = tmp_path / "wake.mp4"
    build_wake_clip(footage_dir / "ubc_91-3003CN5S_mint_dress_turn.mp4", clip, empty_s=12.0, person_s=8.0)
    with MirrorWindow(xvfb, tmp_path, 360, 640, library=tmp_path / "lib", source=f"file:{clip}?loop=1",
                      sleep_after_s=2.0) as win:
        win.wait_for(lambda im: "screen off" in win.log.read_text() and black(im), "the dark screen in the empty room",
                     timeout=60)
        # The pose model loads meanwhile (slow on a busy machine); the person then wakes it.
        win.wait_for(lit, "the screen lit by the person stepping in", timeout=90)
    log = win.log.read_text()
    assert "screen on: someone in front of the mirror" in log
