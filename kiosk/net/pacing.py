"""Paces video bytes leaving the mirror: a shared byte-rate budget for all downloads together.

Each body piece books the next free slot on one virtual clock (first come, first served) and
waits for it, so fifty phones share ``rate`` bytes per second instead of taking every cycle
the CPU has; the mirror's own screen keeps its frames. A short burst is allowed so a single
phone starting playback is not slowed at all.
"""

from __future__ import annotations

import asyncio

BURST_S = 0.25


class BytePacer:
    """Token bucket in bytes per second; ``rate`` 0 means no limit. Used on one event loop."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._next = 0.0

    async def take(self, nbytes: int) -> None:
        if self.rate <= 0 or nbytes <= 0:
            return
        now = asyncio.get_running_loop().time()
        start = max(self._next, now - BURST_S)
        self._next = start + nbytes / self.rate
        if start > now:
            await asyncio.sleep(start - now)
