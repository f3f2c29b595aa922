"""BGR camera pictures to the encoder's I420 (yuv420p), the one place the recorder uses OpenCV.

OpenCV's SIMD conversion costs about 1 ms of CPU per 1080p frame against swscale's 4 ms,
which at 30 fps is a tenth of a core, on a Pi a real share of the budget. Both produce
limited-range BT.601, which the encoder declares in the stream. The price: OpenCV takes each
2x2 block's chroma from its top-left pixel where swscale averages the four. Camera pictures
arrive with chroma already subsampled (YUYV 4:2:2, MJPEG 4:2:0) and smoothed by decoding, so
the difference is invisible in a look; it would show only on pixel-sharp colour patterns.
"""

from __future__ import annotations

from kiosk import native

import numpy as np


def bgr_to_i420(pixels: np.ndarray) -> np.ndarray:
    """An (h*3/2, w) uint8 array: the Y plane, then U, then V (h and w must be even)."""
    cv2 = native.cv2()  # lazy: the core loads OpenCV only where it is used

    return cv2.cvtColor(pixels, cv2.COLOR_BGR2YUV_I420)
