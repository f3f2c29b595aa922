"""A stretch of the yaw path as the turn detector reads it: smoothed, crossed, stood still on.

A track is a list of ``(t, rotation_deg)``, oldest first. These are pure helpers of
``turn``: where a level was crossed going one way, and where the body stood before turning.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kiosk.analysis.yaw import YawSample

Track = list[tuple[float, float]]


def smoothed(path: Sequence[YawSample], since: float) -> Track:
    """(t, rotation) from ``since`` on, each a median of five: one or two wild frames bend a path
    for a moment (a median keeps a steady turn's ramp where it is)."""
    points = [(p.t, p.rotation_deg) for p in path if p.t >= since]
    r = [v for _, v in points]
    out = []
    for i, (t, _) in enumerate(points):
        half = min(2, i, len(r) - 1 - i)
        out.append((t, sorted(r[i - half : i + half + 1])[half]))
    return out


def crossing(track: Track, sign: int, level: float, last: bool, before: float | None = None) -> float | None:
    """When the rotation crossed ``level`` going in the turn's direction (interpolated).

    ``last`` picks the last upward crossing before the track first reaches ``before`` (the
    start of a turn), otherwise the first crossing (back and end).
    """
    found = None
    for (t0, r0), (t1, r1) in zip(track, track[1:]):
        if before is not None and sign * (r0 - before) >= 0:
            break
        a, b = sign * (r0 - level), sign * (r1 - level)
        if a < 0 <= b:
            t = t0 + (t1 - t0) * (-a / (b - a))
            if not last:
                return t
            found = t
    if found is None and track and sign * (track[0][1] - level) >= 0 and last:
        return track[0][0]
    return found


def stand_before(track: Track, sign: int, rest: float, still_s: float, still_deg: float,
                 near_deg: float) -> float | None:
    """The level of the last stand (``still_s`` within ``still_deg``) before a quarter turn.

    Stands well into the turn (a pause in the side view) are passed: only one within
    ``near_deg`` of the turn's rest facing counts.
    """
    quarter = next((i for i, (_, r) in enumerate(track) if sign * (r - rest) >= 90.0), None)
    if quarter is None:
        return None
    for i in range(quarter, -1, -1):
        t = track[i][0]
        if track[0][0] > t - still_s:
            break
        window = [r for u, r in track[: i + 1] if u >= t - still_s]
        if max(window) - min(window) > still_deg:
            continue
        level = float(np.median(window))
        if sign * (level - rest) <= near_deg:
            return level
    return None
