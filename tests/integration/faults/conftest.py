"""Fixtures of the fault campaign: the stamped clips of a person turning, and a kiosk per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.faults.clips import TURNING, make_clip

W, H = 480, 640  # the window, and the clip at the same size (shown 1:1, stamp readable)


@pytest.fixture(scope="session")
def person_clip(footage_dir, tmp_path_factory) -> Path:
    """The turning person, 11.5 s, looping: the camera of most fault tests."""
    return make_clip(footage_dir / TURNING, tmp_path_factory.mktemp("clips") / "person.mp4", W, H)


@pytest.fixture(scope="session")
def freezing_clip(footage_dir, tmp_path_factory) -> Path:
    """8 s of the turning person, then a 6 s hang in the read before the last frame, once per pass."""
    out = tmp_path_factory.mktemp("clips") / "freezing.mp4"
    return make_clip(footage_dir / TURNING, out, W, H, seconds=8, freeze_for=6)
