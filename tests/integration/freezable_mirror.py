"""``kiosk`` with a test-only way to freeze its UI thread: SIGUSR1 blocks the main (UI) thread.

``python -m tests.integration.freezable_mirror FREEZE_S run …`` runs the real ``kiosk run``.
Python runs signal handlers on the main thread, which is Qt's UI thread, between two events:
the handler sleeps there for FREEZE_S seconds (releasing the GIL, so every other thread goes
on), exactly like a UI thread stuck in a long call. The product has no such hook.
"""

from __future__ import annotations

import signal
import sys
import time

from kiosk.cli import main

if __name__ == "__main__":
    freeze_s = float(sys.argv[1])
    signal.signal(signal.SIGUSR1, lambda *_: time.sleep(freeze_s))
    sys.exit(main(sys.argv[2:]))
