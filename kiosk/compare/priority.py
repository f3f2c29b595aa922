"""Lower a worker thread's CPU priority: the mirror's painting comes first."""

from __future__ import annotations

import logging
import os
import threading

_log = logging.getLogger(__name__)


def lower_priority(nice: int, what: str) -> None:
    """Renice the calling thread (Linux niceness is per thread, and threads started from it inherit it)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError as exc:
        _log.info("could not lower the priority of the %s (%s)", what, exc.strerror)
