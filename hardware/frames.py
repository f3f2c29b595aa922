"""The frame type every camera source produces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured picture: BGR pixels (read-only, shared by all consumers), capture time, sequence.

    ``ts`` is ``time.monotonic()`` at capture; ``seq`` counts frames from 1 for the life of a
    source and keeps counting across reconnects, so a gap in ``seq`` is a frame lost somewhere.
    """

    pixels: np.ndarray
    ts: float
    seq: int

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @classmethod
    def wrap(cls, pixels: np.ndarray, ts: float, seq: int) -> "Frame":
        """Make a frame from an array the caller hands over (no copy); the array becomes read-only."""
        pixels.flags.writeable = False
        return cls(pixels, ts, seq)
