"""A synthetic camera: a moving, left/right-asymmetric test pattern with a machine-readable stamp.

The picture has a red block and the word LEFT on its left side and a blue block and RIGHT on its
right, so a test can tell a mirrored picture from a plain one; a bar sweeps across it so motion
is visible; the frame number and capture time are printed; and the top-left corner carries the
same two numbers as black/white blocks (``encode_stamp``/``decode_stamp``) so latency can be
measured from a screenshot or a recording. ``stall_at``/``stall_for`` simulate a camera that
freezes (an unplugged USB camera) for the watchdog.
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from hardware.camera_base import CameraSource, WatchdogPolicy

#: Stamp geometry: two rows of 32 blocks; row 0 is seq, row 1 is capture time in ms (mod 2**32).
STAMP_BITS = 32
STAMP_BLOCK = 8
STAMP_MARGIN = 4
STAMP_ROWS = 2
LEFT_COLOR = (40, 40, 220)  # BGR red
RIGHT_COLOR = (220, 90, 30)  # BGR blue


def stamp_size() -> tuple[int, int]:
    """(width, height) in pixels of the stamp area at the top-left corner, margin included."""
    return (
        STAMP_MARGIN * 2 + STAMP_BITS * STAMP_BLOCK,
        STAMP_MARGIN * 2 + STAMP_ROWS * STAMP_BLOCK,
    )


def encode_stamp(image: np.ndarray, seq: int, ts: float) -> None:
    """Write ``seq`` and ``ts`` (monotonic seconds) as blocks into the top-left corner of ``image``."""
    w, h = stamp_size()
    image[:h, :w] = 0
    values = (seq & 0xFFFFFFFF, int(round(ts * 1000)) & 0xFFFFFFFF)
    for row, value in enumerate(values):
        y = STAMP_MARGIN + row * STAMP_BLOCK
        for bit in range(STAMP_BITS):
            if value >> (STAMP_BITS - 1 - bit) & 1:
                x = STAMP_MARGIN + bit * STAMP_BLOCK
                image[y : y + STAMP_BLOCK, x : x + STAMP_BLOCK] = 255


def decode_stamp(image: np.ndarray) -> tuple[int, int]:
    """Read (seq, capture time in ms mod 2**32) back from an unscaled, unmirrored picture."""
    gray = image if image.ndim == 2 else image.mean(axis=2)
    values = []
    for row in range(STAMP_ROWS):
        y = STAMP_MARGIN + row * STAMP_BLOCK + STAMP_BLOCK // 2
        value = 0
        for bit in range(STAMP_BITS):
            x = STAMP_MARGIN + bit * STAMP_BLOCK + STAMP_BLOCK // 2
            value = value << 1 | int(gray[y, x] > 127)
        values.append(value)
    return values[0], values[1]


def draw_background(width: int, height: int) -> np.ndarray:
    """The static part of the pattern: a soft gradient with asymmetric left/right markers."""
    x = np.linspace(0, 1, width, dtype=np.float32)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    base = np.empty((height, width, 3), np.uint8)
    base[..., 0] = (60 + 60 * y + 0 * x).astype(np.uint8)
    base[..., 1] = (70 + 50 * x + 0 * y).astype(np.uint8)
    base[..., 2] = (70 + 40 * (1 - y) + 0 * x).astype(np.uint8)
    unit = max(8, min(width, height) // 10)
    top = height // 2 - unit
    cv2.rectangle(base, (unit, top), (3 * unit, top + 2 * unit), LEFT_COLOR, -1)
    cv2.rectangle(base, (width - 3 * unit, top), (width - unit, top + 2 * unit), RIGHT_COLOR, -1)
    scale = unit / 30
    thick = max(1, unit // 12)
    cv2.putText(base, "LEFT", (unit, top - unit // 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick)
    (tw, _), _ = cv2.getTextSize("RIGHT", cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    cv2.putText(
        base, "RIGHT", (width - unit - tw, top - unit // 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick
    )
    return base


class _Pacing:
    """One opening's frame clock: when its next frame is due."""

    __slots__ = ("next",)

    def __init__(self, start: float) -> None:
        self.next = start


class SyntheticSource(CameraSource):
    """Generates the test pattern at a fixed rate, paced on the monotonic clock."""

    def __init__(
        self,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        stall_at: float = 0.0,
        stall_for: float = 0.0,
        watchdog: WatchdogPolicy | None = None,
    ) -> None:
        super().__init__(f"synthetic-{width}x{height}", watchdog)
        self.width, self.height, self.fps = width, height, fps
        self.stall_at, self.stall_for = stall_at, stall_for
        self._background: np.ndarray | None = None
        self._started = 0.0
        self._count = 0  # counts on across reopenings, like a camera's own frame counter
        self._stalled = False

    def _open(self) -> _Pacing:
        if self._background is None:
            self._background = draw_background(self.width, self.height)
        now = time.monotonic()
        if not self._started:
            self._started = now
        return _Pacing(now)

    def _grab(self, pacing: _Pacing) -> np.ndarray | None:
        period = 1.0 / self.fps
        now = time.monotonic()
        if self.stall_for and not self._stalled and now - self._started >= self.stall_at:
            self._stalled = True  # freeze once, like a camera that hangs, then come back
            time.sleep(self.stall_for)
            now = time.monotonic()
            pacing.next = now
        wait = pacing.next - now
        if wait > 0:
            time.sleep(wait)
        elif -wait >= period:
            missed = int(-wait / period)
            self._count_drops(missed)
            pacing.next += missed * period
        pacing.next += period
        self._count += 1
        return self._render(self._count, time.monotonic())

    def _render(self, count: int, ts: float) -> np.ndarray:
        image = self._background.copy()
        w, h = self.width, self.height
        bar = max(4, w // 40)
        x = int((count * w / (self.fps * 4)) % (w - bar))
        image[:, x : x + bar] = (230, 230, 230)
        scale = max(0.5, h / 720)
        thick = max(1, int(2 * scale))
        label = f"frame {count}  t={ts:.3f}s"
        cv2.putText(image, label, (int(20 * scale), h - int(30 * scale)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick)
        # The stamp carries the source's own count; the Frame's seq is assigned after grab and
        # equals it until a reconnect, so it is the count that identifies the picture.
        encode_stamp(image, count, ts)
        return image

    def _close(self, pacing: _Pacing) -> None:
        pass
