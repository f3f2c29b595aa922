"""An H.264 MP4 written offline from whole pictures (rendered comparisons), with PyAV.

The live recorder encodes camera frames in real time (``encoder``) and muxes them crash-safely
(``container``); a rendered file has neither constraint: it is made from pictures already in
memory, at whatever speed the CPU allows, and is only worth keeping once complete. So this is
one muxer with one libx264 stream (``veryfast``, CRF from ``[recording]``, no B-frames so every
browser seeks it cheaply), yuv420p, the index in front (``+faststart``). The caller writes to a
temporary name and renames it when ``close()`` returns; ``abort()`` drops it. The Pi's hardware
encoder is not used here: it stops at 1920 pixels a side and a four-pane comparison is wider.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import numpy as np

from kiosk.recording.container import FASTSTART, MediaError
from kiosk.recording.encoder import SOFTWARE, EncoderSettings
from kiosk import native

_log = logging.getLogger(__name__)


class Mp4File:
    """Frames in (I420 arrays), one faststart H.264 MP4 out."""

    def __init__(self, path: Path, width: int, height: int, fps: float, settings: EncoderSettings | None = None) -> None:
        self.path = Path(path)
        self.width, self.height = width, height
        self.fps = fps
        self.settings = settings or EncoderSettings()
        self.frames = 0
        self._container = None
        self._stream = None

    def open(self) -> None:
        av = native.av()  # lazy: only rendering needs it

        if self.width % 2 or self.height % 2:
            raise MediaError(f"a yuv420p picture needs an even size, not {self.width}×{self.height}")
        try:
            self._container = av.open(str(self.path), "w", format="mp4", options=dict(FASTSTART))
        except OSError as exc:
            raise MediaError(f"cannot create {self.path.name} ({exc.strerror or exc})") from None
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._container.add_stream(SOFTWARE, rate=rate)
        stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
        stream.codec_context.max_b_frames = 0
        stream.codec_context.gop_size = max(1, round(self.fps))
        stream.codec_context.options = {"preset": "veryfast", "crf": str(self.settings.crf)}
        self._stream = stream

    def write_i420(self, picture: np.ndarray) -> None:
        """Append one (height*3/2, width) I420 picture."""
        av = native.av()

        frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
        frame.pts = self.frames
        frame.time_base = Fraction(1) / self._stream.codec_context.framerate
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        """Drain the encoder and write the index; the file is complete when this returns."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            for packet in self._stream.encode(None):
                container.mux(packet)
        finally:
            container.close()

    def abort(self) -> None:
        """Stop without finishing and remove the partial file."""
        container, self._container = self._container, None
        if container is not None:
            try:
                container.close()
            except Exception as exc:  # noqa: BLE001 - the file is removed either way
                _log.debug("closing an aborted %s: %s", self.path.name, exc)
        self.path.unlink(missing_ok=True)
