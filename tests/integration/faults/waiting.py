"""Bounded waits on conditions, the only way the fault tests wait."""

from __future__ import annotations

import time
from collections.abc import Callable


class Timeout(AssertionError):
    """A bounded wait ran out; the message says what never happened."""


def wait_until(predicate: Callable[[], object], what: str, timeout: float, every: float = 0.2):
    """Poll ``predicate`` until it returns something truthy (returned), or fail after ``timeout`` s."""
    return wait_for(predicate, timeout, f"{what} did not happen within {timeout:g} s", every)


def wait_for(predicate: Callable[[], object], timeout: float, message: str, every: float = 0.05):
    """Poll ``predicate`` until it returns something truthy (returned), or fail with ``message``
    (which says what is wrong) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(message)
        time.sleep(every)
