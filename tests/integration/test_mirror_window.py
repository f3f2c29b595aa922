"""The real mirror window under Xvfb: the picture is there, live, mirrored, and rotated by config."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from hardware.camera_synthetic import decode_stamp
from tests.conftest import PYTHON, ui_env

pytestmark = [pytest.mark.ui, pytest.mark.slow]

SYNTH = "synthetic:?width=640&height=360&fps=30"
TOKEN = "mirror-window-test-token-0123456789abcdef"


class MirrorWindow:
    """`kiosk run --windowed` in a child process on a private X server."""

    def __init__(
        self, display: str, tmp: Path, width: int, height: int, library: Path | None = None, source: str = SYNTH,
        extra_toml: str = "", **display_cfg,
    ) -> None:
        cfg = {"fill": '"fit"', "window_width": width, "window_height": height, "show_status": "false"}
        cfg.update({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in display_cfg.items()})
        self.config = tmp / "kiosk.toml"
        # The network service binds loopback only and never announces on the host's interfaces.
        api = f'[api]\nbind = "127.0.0.1"\nport = 0\nannounce = false\ntoken = "{TOKEN}"\n'
        # Every file of the kiosk (looks, customers, store secret, network database) in the test's
        # folder: never the machine's /var/lib/smartmirror, which other runs share.
        self.library = library if library is not None else tmp / "library"
        data = "" if "[library]" in extra_toml else f'[library]\ndata_dir = "{self.library}"\n'
        self.config.write_text("[display]\n" + "".join(f"{k} = {v}\n" for k, v in cfg.items()) + api + data + extra_toml)
        self.display = display
        self.log = tmp / "kiosk.log"
        self.source = source
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "MirrorWindow":
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "kiosk", "run", "--windowed", "--config", str(self.config), "--source", self.source,
             "--library", str(self.library)],
            env=ui_env(self.display),
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        self.window_id = self._find_window()
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _find_window(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"kiosk exited early:\n{self.log.read_text()}"
            out = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "Smart Mirror"],
                env=ui_env(self.display), capture_output=True, text=True,
            ).stdout.split()
            if out:
                return out[0]
            time.sleep(0.3)
        pytest.fail(f"the mirror window did not appear:\n{self.log.read_text()}")

    def touch(self, x: int = 50, y: int = 50) -> None:
        """Tap the window at (x, y) (Xvfb has no window manager to give keyboard focus)."""
        subprocess.run(
            ["xdotool", "mousemove", "--window", self.window_id, str(x), str(y), "click", "1"],
            env=ui_env(self.display), check=True,
        )

    def grab(self) -> np.ndarray:
        """The window's pixels as BGR."""
        png = subprocess.run(
            ["import", "-window", self.window_id, "png:-"], env=ui_env(self.display), capture_output=True, check=True
        ).stdout
        return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)

    def api(self, path: str, timeout: float = 30.0) -> dict:
        """GET ``/api/v1{path}`` of this mirror (its port is in its log), with the token."""
        deadline = time.monotonic() + timeout
        while (match := re.search(r"serving on (http://127\.0\.0\.1:\d+)", self.log.read_text())) is None:
            assert self.proc.poll() is None, f"kiosk exited early:\n{self.log.read_text()}"
            if time.monotonic() > deadline:
                pytest.fail(f"the mirror's API did not start:\n{self.log.read_text()}")
            time.sleep(0.1)
        return httpx.get(match[1] + "/api/v1" + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()

    def wait_until(self, predicate, what: str, timeout: float = 20.0):
        """Poll ``predicate()`` (not the screen) until it is true."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() > deadline:
                pytest.fail(f"{what} never happened:\n{self.log.read_text()}")
            time.sleep(0.1)
        return value

    def wait_camera_running(self) -> None:
        self.wait_until(lambda: self.api("/health")["checks"]["camera"]["ok"], "the camera delivering pictures")

    def wait_for(self, predicate, what: str, timeout: float = 20.0) -> np.ndarray:
        deadline = time.monotonic() + timeout
        while True:
            image = self.grab()
            if predicate(image):
                return image
            if time.monotonic() > deadline:
                pytest.fail(f"{what} never appeared on screen:\n{self.log.read_text()}")
            time.sleep(0.3)


def centroid(image: np.ndarray, bgr: tuple[int, int, int], tol: int = 40) -> tuple[float, float] | None:
    """(x, y) of the pixels close to ``bgr``, as fractions of the width and height; None if too few."""
    mask = np.all(np.abs(image.astype(np.int16) - np.array(bgr, np.int16)) < tol, axis=2)
    if mask.sum() < 200:
        return None
    ys, xs = np.nonzero(mask)
    return xs.mean() / image.shape[1], ys.mean() / image.shape[0]


RED, BLUE = (40, 40, 220), (220, 90, 30)  # the synthetic camera's LEFT and RIGHT markers


def markers_visible(image: np.ndarray) -> bool:
    return centroid(image, RED) is not None and centroid(image, BLUE) is not None


def test_attract_screen_until_touched_then_live_mirror(xvfb, tmp_path):
    with MirrorWindow(xvfb, tmp_path, 640, 360) as win:
        win.wait_camera_running()  # the camera delivers, and yet the screen must not show it
        # Wait for the first paint (seconds on a busy machine), not a fixed time.
        idle = win.wait_for(lambda image: image.max() > 150, "the attract screen", timeout=60)
        assert not markers_visible(idle), "the camera picture shows before anyone touched the mirror"
        win.touch()
        image = win.wait_for(markers_visible, "the camera picture")
        red_x, _ = centroid(image, RED)
        blue_x, _ = centroid(image, BLUE)
        # The camera's left marker appears on the right of the screen, like in a mirror.
        assert red_x > 0.6 and blue_x < 0.4, (red_x, blue_x)


def test_without_body_analysis_the_welcome_screen_asks_for_a_touch_not_a_turn(xvfb, tmp_path):
    """Stepping in wakes nothing and a turn records nothing then: the welcome screen says to touch
    the mirror and tap Record, never "Step in and turn around once"."""
    with MirrorWindow(xvfb, tmp_path, 640, 360, extra_toml="[analysis]\nenabled = false\n") as win:
        idle = win.wait_for(lambda image: image.max() > 150, "the welcome screen", timeout=60)
        cv2.imwrite(str(tmp_path / "welcome-touch.png"), idle)
        assert not markers_visible(idle)
        win.wait_until(lambda: "shown to the shopper: Touch the mirror to start" in win.log.read_text(),
                       "the welcome screen's words")
        assert "Step in" not in win.log.read_text()
        win.touch()
        win.wait_for(markers_visible, "the camera picture")


def test_unmirrored_picture_is_live_and_pixel_exact(xvfb, tmp_path):
    with MirrorWindow(xvfb, tmp_path, 640, 360, mirror=False) as win:
        win.touch()
        first = win.wait_for(markers_visible, "the camera picture")
        assert centroid(first, RED)[0] < 0.4 and centroid(first, BLUE)[0] > 0.6
        seq1, _ = decode_stamp(first)
        assert seq1 > 0
        # The stamp in the corner is readable at 1:1 scale and counts up: the picture is live.
        later = win.wait_for(lambda im: decode_stamp(im)[0] > seq1, "a newer camera frame", timeout=10)
        assert decode_stamp(later)[0] < seq1 + 300


@pytest.mark.parametrize(
    "rotation, red_where",
    [(90, "top"), (180, "left"), (270, "bottom")],
)
def test_rotation_from_config(xvfb, tmp_path, rotation, red_where):
    portrait = rotation in (90, 270)
    width, height = (360, 640) if portrait else (640, 360)
    with MirrorWindow(xvfb, tmp_path, width, height, rotation=rotation) as win:
        win.touch()
        image = win.wait_for(markers_visible, "the camera picture")
        (rx, ry), (bx, by) = centroid(image, RED), centroid(image, BLUE)
        if red_where == "top":
            assert ry < 0.4 < 0.6 < by, (ry, by)
        elif red_where == "bottom":
            assert by < 0.4 < 0.6 < ry, (ry, by)
        else:
            assert rx < 0.4 < 0.6 < bx, (rx, bx)


def _write_clip(path: Path, seconds: float = 2.0) -> None:
    """An H.264 clip of the synthetic test pattern (red LEFT, blue RIGHT), made with PyAV."""
    import av

    from hardware.camera_synthetic import draw_background

    picture = draw_background(640, 360)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for _ in range(int(seconds * 30)):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="bgr24")))
        out.mux(stream.encode(None))


def test_file_source_plays_mirrored(xvfb, tmp_path):
    clip = tmp_path / "clip.mp4"
    _write_clip(clip)
    with MirrorWindow(xvfb, tmp_path, 640, 360, source=f"file:{clip}?loop=1") as win:
        win.touch()
        image = win.wait_for(markers_visible, "the clip")
        assert centroid(image, RED)[0] > 0.6 and centroid(image, BLUE)[0] < 0.4


def test_camera_unavailable_is_shown_then_the_picture_comes_back(xvfb, tmp_path):
    source = "synthetic:?width=640&height=360&fps=30&stall_at=4&stall_for=6"
    with MirrorWindow(xvfb, tmp_path, 640, 360, source=source) as win:
        win.touch()
        win.wait_for(markers_visible, "the camera picture")
        # The watchdog (2 s by default) notices the frozen camera: a notice covers the picture.
        notice = win.wait_for(lambda im: not markers_visible(im), "the camera-unavailable notice", timeout=10)
        assert (notice.min(axis=2) > 200).sum() > 300, "the notice has no readable text"
        assert "unavailable" in win.log.read_text()
        win.wait_for(markers_visible, "the picture after the camera came back", timeout=20)
