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

``InterruptEndsStop`` uses the same wakeup fd while the kiosk stops: the main thread is then
busy stopping (joining threads), so a thread of its own reads the socket, and a second Ctrl-C
(SIGINT) ends the process at once, as uvicorn and docker do. SIGTERM keeps its clean stop: under
systemd a stop that takes too long is ended by SIGKILL after ``TimeoutStopSec``. Ending without
the rest of the stop loses nothing that was committed: the databases and the look files are
crash-safe (docs/STORAGE.md, "After a crash").
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading

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


class InterruptEndsStop:
    """While inside ``with`` (the kiosk stopping), a SIGINT ends the process at once with status 130.

    ``waiting_for`` says in words what is left undone ("the mirror's parts to stop"). A SIGTERM
    meanwhile changes nothing: the clean stop goes on.
    """

    def __init__(self, waiting_for: str) -> None:
        self.waiting_for = waiting_for
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._previous: object = None
        self._old_wakeup = -1
        self._watch: threading.Thread | None = None

    def __enter__(self) -> InterruptEndsStop:
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)  # the C handler must never block on a full socket
        self._old_wakeup = signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        self._previous = signal.signal(signal.SIGINT, _noted)
        self._watch = threading.Thread(target=self._watch_signals, name="stop-interrupt", daemon=True)
        self._watch.start()
        return self

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self._previous)
        signal.set_wakeup_fd(self._old_wakeup)
        self._wake_w.send(bytes([_DONE]))  # the stop ended in time: the watch ends
        self._watch.join()
        self._wake_r.close()
        self._wake_w.close()

    def _watch_signals(self) -> None:
        while True:
            for signum in self._wake_r.recv(64):
                if signum == _DONE:
                    return
                if signum == signal.SIGINT:
                    print(f"kiosk: stopping now, without waiting for {self.waiting_for}", file=sys.stderr, flush=True)
                    os._exit(130)  # the rest of the stop is not waited for; what was committed is on disk


_DONE = 0  # no signal has the number 0: the byte that tells the watch the stop is over
