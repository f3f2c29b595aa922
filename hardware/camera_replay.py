"""Play a video file as if it were a camera (``file:PATH?loop=1&realtime=1``)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import cv2
import numpy as np

from hardware.camera_base import CameraSource, SourceEnded, SourceOpenError, WatchdogPolicy


@dataclass
class _Playback:
    """One opening of the file: its decoder and where its real-time clock stands."""

    cap: cv2.VideoCapture
    t0: float  # monotonic time that corresponds to media time 0 of the current pass
    last_media_s: float = 0.0


class FileSource(CameraSource):
    """Decodes a clip with OpenCV; paces frames at the file's own timing when ``realtime``."""

    def __init__(
        self, path: str, loop: bool = True, realtime: bool = True, watchdog: WatchdogPolicy | None = None
    ) -> None:
        super().__init__(f"file-{os.path.basename(path)}", watchdog)
        self.path, self.loop, self.realtime = path, loop, realtime

    def _open(self) -> _Playback:
        if not os.path.exists(self.path):
            raise SourceOpenError(f"video file {self.path} does not exist")
        cap = cv2.VideoCapture(self.path, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            raise SourceOpenError(f"cannot decode video file {self.path}")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        return _Playback(cap, time.monotonic())

    def _grab(self, play: _Playback) -> np.ndarray | None:
        ok, image = play.cap.read()
        if not ok:
            if not self.loop:
                raise SourceEnded()
            play.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = play.cap.read()
            if not ok:
                raise SourceOpenError(f"video file {self.path} has no frames")
            play.t0 = time.monotonic()
        if self.realtime:
            media_s = play.cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if media_s < play.last_media_s:  # looped
                play.t0 = time.monotonic() - media_s
            play.last_media_s = media_s
            wait = play.t0 + media_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        return image

    def _close(self, play: _Playback) -> None:
        play.cap.release()
