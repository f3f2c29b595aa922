"""The shared body angle of the comparison on the mirror: it turns by itself, a finger holds and drags it, a swipe nudges it.

Pure (the caller passes the clock), so it is tested with a fake one; the mirror's frame pump
asks it for the angle at each tick. The slow automatic turn goes once round in ``seconds``, the
way ``sweep`` says (the first look's way, as ``CompareSession.angle_at``). While a finger is down
the angle only moves with the finger; letting go turns on from where it was left. A swipe turns
by a fixed step, eased over ``GLIDE_S`` so the panes do not jump, and parks the turn for
``PARK_S`` so the shopper can look at the side they asked for; another swipe steps on from there.
"""

from __future__ import annotations

import math

GLIDE_S = 0.35
PARK_S = 4.0


class Turntable:
    """The shared angle (degrees, any real number; callers wrap it) as a function of time."""

    def __init__(self, seconds: float, sweep: int = 1, now: float = 0.0, start_deg: float = 0.0,
                 turning: bool = True) -> None:
        self.seconds = max(float(seconds), 0.1)
        self.sweep = 1 if sweep >= 0 else -1
        self._base = float(start_deg)  # the angle at ``_since``
        self._since = now
        self._turning = turning  # the automatic turn runs (nobody holds or parked it)
        self._held = False
        self._parked_until: float | None = None
        self._glides: list[tuple[float, float]] = []  # (start time, degrees still to add over GLIDE_S)

    # -- what the pump reads --------------------------------------------------------------------

    @property
    def held(self) -> bool:
        return self._held

    def turning(self, now: float) -> bool:
        """True while the angle moves by itself (turning, or a swipe still gliding)."""
        return self._auto(now) or any(now - t0 < GLIDE_S for t0, _ in self._glides)

    def angle(self, now: float) -> float:
        """The shared angle at ``now``."""
        self._wake(now)
        angle = self._base
        if self._auto(now):
            angle += self.sweep * 360.0 * (now - self._since) / self.seconds
        for t0, delta in self._glides:
            angle -= delta * (1.0 - _ease(min(max((now - t0) / GLIDE_S, 0.0), 1.0)))
        return angle

    def next_change(self, now: float, step_deg: float, fallback: float = 0.5) -> float:
        """Seconds until the angle crosses the next multiple of ``step_deg`` (``fallback`` while it stands still)."""
        if any(now - t0 < GLIDE_S for t0, _ in self._glides):
            return 1.0 / 60.0
        if self._parked_until is not None:
            return max(min(self._parked_until - now, fallback), 0.0)
        if not self._auto(now):
            return fallback
        rate = 360.0 / self.seconds  # degrees a second
        position = (self.sweep * self.angle(now)) / step_deg
        remaining = (math.floor(position + 1e-9) + 1.0 - position) * step_deg
        return max(remaining / rate, 1e-3)

    # -- what the shopper does ------------------------------------------------------------------

    def hold(self, now: float) -> None:
        """A finger went down: the turn stops where it is."""
        self._settle(now)
        self._held = True

    def drag(self, delta_deg: float, now: float) -> None:
        """The finger moved (only while held)."""
        if self._held:
            self._settle(now)
            self._base += delta_deg

    def release(self, now: float) -> None:
        """The finger let go: the slow turn resumes from here."""
        self._settle(now)
        self._held = False
        self._parked_until = None
        self._turning = True

    def nudge(self, delta_deg: float, now: float) -> None:
        """A swipe: turn by ``delta_deg``, eased, then stay there for a while before turning on."""
        self._settle(now)
        self._base += delta_deg
        self._glides.append((now, delta_deg))
        if not self._held:
            self._turning = False
            self._parked_until = now + PARK_S

    def start(self, now: float) -> None:
        """Begin the automatic turn (the looks are ready)."""
        if not self._held:
            self._settle(now)
            self._turning = True

    # -- internals ------------------------------------------------------------------------------

    def _auto(self, now: float) -> bool:
        return self._turning and not self._held and (self._parked_until is None or now >= self._parked_until)

    def _wake(self, now: float) -> None:
        """A parked turn whose time is up turns on from where it was parked."""
        if self._parked_until is not None and now >= self._parked_until:
            self._since = self._parked_until
            self._parked_until = None
            self._turning = True
        self._glides = [(t0, d) for t0, d in self._glides if now - t0 < GLIDE_S]

    def _settle(self, now: float) -> None:
        """Fold the turn so far into the base angle (glides keep easing on their own)."""
        self._wake(now)
        if self._auto(now):
            self._base += self.sweep * 360.0 * (now - self._since) / self.seconds
        self._since = now


def _ease(p: float) -> float:
    """Smoothstep: starts and ends gently."""
    return p * p * (3.0 - 2.0 * p)
