"""Tiny synthetic videos whose frames say their own index (for checking which frame was shown)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def counting_video(path: Path, frames: int = 90, fps: int = 30, width: int = 64, height: int = 48) -> Path:
    """Frame i: the left half has luma 24 + 2·i, the right half is black; lossless enough to read back."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.options = {"qp": "0", "preset": "ultrafast"}
        for i in range(frames):
            picture = np.full((height * 3 // 2, width), 128, np.uint8)
            picture[:height] = 16
            picture[:height, : width // 2] = 24 + 2 * i
            frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def frame_index(luma: np.ndarray) -> int:
    """The index a counting video's frame says, from the brighter half of a (pane) luma region."""
    left, right = luma[:, : luma.shape[1] // 2].mean(), luma[:, luma.shape[1] // 2 :].mean()
    return int(round((max(left, right) - 24) / 2))
