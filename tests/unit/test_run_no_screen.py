"""``kiosk run`` where no window can open says so in one sentence (Qt would abort the process)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ui.app import screen_missing


@pytest.mark.parametrize("env, missing", [
    ({}, "neither DISPLAY nor WAYLAND_DISPLAY is set"),
    ({"QT_QPA_PLATFORM": "wayland"}, "WAYLAND_DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "DISPLAY is not set"),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "neither WAYLAND_DISPLAY nor DISPLAY is set"),
])
def test_a_platform_without_its_display_is_named(env, missing):
    assert missing in screen_missing(env)


@pytest.mark.parametrize("env", [
    {"DISPLAY": ":99"},  # Qt's default platform here
    {"WAYLAND_DISPLAY": "wayland-0"},  # a Wayland session: Qt picks wayland
    {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"},  # cage, as the kiosk service runs it
    {"QT_QPA_PLATFORM": "wayland", "WAYLAND_SOCKET": "3"},
    {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"},
    {"QT_QPA_PLATFORM": "eglfs"},  # the framebuffer unit: no display server
    {"QT_QPA_PLATFORM": "offscreen"},
])
def test_a_screen_qt_can_reach_is_not_refused(env):
    assert screen_missing(env) is None


def test_kiosk_run_without_a_screen_is_one_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET")}
    env["QT_QPA_PLATFORM"] = "xcb"
    (tmp_path / "kiosk.toml").write_text(f'[library]\ndata_dir = "{tmp_path / "data"}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--config", str(tmp_path / "kiosk.toml"), "--windowed", "--no-network",
         "--source", "synthetic:"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""  # where it ran, not how: a failure, not a usage error (2)
    assert result.stderr.strip().splitlines() == [
        "kiosk: there is no screen to draw the mirror on: DISPLAY is not set (the kiosk service runs it inside cage; "
        "over ssh, use a desktop session or QT_QPA_PLATFORM=offscreen)"]
    assert not (tmp_path / "data").exists(), "refused before anything started"
