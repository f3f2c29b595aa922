"""BGR camera pictures to the encoder's I420 (yuv420p), the one place the recorder uses OpenCV.

OpenCV's SIMD conversion is about four times cheaper than swscale's generic BGR path at
1080p, which is most of the difference between our CPU cost and the ffmpeg command line's.
Both produce limited-range BT.601, which the encoder declares in the stream.
"""

from __future__ import annotations

import numpy as np


def bgr_to_i420(pixels: np.ndarray) -> np.ndarray:
    """An (h*3/2, w) uint8 array: the Y plane, then U, then V (h and w must be even)."""
    import cv2  # lazy: the core loads OpenCV only where it is used

    return cv2.cvtColor(pixels, cv2.COLOR_BGR2YUV_I420)
