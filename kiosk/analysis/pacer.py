"""How many frames a second to analyse: as many as the mirror can spare, between a floor and a cap.

The mirror's smoothness comes first. When the window reports how many frames it paints
(``watch``), the pacer compares that with how many the camera delivers, over a few seconds,
and with the best that ratio has recently been (a 60 fps camera on a screen that paints 30
has a best of 0.5): while the mirror paints as well as
its best the analysis rate creeps up (additive increase), and as soon as it paints clearly
fewer the rate drops by a fraction (multiplicative decrease), the way TCP shares a link. The
best sinks slowly towards what is seen only while the analysis is at its floor: then the loss is
the machine's (another load), not the analysis's. Were it to sink above the floor too, a cost
that grows a little with each step would never be noticed (each step is within the tolerance
of a best that has just sunk to the last one) and the rate would climb while the mirror loses
frame after frame: measured, 0.92 of the painted rate at 6 analysed frames a second. Without that signal (headless, tests, the screen asleep or showing
a replay, so nothing is painted live) the analysis runs at its cap; the scheduler's low
priority for the analysis process still gives the CPU to the mirror first.

Pure logic: it reads no clock of its own; the worker calls ``update(now, captured)`` and the
painted rate comes from the callable handed to ``watch``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PacerSettings:
    max_fps: float = 15.0
    min_fps: float = 2.0  # never slower: presence and gestures still work
    start_fps: float | None = None  # first paced rate; None: the floor, so the best ratio is learnt unhurt
    period_s: float = 2.0  # how often the rate is reconsidered (the painted rate's window)
    keep_ratio: float = 0.97  # painted/captured below this share of its best: back off
    grow_ratio: float = 0.985  # at or above this share of its best: speed up
    best_decay: float = 0.005  # at the floor, the best ratio sinks this much a period towards what is seen
    step_fps: float = 1.0  # additive increase per period
    backoff: float = 0.7  # multiplicative decrease


class Pacer:
    """The analysis rate, adjusted to what the mirror paints."""

    def __init__(self, settings: PacerSettings | None = None) -> None:
        self.settings = s = settings or PacerSettings()
        self._rate = min(max(s.start_fps or s.min_fps, s.min_fps), s.max_fps)
        self._painted: Callable[[], float] | None = None
        self._last: tuple[float, int] | None = None  # (time, frames captured) at the last decision
        self._held: float | None = None  # the paced rate while the mirror paints nothing live
        self.ratio: float | None = None  # the painted/captured ratio last seen (None: no signal)
        self.best: float | None = None  # the best recent ratio, the mirror's own standard

    def watch(self, painted_fps: Callable[[], float] | None) -> None:
        """Follow the mirror's painted frames per second (the window's paint probe); None: stop."""
        self._painted = painted_fps

    def rate(self) -> float:
        """Frames a second to analyse now (the cap while no window is watched)."""
        return self._rate if self._painted is not None else self.settings.max_fps

    def update(self, now: float, captured: int) -> float:
        """Reconsider the rate once a period; ``captured``: frames the camera delivered so far."""
        s = self.settings
        if self._painted is None:
            return s.max_fps
        if self._last is None:
            self._last = (now, captured)
            return self._rate
        then, before = self._last
        if now - then < s.period_s:
            return self._rate
        self._last = (now, captured)
        camera_fps = (captured - before) / (now - then)
        painted = self._painted()
        if painted < 1.0 or camera_fps < 1.0:
            # Nothing is painted live (screen asleep, a replay on screen) or no camera: the
            # mirror has nothing to lose, so analyse at the cap, and pick up the paced rate
            # again when the live picture is back.
            if self.ratio is not None or self._held is None:
                self._held = self._rate
            self.ratio = None
            self._rate = s.max_fps
            return self._rate
        if self.ratio is None and self._held is not None:
            self._rate, self._held = self._held, None
        self.ratio = ratio = min(painted / camera_fps, 1.0)
        if self.best is None or ratio > self.best:
            self.best = ratio
        elif self._rate <= s.min_fps:
            self.best = max(ratio, self.best - s.best_decay)
        if ratio < s.keep_ratio * self.best:
            self._rate = max(s.min_fps, self._rate * s.backoff)
        elif ratio >= s.grow_ratio * self.best:
            self._rate = min(s.max_fps, self._rate + s.step_fps)
        return self._rate
