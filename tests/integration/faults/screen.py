"""The mirror's window as a fault test sees and touches it (the screen side of ``KioskProcess``).

Screenshots with ``import``, taps with ``xdotool``; whether live frames are painted comes from
the stamps of the test clip (``clips.read_stamp``); the controls are found where the QML lays
them out (the record button, the replay's button column) or by their colour (a dialog's choice
buttons). ``KioskProcess`` provides the window, the log and the API this relies on.
"""

from __future__ import annotations

import re
import subprocess
import time

import cv2
import numpy as np

from tests.conftest import ui_env
from tests.integration.faults.clips import read_stamp
from tests.integration.faults.waiting import Timeout, wait_until
from tests.screen import choice_buttons


class Screen:
    """Screenshots, taps and the mirror's controls; mixed into ``KioskProcess``."""

    def grab(self) -> np.ndarray:
        """The window's pixels as BGR."""
        self._alive()
        png = subprocess.run(["import", "-window", self.window, "png:-"], env=ui_env(self.display),
                             capture_output=True, check=True, timeout=30).stdout
        return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)

    def touch(self, x: int | None = None, y: int = 40) -> None:
        """Tap the window at (x, y); by default the top middle, where nothing but the picture is."""
        x = self.setup.width // 2 if x is None else x
        subprocess.run(["xdotool", "mousemove", "--window", self.window, str(x), str(y), "click", "1"],
                       env=ui_env(self.display), check=True, timeout=30)

    @property
    def record_button(self) -> tuple[int, int]:
        return self.setup.width - 56, self.setup.height - 80

    def replay_button(self, index: int) -> tuple[int, int]:
        """Centre of the replay's ``index``-th button (Mirror, Slow, Share, Keep, Delete) in its column."""
        count = 5  # a kept look keeps Keep's slot ("Kept ✓"), so the others never move
        column = count * 87 + (count - 1) * 18
        return self.setup.width - 16 - 32, self.setup.height // 2 - column // 2 + 32 + index * 105

    def replay_shown(self, kept: bool = False, image: np.ndarray | None = None) -> bool:
        """Whether the replay's column of buttons is on screen: grey circles, the last (Delete)
        red, each read just under its icon; ``kept``: Keep's slot says "Kept ✓", with no circle.
        The live view has buttons of its own there (Help, Record) but not this column, and a
        dialog over the replay darkens it."""
        image = self.grab() if image is None else image
        height, width = image.shape[:2]
        fills = []
        for index in range(5):
            x, y = self.replay_button(index)
            if not (0 <= y + 22 < height and 0 <= x < width):
                return False
            fills.append(image[y + 22, x].astype(int))  # BGR
        *grey, red = fills
        if kept:
            del grey[3]
        return (all(85 <= b.mean() <= 120 and np.ptp(b) <= 8 for b in grey)
                and red[2] >= red[1] + 40 and red[2] >= red[0] + 40)

    def touch_replay(self, index: int, kept: bool = False, timeout: float = 30.0) -> None:
        """Tap the replay's ``index``-th button once the replay is on screen (``kept``: the look's
        visit said yes). The look lands in the library before the replay opens on it; on a loaded
        machine a tap in between lands on the live view and is lost."""
        wait_until(lambda: self.replay_shown(kept), "the replay's buttons on screen", timeout, every=0.2)
        self.touch(*self.replay_button(index))

    def choice_buttons(self, image: np.ndarray | None = None) -> list[int]:
        """Centre rows of an open dialog's wide choice buttons (#2a2a2c), top to bottom."""
        return choice_buttons(self.grab() if image is None else image)

    def answer(self, choice: int, count: int = 2, timeout: float = 30.0) -> None:
        """Wait for a dialog with ``count`` choices, tap the ``choice``-th, and wait for it to close."""
        rows = wait_until(lambda: (lambda b: b if len(b) == count else None)(self.choice_buttons()),
                          f"a dialog with {count} choices", timeout, every=0.3)
        self.touch(self.setup.width // 2, rows[choice])
        # Closed: another sheet may follow at once (the share code after a yes), never this one.
        wait_until(lambda: len(self.choice_buttons()) != count, "the dialog closing", timeout, every=0.3)

    def camera_frames(self) -> int:
        """Frames the camera delivered since the kiosk started (its Prometheus counter)."""
        text = self.http.request("GET", self.api_url + "/api/v1/metrics", timeout=15).text
        return int(float(re.search(r"^kiosk_camera_frames_total (\S+)$", text, re.M).group(1)))

    def record(self, frames: int = 75) -> str:
        """Press Record, let the camera deliver ``frames`` more frames, press it again; returns the look's id."""
        since = self.mark()
        self.touch(*self.record_button)
        look_id = self.wait_log(r"recording (\S+) started", since, 30).group(1)
        start = self.camera_frames()
        wait_until(lambda: self.camera_frames() >= start + frames, f"{frames} frames recorded", 60, every=0.3)
        self.touch(*self.record_button)
        return look_id

    def warm_up(self) -> None:
        """Record a look, let the replay play it, delete it: Qt's media player keeps a few threads
        and files from its first use on, which is not a leak (they do not grow with more replays)."""
        self.live(timeout=60)
        look_id = self.record()
        wait_until(lambda: look_id in self.api_look_ids(), "the warm-up look landing", 60)
        since = self.mark()
        self.touch_replay(4)  # Delete (Keep is shown: nobody said yes yet)
        self.wait_shown("Look deleted", since)
        wait_until(lambda: look_id not in self.api_look_ids(), "the warm-up look going", 30)
        self.live(timeout=30)

    def api_look_ids(self) -> set[str]:
        return {look["id"] for look in self.api("GET", "/api/v1/looks").json()["looks"]}

    def stamp(self) -> int | None:
        return read_stamp(self.grab())

    def live(self, timeout: float = 30.0) -> tuple[int, int]:
        """Wait until two screenshots show different live frames of the clip; returns their numbers."""
        first: list[int] = []

        def two_frames():
            seq = self.stamp()
            if seq is None:
                first.clear()
                return None
            if first and seq != first[0]:
                return first[0], seq
            first[:] = [seq]
            return None

        try:
            return wait_until(two_frames, "live frames on the mirror", timeout, every=0.25)
        except Timeout as exc:
            shot = self.workdir / f"not-live-{time.monotonic():.0f}.png"
            cv2.imwrite(str(shot), self.grab())
            raise Timeout(f"{exc} (screenshot {shot}):\n{self.tail()}") from None

    def not_live(self, timeout: float) -> np.ndarray:
        """Wait until the picture is covered (no readable frame, e.g. the camera notice); returns that screenshot."""
        def covered():
            image = self.grab()
            return [image] if read_stamp(image) is None else None
        return wait_until(covered, "the picture being covered", timeout, every=0.25)[0]
