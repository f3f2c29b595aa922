"""Waiting for SIGTERM or SIGINT in a main thread that has nothing else to do (``kiosk serve``).

Why not ``threading.Event.wait()`` with a handler that sets the event: the kernel hands a signal
sent to the process to whichever of its threads can take it first, and Python only notes it
there; the handler runs later, in the main thread, when that thread runs Python code. A main
thread blocked on a lock is woken only when the signal lands on the main thread itself. When it
lands on another one (the network thread, the core's), the handler never runs and the process
ignores its stop for ever. A frozen process makes that the likely case: systemd's stop sends
SIGTERM, then SIGCONT; the signal waits while the process is stopped, and after SIGCONT the
first thread to run takes it, often not the main one (``kiosk serve`` frozen with a connection
waiting ignored 5 stops in 6 until systemd's ``TimeoutStopSec`` killed it).

So the handlers here do nothing but exist, and Python's signal wakeup fd does the waking: the
signal's C-level handler writes the signal's number to it from whichever thread took it, and
the main thread waits by reading the other end of that socket pair.
"""

from __future__ import annotations

import signal
import socket

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """SIGTERM and SIGINT are caught while inside ``with``; ``wait()`` returns when one came.

    Enter it in the main thread before starting the threads the stop must wait for, so that a
    stop sent during the start is neither lost nor the default (an exit without cleanup).
    """

    def __init__(self, signals: tuple[int, ...] = STOP_SIGNALS) -> None:
        self.signals = signals
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._previous: dict[int, object] = {}
        self._old_wakeup = -1

    def __enter__(self) -> StopSignals:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)  # the C handler must never block on a full socket
        self._old_wakeup = signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, _noted) for sig in self.signals}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._old_wakeup)
        self._wake_r.close()
        self._wake_w.close()

    def wait(self) -> int:
        """Block until one of the signals arrives (or arrived since ``with``), whichever thread took it."""
        while True:
            for signum in self._wake_r.recv(64):  # other signals with a Python handler wake it too
                if signum in self.signals:
                    return signum


def _noted(signum, frame) -> None:
    """Caught, so that the signal does not end the process; the wakeup fd tells ``wait()``."""
