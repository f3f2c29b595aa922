"""A look's scrub proxy: its frames at every few degrees of the shared angle, in memory, at pane size.

The shared angle is cut into ``slots`` (144: every 2.5°). A look that follows the angle gets,
per slot, its frame nearest to that body yaw (``anglemap``); a look that plays by time gets its
frames at evenly spaced times over the comparison's length (about 10–15 a second), the slot
being the phase of the automatic turn. Slots that land on the same frame share it, so a look turning
slowly keeps fewer frames than slots and a look with a pause keeps one frame for the pause.

Frames are the look's span (``Pane.span``: the part of its width the person reached), unmirrored
(the view mirrors them on the GPU like the live picture), RGB (h, w, 3) or,
for the mirror's screen, YUV 4:2:0 planes (Y, U, V): half the memory, so twice the frames fit in
the budget, and the GPU converts them while drawing. ``fill`` decodes them (once, in file order,
``decode.pick``); ``frame`` is two array reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kiosk.compare import decode
from kiosk.compare.panes import Pane


@dataclass(frozen=True)
class ProxyFrame:
    """What a pane shows at a shared angle."""

    pixels: np.ndarray | tuple  # (h, w, 3) RGB, or the (Y, U, V) planes of a "yuv420p" proxy
    t: float  # its time in the look's video
    covered: bool  # False: the look does not reach this angle, this is its nearest view


def fit(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The even size of a ``width``×``height`` picture scaled to fit ``box`` (never enlarged)."""
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(2, int(width * scale) & ~1), max(2, int(height * scale) & ~1)


def slot_times(pane: Pane, slots: int, seconds: float, sweep: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per slot, the look's frame time and whether it reaches that angle."""
    angles = np.arange(slots) * (360.0 / slots)
    if pane.angle_map is not None:
        times, _, covered = pane.angle_map.at_many(angles)
        return times, covered
    # the phase of the automatic turn, which sweeps the angle the ``sweep`` way
    phase = ((sweep * angles) % 360.0) / 360.0
    timing = pane.timing()
    return np.minimum(timing.start_s + phase * seconds, timing.end_s), np.ones(slots, dtype=bool)


def frames_needed(pane: Pane, slots: int, seconds: float, sweep: int = 1) -> int:
    """How many distinct frames a proxy of ``slots`` keeps for this look."""
    return len(np.unique(np.round(slot_times(pane, slots, seconds, sweep)[0], 3)))


class ScrubProxy:
    """One look's frames per slot of the shared angle."""

    def __init__(self, pane: Pane, size: tuple[int, int], slots: int, seconds: float, sweep: int = 1,
                 fmt: str = "rgb24") -> None:
        self.pane = pane
        self.fmt = fmt
        self.size = size
        self.slots = slots
        self.seconds = seconds
        self.slot_times, self.covered = slot_times(pane, slots, seconds, sweep)
        self.times, self.slot_frame = np.unique(np.round(self.slot_times, 3), return_inverse=True)
        self.slot_frame = self.slot_frame.reshape(-1)
        self.frames: list[np.ndarray | None] = [None] * len(self.times)

    @property
    def by_angle(self) -> bool:
        return self.pane.angle_map is not None

    @property
    def ready(self) -> bool:
        return all(f is not None for f in self.frames)

    @property
    def nbytes(self) -> int:
        """Memory the decoded frames take (shared frames once)."""
        kept = {id(f): f for f in self.frames if f is not None}.values()
        return sum(sum(p.nbytes for p in f) if isinstance(f, tuple) else f.nbytes for f in kept)

    @staticmethod
    def frame_bytes(size: tuple[int, int], fmt: str = "rgb24") -> int:
        return size[0] * size[1] * 3 // (2 if fmt == "yuv420p" else 1)

    def slot(self, angle_deg: float) -> int:
        """The slot of a shared angle (any number of degrees, any sign)."""
        return int(math.floor((angle_deg % 360.0) * self.slots / 360.0 + 0.5)) % self.slots

    def frame(self, angle_deg: float) -> ProxyFrame | None:
        """The frame for a shared angle, or None while it is not decoded yet."""
        k = self.slot(angle_deg)
        pixels = self.frames[self.slot_frame[k]]
        if pixels is None:
            return None
        return ProxyFrame(pixels, float(self.slot_times[k]), bool(self.covered[k]))

    def fill(self, stop: Callable[[], bool] | None = None) -> None:
        """Decode the frames (in the calling thread); ``stop()`` ends it early."""

        def keep(index: int, picture) -> None:
            self.frames[index] = picture

        decode.pick(self.pane.video, self.times, self.size, self.pane.rotation, self.fmt, stop=stop, on_pick=keep,
                    crop=self.pane.span)
