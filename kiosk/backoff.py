"""How long to wait before trying again something that keeps failing: doubling, capped."""

from __future__ import annotations

# 2 ** 30 times the first wait is beyond any cap: weeks of failures never overflow a float.
_MAX_EXPONENT = 30


def backoff_s(attempts: int, first_s: float, max_s: float) -> float:
    """The wait after ``attempts`` failed tries (before jitter): doubling, capped, never overflowing."""
    return min(max_s, first_s * 2.0 ** min(max(attempts, 0), _MAX_EXPONENT))
