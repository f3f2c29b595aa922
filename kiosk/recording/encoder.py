"""H.264 encoding of camera frames with PyAV (the only module that drives the encoder).

``probe_codec`` picks the encoder at start-up: the Raspberry Pi's hardware encoder
(``h264_v4l2m2m``) when it actually opens and encodes a frame, otherwise ``libx264`` tuned for
live capture (ultrafast, zerolatency, no B-frames, CRF with a bitrate cap). Timestamps are the
frames' capture times on a 90 kHz clock, so frames the camera lost leave a gap of the right
length and the video plays at true speed. Without a global header the SPS/PPS ride in front of
every keyframe, which lets a recording start at any keyframe of the continuous stream.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from kiosk.errors import EncoderError
from kiosk.recording.convert import bgr_to_i420
from kiosk.recording.packets import TICKS_PER_S, TIME_BASE, EncodedPacket
from kiosk import native

_log = logging.getLogger(__name__)

HARDWARE = "h264_v4l2m2m"
SOFTWARE = "libx264"
CODECS = ("auto", HARDWARE, SOFTWARE)



@dataclass(frozen=True)
class EncoderSettings:
    """Which encoder and how hard it may compress; see ``[recording]`` in the configuration."""

    codec: str = "auto"
    crf: int = 23
    max_bitrate_kbps: int = 8000
    keyframe_interval_s: float = 1.0


def probe_codec(settings: EncoderSettings, width: int = 640, height: int = 480, fps: float = 30.0) -> str:
    """The first configured encoder that opens and encodes a test frame; raises ``EncoderError``."""
    candidates = (HARDWARE, SOFTWARE) if settings.codec == "auto" else (settings.codec,)
    reasons = []
    for name in candidates:
        encoder = H264Encoder(settings, width, height, fps, codec=name)
        try:
            encoder.open()
            encoder.encode(np.zeros((height, width, 3), np.uint8), 0.0)
            encoder.flush()
            _log.info("H.264 encoder: %s", name)
            return name
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
            reasons.append(f"{name}: {exc}")
            _log.debug("encoder %s not usable: %s", name, exc)
        finally:
            encoder.close()
    raise EncoderError("no H.264 encoder works on this machine (" + "; ".join(reasons) + ")")


class H264Encoder:
    """Encodes BGR frames to H.264 packets; one instance per picture size."""

    def __init__(self, settings: EncoderSettings, width: int, height: int, fps: float, codec: str = SOFTWARE) -> None:
        self.settings = settings
        self.width, self.height = width & ~1, height & ~1  # 4:2:0 needs even sizes
        self.fps = fps
        self.codec = codec
        self._ctx = None
        self._epoch: float | None = None
        self._last_pts = -1

    def open(self) -> None:
        av = native.av()  # lazy: PyAV loads FFmpeg, which only the recorder needs

        ctx = av.CodecContext.create(self.codec, "w")
        ctx.width, ctx.height, ctx.pix_fmt = self.width, self.height, "yuv420p"
        ctx.time_base = TIME_BASE
        ctx.framerate = Fraction(self.fps).limit_denominator(1001)
        ctx.gop_size = max(1, round(self.fps * self.settings.keyframe_interval_s))
        ctx.max_b_frames = 0
        # Pictures are converted to limited-range BT.601 YUV (convert.py); say so in the stream,
        # or players guess BT.709 for HD and every colour shifts a little.
        ctx.color_range = 1  # AVCOL_RANGE_MPEG
        ctx.colorspace = ctx.color_primaries = ctx.color_trc = 6  # AVCOL_*_SMPTE170M
        kbps = self.settings.max_bitrate_kbps
        if self.codec == SOFTWARE:
            ctx.options = {
                "preset": "ultrafast",
                "tune": "zerolatency",
                "crf": str(self.settings.crf),
                "maxrate": f"{kbps}k",
                "bufsize": f"{2 * kbps}k",
            }
        else:
            ctx.bit_rate = kbps * 1000
        ctx.open()
        self._ctx = ctx

    def encode(self, pixels: np.ndarray, ts: float, keyframe: bool = False) -> list[EncodedPacket]:
        """Encode one BGR picture captured at ``ts``; returns the packets ready (usually one)."""
        av = native.av()

        if self._epoch is None:
            self._epoch = ts
        if pixels.shape[0] != self.height or pixels.shape[1] != self.width:
            pixels = pixels[: self.height, : self.width]
        picture = av.VideoFrame.from_ndarray(bgr_to_i420(pixels), format="yuv420p")
        pts = max(round((ts - self._epoch) * TICKS_PER_S), self._last_pts + 1)
        self._last_pts = pts
        picture.pts, picture.time_base = pts, TIME_BASE
        if keyframe:  # a take that starts now, with no pre-roll, starts on this very frame
            picture.pict_type = av.video.frame.PictureType.I
        return self._packets(self._ctx.encode(picture))

    def flush(self) -> list[EncodedPacket]:
        """Drain the encoder at the end of the stream."""
        if self._ctx is None:
            return []
        return self._packets(self._ctx.encode(None))

    def close(self) -> None:
        self._ctx = None  # PyAV frees the codec context when the last reference goes

    def _packets(self, packets) -> list[EncodedPacket]:
        epoch = self._epoch or 0.0
        return [
            EncodedPacket(bytes(p), int(p.pts), epoch + int(p.pts) / TICKS_PER_S, bool(p.is_keyframe))
            for p in packets
            if p.pts is not None
        ]
