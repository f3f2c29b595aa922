"""A frame's pixels shared with the analysis process through one anonymous memory segment.

The parent copies each frame it wants analysed into the segment (one memcpy of the raw
capture, no pickling, no resizing on the kiosk's side) and sends only its shape, dtype and
capture time down the pipe; the child reads the pixels in place. One frame is in flight at a
time (the parent waits for the answer before writing the next), so one slot is enough and no
lock is needed.

The segment is a ``memfd`` (Linux): it has no name, so nothing can be left behind in
``/dev/shm`` when a process is killed; the memory goes away when the last process that has it
open or mapped closes it. Its file descriptor travels to the child over the pipe
(``SCM_RIGHTS``). A frame larger than the segment gets a new, larger segment.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass

import numpy as np

from kiosk.errors import AnalysisError

SEGMENT_NAME = "kiosk-analysis-frame"  # shows as /memfd:kiosk-analysis-frame in /proc/PID/fd


@dataclass(frozen=True)
class FrameHeader:
    """What the child needs to read a frame from the segment: layout and capture time."""

    shape: tuple[int, ...]
    dtype: str
    t: float
    seq: int = 0


class FrameSegment:
    """One memfd mapped into this process; ``create`` in the parent, ``attach`` in the child."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self._map: mmap.mmap | None = mmap.mmap(fd, size)

    @classmethod
    def create(cls, size: int) -> "FrameSegment":
        """A new segment of at least ``size`` bytes (rounded up to whole pages)."""
        if not hasattr(os, "memfd_create"):
            raise AnalysisError("the process runner needs Linux shared memory (memfd); use runner = \"thread\"")
        size = max(mmap.PAGESIZE, -(-size // mmap.PAGESIZE) * mmap.PAGESIZE)
        try:
            fd = os.memfd_create(SEGMENT_NAME, os.MFD_CLOEXEC)
        except OSError as exc:
            raise AnalysisError(f"cannot create shared memory for frames ({exc.strerror})") from None
        try:
            os.ftruncate(fd, size)
            return cls(fd, size)
        except (OSError, ValueError) as exc:
            os.close(fd)
            raise AnalysisError(f"cannot size shared memory for frames to {size} bytes ({exc})") from None

    @classmethod
    def attach(cls, fd: int, size: int) -> "FrameSegment":
        """Map a segment received from the other process (this object then owns ``fd``)."""
        return cls(fd, size)

    def fits(self, pixels: np.ndarray) -> bool:
        return pixels.nbytes <= self.size

    def write(self, pixels: np.ndarray, t: float, seq: int = 0) -> FrameHeader:
        """Copy ``pixels`` into the segment; returns the header that describes them."""
        if self._map is None:
            raise AnalysisError("the frame segment is closed")
        if not self.fits(pixels):
            raise AnalysisError(f"a {pixels.nbytes}-byte frame does not fit a {self.size}-byte segment")
        target = np.ndarray(pixels.shape, dtype=pixels.dtype, buffer=self._map)
        np.copyto(target, pixels, casting="no")
        return FrameHeader(shape=tuple(pixels.shape), dtype=pixels.dtype.str, t=t, seq=seq)

    def view(self, header: FrameHeader) -> np.ndarray:
        """The frame described by ``header``, read in place (valid until the next write)."""
        if self._map is None:
            raise AnalysisError("the frame segment is closed")
        dtype = np.dtype(header.dtype)
        if int(np.prod(header.shape)) * dtype.itemsize > self.size:
            raise AnalysisError(f"a frame of shape {header.shape} is larger than the {self.size}-byte segment")
        pixels = np.ndarray(header.shape, dtype=dtype, buffer=self._map)
        pixels.flags.writeable = False
        return pixels

    def close(self) -> None:
        """Unmap and close; the memory is freed once the other process has closed it too."""
        if self._map is not None:
            try:
                self._map.close()
            except BufferError:
                # A view handed out by ``view`` is still alive somewhere; the mapping then goes
                # with that view (the fd below is closed either way, so nothing stays named).
                pass
            self._map = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
