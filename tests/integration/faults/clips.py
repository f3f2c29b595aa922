"""The fault tests' camera: a footage clip of a person turning, sized to the window, every frame stamped.

The stamp (``hardware.camera_synthetic.encode_stamp``'s blocks) sits on the picture's left edge,
half-way down, where no control of the mirror's screen covers it; row 0 carries the frame's
number in the clip and row 1 three thousand times it, so a screenshot either yields a frame
number that checks out or nothing (a notice, a dialog or a replay in front of the picture).
Two screenshots with different numbers mean the mirror is painting live frames.

``freeze_after``/``freeze_for`` give the clip's last frame a timestamp ``freeze_for`` seconds
after the one before it: a ``file:`` camera in real time waits that long inside its read, as a
USB camera does that hangs, so the kiosk's watchdog sees a frozen camera once per pass.
"""

from __future__ import annotations

import fractions
from pathlib import Path

import numpy as np

from hardware.camera_synthetic import decode_stamp, encode_stamp, stamp_size

TURNING = "ubc_91-3003CN5S_mint_dress_turn.mp4"  # a whole person turning once, 11.5 s
CHECK = 3000  # row 1 of the stamp is CHECK × row 0


def stamp_origin(width: int, height: int) -> tuple[int, int]:
    """Top-left corner of the stamp: the left edge, half-way down, on the 8-pixel grid."""
    _, h = stamp_size()
    return 0, (height // 2 - h) // 8 * 8


def read_stamp(image: np.ndarray, mirrored: bool = True) -> int | None:
    """The clip frame number shown in a screenshot of the whole picture, or None when none is readable."""
    if mirrored:
        image = image[:, ::-1]
    x, y = stamp_origin(image.shape[1], image.shape[0])
    w, h = stamp_size()
    seq, check = decode_stamp(np.ascontiguousarray(image[y : y + h, x : x + w]))
    return seq if seq > 0 and check == (seq * CHECK) & 0xFFFFFFFF else None


def make_clip(footage: Path, out: Path, width: int, height: int, seconds: float | None = None,
              freeze_for: float = 0.0) -> Path:
    """Write the stamped clip (H.264, the footage's frame rate); with ``freeze_for`` the last frame comes late."""
    import av
    import cv2

    with av.open(str(footage)) as src:
        stream = src.streams.video[0]
        rate = stream.average_rate or fractions.Fraction(30000, 1001)
        frames = []
        for frame in src.decode(stream):
            if seconds is not None and len(frames) >= seconds * rate:
                break
            frames.append(_fit(frame.to_ndarray(format="bgr24"), width, height, cv2))
    with av.open(str(out), "w") as dst:
        video = dst.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "16", "preset": "veryfast", "g": "30"}
        video.codec_context.time_base = 1 / rate
        x, y = stamp_origin(width, height)
        w, h = stamp_size()
        late = round(freeze_for * rate)
        for index, picture in enumerate(frames, start=1):
            encode_stamp(picture[y : y + h, x : x + w], index, index * CHECK / 1000)
            frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
            frame.pts = index - 1 + (late if index == len(frames) else 0)
            frame.time_base = 1 / rate
            for packet in video.encode(frame):
                dst.mux(packet)
        for packet in video.encode(None):
            dst.mux(packet)
    return out


def _fit(picture: np.ndarray, width: int, height: int, cv2) -> np.ndarray:
    """The picture scaled to fit ``width``×``height``, centred on a neutral grey."""
    h, w = picture.shape[:2]
    scale = min(width / w, height / h)
    scaled = cv2.resize(picture, (round(w * scale) & ~1, round(h * scale) & ~1), interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 128, np.uint8)
    top, left = (height - scaled.shape[0]) // 2, (width - scaled.shape[1]) // 2
    canvas[top : top + scaled.shape[0], left : left + scaled.shape[1]] = scaled
    return canvas
