"""Bounded waits on conditions, the only way the fault tests wait."""

from __future__ import annotations

import time
from collections.abc import Callable


class Timeout(AssertionError):
    """A bounded wait ran out; the message says what never happened."""


def wait_until(predicate: Callable[[], object], what: str, timeout: float, every: float = 0.2):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"{what} did not happen within {timeout:g} s")
        time.sleep(every)


def wait_for(predicate: Callable[[], object], timeout: float, message: str, every: float = 0.05):
    """Like ``wait_until``, failing with ``message`` as it stands (it says what is wrong)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(message)
        time.sleep(every)
