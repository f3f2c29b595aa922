"""The one way benchmarks summarise a list of timings: mean, median, 95th percentile and maximum.

Percentiles interpolate linearly between the two nearest samples (numpy's default), so the
figures of every benchmark are computed alike. Plain Python: the load generator imports it in
a process of its own.
"""

from __future__ import annotations


def percentile(ordered: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of an already sorted, non-empty list."""
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values: list[float], scale: float = 1.0) -> dict:
    """``{"mean", "p50", "p95", "max"}`` of ``values`` × ``scale`` rounded to 0.1 (None when empty)."""
    if not values:
        return {"mean": None, "p50": None, "p95": None, "max": None}
    ordered = sorted(v * scale for v in values)
    return {
        "mean": round(sum(ordered) / len(ordered), 1),
        "p50": round(percentile(ordered, 50), 1),
        "p95": round(percentile(ordered, 95), 1),
        "max": round(ordered[-1], 1),
    }
