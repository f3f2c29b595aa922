"""A look's poster (one JPEG) and thumbnail strip (a few frames side by side in one JPEG).

Only keyframes are decoded (one per second of video at the default keyframe interval), so
making the stills of a 15 s 1080p look costs a handful of decodes, not hundreds.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from kiosk.recording.container import MediaError
from kiosk import native

POSTER_HEIGHT = 720
STRIP_FRAME_HEIGHT = 160
STRIP_FRAMES = 6
POSTER_AT = 0.25  # a quarter in: past the pre-roll, before the shopper has turned away


def make_stills(video: Path, poster: Path, strip: Path, frames: int = STRIP_FRAMES) -> None:
    """Write the poster and the thumbnail strip of ``video``."""
    keyframes = _keyframes(video)
    if not keyframes:
        raise MediaError(f"{video.name} has no picture to make a poster from")
    poster_rgb = keyframes[min(len(keyframes) - 1, int(len(keyframes) * POSTER_AT))]
    _write_jpeg(_scaled(poster_rgb, POSTER_HEIGHT), poster)
    picks = np.linspace(0, len(keyframes) - 1, num=min(frames, len(keyframes))).round().astype(int)
    tiles = [_scaled(keyframes[i], STRIP_FRAME_HEIGHT) for i in picks]
    _write_jpeg(np.ascontiguousarray(np.hstack(tiles)), strip)


def _keyframes(video: Path) -> list[np.ndarray]:
    av = native.av()

    pictures = []
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"
            for frame in container.decode(stream):
                pictures.append(frame.to_ndarray(format="rgb24"))
    except av.FFmpegError as exc:
        raise MediaError(f"cannot decode {video.name} ({exc})") from None
    return pictures


def _scaled(rgb: np.ndarray, height: int) -> np.ndarray:
    av = native.av()

    h, w = rgb.shape[:2]
    height = min(height, h) & ~1
    width = max(2, round(w * height / h)) & ~1
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    return frame.reformat(width=width, height=height, format="rgb24").to_ndarray()


def _write_jpeg(rgb: np.ndarray, path: Path, quality: int = 4) -> None:
    av = native.av()

    h, w = rgb.shape[:2]
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = w & ~1, h & ~1
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.qscale = quality  # 2 (best) .. 31; 4 keeps faces crisp at a small size
    encoder.open()
    picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[: h & ~1, : w & ~1]), format="rgb24")
    picture = picture.reformat(format="yuvj420p")
    picture.pts = 0
    data = b"".join(bytes(p) for p in encoder.encode(picture) + encoder.encode(None))
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
