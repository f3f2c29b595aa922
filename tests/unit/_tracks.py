"""Canned yaw tracks for the comparison tests: rotations that move linearly between waypoints."""

from __future__ import annotations

import numpy as np


def track(*segments: tuple[float, float], fps: float = 15.0, start: float = 0.0, t0: float = 0.0,
          noise: float = 0.0, seed: int = 1, confidence: float | None = 1.0) -> list[list[float]]:
    """Stored entries ``[t, yaw, rotation, confidence]`` (3 elements when ``confidence`` is None).

    Each segment is (seconds, rotation to reach); the rotation moves there linearly.
    """
    rng = np.random.default_rng(seed)
    times, values = [t0], [start]
    for duration, target in segments:
        n = max(int(round(duration * fps)), 1)
        for i in range(1, n + 1):
            times.append(times[-1] + 1.0 / fps)
            values.append(values[-1] + (target - values[-1]) / (n - i + 1))
    rotation = np.array(values) + rng.normal(0.0, noise, len(values))
    out = []
    for t, r in zip(times, rotation):
        yaw = float((r + 180.0) % 360.0 - 180.0)
        entry = [round(t, 4), yaw, float(r)]
        if confidence is not None:
            entry.append(confidence)
        out.append(entry)
    return out


def truth(entries: list[list[float]]):
    """t -> true rotation of a noise-free canned track (linear between samples)."""
    t = np.array([e[0] for e in entries])
    r = np.array([e[2] for e in entries])
    return lambda at: float(np.interp(at, t, r))
