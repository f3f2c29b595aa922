"""Play a video file as if it were a camera (``file:PATH?loop=1&realtime=1``)."""

from __future__ import annotations

import os
import time

import cv2
import numpy as np

from hardware.camera_base import CameraSource, SourceEnded, SourceOpenError, WatchdogPolicy


class FileSource(CameraSource):
    """Decodes a clip with OpenCV; paces frames at the file's own timing when ``realtime``."""

    def __init__(
        self, path: str, loop: bool = True, realtime: bool = True, watchdog: WatchdogPolicy | None = None
    ) -> None:
        super().__init__(f"file-{os.path.basename(path)}", watchdog)
        self.path, self.loop, self.realtime = path, loop, realtime
        self._cap: cv2.VideoCapture | None = None
        self._t0 = 0.0  # monotonic time that corresponds to media time 0 of the current pass
        self._last_media_s = 0.0

    def _open(self) -> None:
        if not os.path.exists(self.path):
            raise SourceOpenError(f"video file {self.path} does not exist")
        cap = cv2.VideoCapture(self.path, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            raise SourceOpenError(f"cannot decode video file {self.path}")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        self._cap = cap
        self._t0 = time.monotonic()

    def _grab(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        if not ok:
            if not self.loop:
                raise SourceEnded()
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
            if not ok:
                raise SourceOpenError(f"video file {self.path} has no frames")
            self._t0 = time.monotonic()
        if self.realtime:
            media_s = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if media_s < self._last_media_s:  # looped
                self._t0 = time.monotonic() - media_s
            self._last_media_s = media_s
            wait = self._t0 + media_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        return image

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
