"""USB/CSI cameras through Video4Linux2 (OpenCV's V4L2 backend)."""

from __future__ import annotations

import glob
import os

import cv2
import numpy as np

from hardware.camera_base import CameraSource, SourceOpenError, WatchdogPolicy


class V4L2Source(CameraSource):
    """A V4L2 device such as ``/dev/video0``; asks for size, rate and pixel format when given."""

    def __init__(
        self,
        device: str,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        fourcc: str | None = None,
        watchdog: WatchdogPolicy | None = None,
    ) -> None:
        super().__init__(f"v4l2-{os.path.basename(device)}", watchdog)
        self.device, self.width, self.height, self.fourcc = device, width, height, fourcc
        self.fps = fps or 30.0
        self._requested_fps = fps
        self._cap: cv2.VideoCapture | None = None

    def _open(self) -> None:
        if not os.path.exists(self.device):
            raise SourceOpenError(f"camera {self.device} is not plugged in")
        if not os.access(self.device, os.R_OK | os.W_OK):
            raise SourceOpenError(f"no permission to open {self.device} (is the user in the 'video' group?)")
        cap = cv2.VideoCapture(self.device, cv2.CAP_V4L2)
        if not cap.isOpened():
            raise SourceOpenError(f"camera {self.device} cannot be opened (busy or not a capture device)")
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, fourcc_code(self.fourcc))
        if self.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        if self._requested_fps:
            cap.set(cv2.CAP_PROP_FPS, self._requested_fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame, not a backlog: a mirror must not lag
        actual = cap.get(cv2.CAP_PROP_FPS)
        if 1 <= actual <= 240:
            self.fps = actual
        self._cap = cap

    def _grab(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        if not ok:
            raise SourceOpenError(f"camera {self.device} stopped sending pictures")
        return image

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def fourcc_code(text: str) -> int:
    """V4L2's 32-bit pixel-format code for a four-character name such as MJPG."""
    return sum(ord(char) << 8 * i for i, char in enumerate(text))


def list_capture_devices() -> list[str]:
    """Video4Linux device nodes that look like capture devices, best candidates first."""
    found = []
    for path in sorted(glob.glob("/dev/video*"), key=lambda p: (len(p), p)):
        name_file = f"/sys/class/video4linux/{os.path.basename(path)}/name"
        try:
            with open(name_file, encoding="utf-8", errors="replace") as fh:
                name = fh.read().strip().lower()
        except OSError:
            name = ""
        if any(word in name for word in ("codec", "isp", "m2m", "decoder", "encoder")):
            continue  # Raspberry Pi's hardware codec nodes are not cameras
        found.append(path)
    return found


def probe_device(device: str) -> bool:
    """True when ``device`` opens and delivers one picture."""
    cap = cv2.VideoCapture(device, cv2.CAP_V4L2)
    try:
        return bool(cap.isOpened() and cap.read()[0])
    finally:
        cap.release()


def list_modes(device: str, timeout: float = 5.0) -> list[str] | None:
    """The device's modes as "MJPG 1920x1080@30" strings (``v4l2-ctl``); None when v4l2-ctl is missing.

    Asking for the formats opens the device for a moment without streaming, so it works while
    another program (the kiosk) captures from it.
    """
    import subprocess

    try:
        done = subprocess.run(["v4l2-ctl", "-d", device, "--list-formats-ext"], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    return parse_formats(done.stdout) if done.returncode == 0 else []


def parse_formats(text: str) -> list[str]:
    """``v4l2-ctl --list-formats-ext`` output as "FOURCC WxH@fps[,fps…]" entries, in its order."""
    import re

    modes: list[str] = []
    fourcc, size, rates = "", "", []

    def flush() -> None:
        if fourcc and size:
            modes.append(f"{fourcc} {size}" + (f"@{','.join(rates)}" if rates else ""))

    for line in text.splitlines():
        if m := re.search(r"\[\d+\]: '(\w{1,4})'", line):
            flush()
            fourcc, size, rates = m.group(1), "", []
        elif m := re.search(r"Size: \w+ (\d+x\d+)", line):
            flush()
            size, rates = m.group(1), []
        elif m := re.search(r"\(([\d.]+) fps\)", line):
            rates.append(f"{float(m.group(1)):g}")
    flush()
    return modes


def opened_mode(device: str) -> str | None:
    """What OpenCV opens ``device`` at ("1280x720@30 MJPG"), or None when it does not open."""
    cap = cv2.VideoCapture(device, cv2.CAP_V4L2)
    try:
        if not cap.isOpened():
            return None
        code = int(cap.get(cv2.CAP_PROP_FOURCC))
        fourcc = "".join(chr(code >> 8 * i & 0xFF) for i in range(4)).strip("\0 ")
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return f"{width}x{height}@{cap.get(cv2.CAP_PROP_FPS):g} {fourcc}".strip()
    finally:
        cap.release()
