"""How the analysis yields the CPU to the mirror: niceness, or Linux's idle scheduling class.

The pose model must never hold anything the mirror waits for. In a child process it holds
nothing (its own interpreter and GIL), so lowering its priority is safe and the kernel does the
rest: at ``nice`` it gets a small share of a busy CPU, at ``idle`` (``SCHED_IDLE``) only what
no other task wants. A *thread* of the kiosk at low priority is different: when the kernel
preempts it while it holds the GIL, every Python thread of the mirror waits until it runs
again (priority inversion), which is why the process is the default runner.
"""

from __future__ import annotations

import logging
import os
import threading

_log = logging.getLogger(__name__)


def lower_priority(nice: int, idle: bool = False) -> str:
    """Lower the calling thread's priority by ``nice`` steps; returns what was done, in words.

    Linux keeps niceness and scheduling class per thread, and threads started afterwards (the
    model's own worker threads) inherit them, so call this before the model starts. Failures
    are logged, not raised: an analysis at normal priority is better than none.
    """
    target = threading.get_native_id()
    done = []
    if nice > 0 and hasattr(os, "setpriority"):
        try:
            # Relative to the kiosk's own niceness (0 under systemd): "this much less important".
            value = min(os.getpriority(os.PRIO_PROCESS, target) + nice, 19)
            os.setpriority(os.PRIO_PROCESS, target, value)
            done.append(f"nice {value}")
        except OSError as exc:
            _log.info("could not lower the analysis priority (%s)", exc.strerror)
    if idle and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(target, os.SCHED_IDLE, os.sched_param(0))
            done.append("idle scheduling class")
        except OSError as exc:
            _log.info("could not put the analysis in the idle scheduling class (%s)", exc.strerror)
    return ", ".join(done) or "normal priority"
