"""Compressed video as the recorder handles it: H.264 packets with their capture times."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

#: Time base of packet timestamps: the 90 kHz clock of MPEG video, fine enough for any frame rate.
TIME_BASE = Fraction(1, 90000)
TICKS_PER_S = 90000


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One encoded frame: Annex B bytes (SPS/PPS repeated on keyframes), pts in ``TIME_BASE``
    ticks and the capture time (``time.monotonic()``) of the frame it holds."""

    data: bytes
    pts: int
    ts: float
    keyframe: bool

    def __len__(self) -> int:
        return len(self.data)
