"""Looks made for measuring and testing the comparison: a figure turning once, whose colour says its body angle.

Each frame shows a textured backdrop and a "body" (a tall ellipse) filled with the hue of its
current yaw (hue = yaw / 2 on OpenCV's 0–180 scale), so anyone, a test included, can read from
the screen which body angle a pane shows. The figure stands, turns 360° at an even pace, and
stands again; the yaw track the mirror's analysis would have stored comes with it, and
``store_look`` puts both into a look library the way a recorded look lands there.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

TRACK_HZ = 15.0


@dataclass(frozen=True)
class Turn:
    """How the figure turns: when, for how long, which way, from which yaw."""

    start_s: float = 1.0
    turn_s: float = 4.6
    direction: int = 1  # +1 clockwise seen from above (the shopper turning to their right)
    start_yaw: float = 0.0
    seconds: float = 7.0  # the whole clip

    def rotation(self, t: float) -> float:
        """The unwrapped yaw at ``t`` seconds."""
        progress = min(max((t - self.start_s) / self.turn_s, 0.0), 1.0)
        return self.start_yaw + self.direction * 360.0 * progress


def wrap(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def hue_of(yaw: float) -> int:
    """The OpenCV hue (0..179) the figure has at body angle ``yaw``."""
    return int(round((yaw % 360.0) / 2.0)) % 180


def _backdrop(width: int, height: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(40, 90, height, dtype=np.float32)[:, None, None]
    noise = rng.normal(0.0, 9.0, (height, width, 1)).astype(np.float32)
    picture = np.clip(ramp + noise, 0, 255).astype(np.uint8).repeat(3, axis=2)
    for x in range(0, width, max(width // 12, 8)):  # a few vertical lines: fitting-room panelling
        picture[:, x : x + 2] = 110
    return picture


def draw(backdrop: np.ndarray, yaw: float) -> np.ndarray:
    """One frame (BGR): the backdrop and the figure at body angle ``yaw``."""
    height, width = backdrop.shape[:2]
    frame = backdrop.copy()
    colour = cv2.cvtColor(np.uint8([[[hue_of(yaw), 255, 230]]]), cv2.COLOR_HSV2BGR)[0, 0].tolist()
    centre = (width // 2, int(height * 0.55))
    # seen from the side the body is narrower
    half_w = int(width * (0.16 + 0.08 * abs(np.cos(np.radians(yaw)))))
    cv2.ellipse(frame, centre, (half_w, int(height * 0.36)), 0, 0, 360, colour, -1, cv2.LINE_AA)
    cv2.circle(frame, (width // 2, int(height * 0.14)), int(width * 0.09), colour, -1, cv2.LINE_AA)
    return frame


def make_video(path: Path, width: int, height: int, turn: Turn, fps: int = 30, seed: int = 1) -> list[list[float]]:
    """Write the H.264 clip (yuv420p, faststart); returns its yaw track ``[[t, yaw, rotation, confidence], ...]``."""
    import av

    backdrop = _backdrop(width, height, seed)
    frames = int(round(turn.seconds * fps))
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.options = {"preset": "veryfast", "crf": "23", "g": str(fps)}
        for i in range(frames):
            picture = av.VideoFrame.from_ndarray(draw(backdrop, turn.rotation(i / fps)), format="bgr24")
            picture.pts = i
            picture.time_base = Fraction(1, fps)
            for packet in stream.encode(picture):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    samples = int(turn.seconds * TRACK_HZ)
    return [[round(k / TRACK_HZ, 4), wrap(turn.rotation(k / TRACK_HZ)), turn.rotation(k / TRACK_HZ), 0.9]
            for k in range(samples)]


def turn_analysis(turn: Turn, track: list[list[float]]) -> dict:
    """The look's stored "turn" analysis, as the mirror's turn detector keeps it."""
    return {
        "clock": "seconds from the first frame of the video",
        "turn": {"start_s": turn.start_s, "end_s": turn.start_s + turn.turn_s, "rotation_deg": 360.0,
                 "direction": "cw" if turn.direction > 0 else "ccw", "complete": True},
        "yaw": track,
    }


@dataclass(frozen=True)
class MadeLook:
    """A made clip and what the library needs to know of it."""

    video: Path
    turn: Turn
    track: list
    width: int
    height: int

    @property
    def analysis(self) -> dict:
        return turn_analysis(self.turn, self.track)


def make_look(folder: Path, name: str, width: int, height: int, turn: Turn, seed: int = 1) -> MadeLook:
    """A turning clip in ``folder`` (made once: an existing one is reused with its track)."""
    video = folder / f"{name}-{width}x{height}-{turn.direction:+d}-{turn.turn_s:g}-{turn.start_s:g}.mp4"
    if video.is_file():
        samples = int(turn.seconds * TRACK_HZ)
        track = [[round(k / TRACK_HZ, 4), wrap(turn.rotation(k / TRACK_HZ)), turn.rotation(k / TRACK_HZ), 0.9]
                 for k in range(samples)]
    else:
        partial = video.with_suffix(".part.mp4")
        track = make_video(partial, width, height, turn, seed=seed)
        partial.replace(video)
    return MadeLook(video, turn, track, width, height)


def store_look(library, made: MadeLook, with_track: bool = True, session_id: str | None = None,
               customer_id: str | None = None, created: float | None = None) -> str:
    """Put a made clip into an open look library as a look (kept for ``customer_id`` when given); returns its id."""
    from kiosk.library.look import NewLook

    look_id = library.new_id()
    work = library.layout.work / f"{look_id}.mp4"
    work.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made.video, work)
    poster = library.layout.work / f"{look_id}.jpg"
    backdrop = _backdrop(made.width, made.height, 1)
    cv2.imwrite(str(poster), draw(backdrop, made.turn.rotation(made.turn.start_s + made.turn.turn_s / 8)))
    new = NewLook(look_id=look_id, video=work, poster=poster, strip=None, created=created or time.time(),
                  duration_s=made.turn.seconds, width=made.width, height=made.height, session_id=session_id,
                  customer_id=customer_id, consent_by="customer" if customer_id else None, reason="made for a test")
    library.add_look(new)
    if with_track:
        library.set_analysis(look_id, "turn", made.analysis)
    return look_id
