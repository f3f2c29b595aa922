"""A camera clip of one fitting-room visit for ``kiosk bench soak``: a person turning, then the empty room.

Looped by a ``file:`` camera it gives the mirror a steady stream of visits: presence wakes it,
the turn records itself, the person leaves and the session ends, and the next loop is the next
shopper. The empty room is the clip's own border colour (a studio backdrop), held for
``empty_s`` seconds. Frames are scaled to fit ``width``×``height`` and encoded one at a time.
"""

from __future__ import annotations

import fractions
from pathlib import Path

import numpy as np


def make_visit_clip(footage: Path, out: Path, width: int, height: int, empty_s: float) -> Path:
    """Write the visit clip (H.264) to ``out``; raises ``OSError``/``av`` errors for a bad ``footage``."""
    import av
    import cv2

    with av.open(str(footage)) as src, av.open(str(out), "w") as dst:
        stream = src.streams.video[0]
        rate = stream.average_rate or fractions.Fraction(30)
        video = dst.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "20", "preset": "veryfast"}
        video.codec_context.time_base = 1 / rate
        count = 0
        backdrop = None
        for frame in src.decode(stream):
            picture = frame.to_ndarray(format="bgr24")
            if backdrop is None:
                backdrop = _border_colour(picture)
            count = _write(dst, video, _fit(picture, width, height, backdrop, cv2), count, rate)
        if backdrop is None:
            raise ValueError(f"{footage} has no video frames")
        empty = np.empty((height, width, 3), np.uint8)
        empty[:] = backdrop
        for _ in range(round(empty_s * rate)):
            count = _write(dst, video, empty, count, rate)
        for packet in video.encode(None):
            dst.mux(packet)
    return out


def _write(dst, video, picture: np.ndarray, count: int, rate) -> int:
    import av

    frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
    frame.pts, frame.time_base = count, 1 / rate
    for packet in video.encode(frame):
        dst.mux(packet)
    return count + 1


def _border_colour(picture: np.ndarray) -> np.ndarray:
    h, w = picture.shape[:2]
    band = max(2, min(h, w) // 25)
    border = np.concatenate([picture[:band].reshape(-1, 3), picture[-band:].reshape(-1, 3),
                             picture[:, :band].reshape(-1, 3), picture[:, -band:].reshape(-1, 3)])
    return np.median(border, axis=0).astype(np.uint8)


def _fit(picture: np.ndarray, width: int, height: int, backdrop: np.ndarray, cv2) -> np.ndarray:
    h, w = picture.shape[:2]
    scale = min(width / w, height / h)
    scaled = cv2.resize(picture, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = backdrop
    top, left = (height - scaled.shape[0]) // 2, (width - scaled.shape[1]) // 2
    canvas[top : top + scaled.shape[0], left : left + scaled.shape[1]] = scaled
    return canvas
