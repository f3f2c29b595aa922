"""``kiosk`` whose network part is slow to stop: it waits STOP_S seconds before stopping (test hook only).

``python -m tests.integration.slow_stop STOP_S serve …`` runs the real ``kiosk serve``. When the
network part's stop begins, it writes ``slow stop: waiting`` on stderr, so a test knows the kiosk
is stopping; ``slow stop: done`` once that part has stopped after all. The wait is in the main
thread, as a part that is slow to let go would hold it. The product has no such hook.
"""

from __future__ import annotations

import sys
import time

from kiosk.cli import main
from kiosk.net.service import NetService

if __name__ == "__main__":
    stop_s = float(sys.argv[1])
    real_stop = NetService.stop

    def slow_stop(self) -> None:
        print("slow stop: waiting", file=sys.stderr, flush=True)
        time.sleep(stop_s)
        real_stop(self)
        print("slow stop: done", file=sys.stderr, flush=True)

    NetService.stop = slow_stop
    sys.exit(main(sys.argv[2:]))
