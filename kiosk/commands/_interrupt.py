"""SIGTERM ends a command the way Ctrl-C does (``KeyboardInterrupt``), so it cleans up the same."""

from __future__ import annotations

import signal
import threading


def stop_on_sigterm() -> None:
    """From now on a service manager's SIGTERM raises ``KeyboardInterrupt`` in the main thread."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
