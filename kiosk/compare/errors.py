"""Errors of comparisons (defined in ``kiosk.errors``, the one error tree)."""

from kiosk.errors import CompareError, CompareQueueFull, CompareStopped

__all__ = ["CompareError", "CompareQueueFull", "CompareStopped"]
