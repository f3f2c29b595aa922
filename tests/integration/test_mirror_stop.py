"""``kiosk run`` under Xvfb: a second Ctrl-C ends a slow stop at once; a SIGTERM lets it finish.

The mirror's network part is made slow to stop (``tests.integration.slow_stop``), as a part that
is slow to let go would make it; the first signal starts the clean stop.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.conftest import PYTHON, ui_env
from tests.integration.test_mirror_window import MirrorWindow

pytestmark = [pytest.mark.ui, pytest.mark.slow]

STOP_BOUND_S = 10.0  # a generous upper bound on anything here that is not the slow stop itself


class SlowStopMirror(MirrorWindow):
    """``kiosk run`` whose network part waits ``stop_s`` seconds before it stops (test hook only)."""

    def __init__(self, display, tmp, stop_s: float) -> None:
        super().__init__(display, tmp, 640, 360, library=tmp / "lib")
        self.stop_s = stop_s

    def __enter__(self) -> "SlowStopMirror":
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tests.integration.slow_stop", str(self.stop_s), "run", "--windowed",
             "--config", str(self.config), "--source", self.source, "--library", str(self.library)],
            env=ui_env(self.display), stdout=subprocess.DEVNULL, stderr=self.log.open("w"),
        )
        self.window_id = self._find_window()
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_BOUND_S)

    def stopping(self, first: int) -> None:
        """Send ``first`` and wait until the clean stop it starts is held up by the slow part."""
        self.proc.send_signal(first)
        deadline = time.monotonic() + STOP_BOUND_S
        while "slow stop: waiting" not in self.log.read_text():
            assert time.monotonic() < deadline and self.proc.poll() is None, self.log.read_text()
            time.sleep(0.05)


def test_a_second_ctrl_c_ends_the_mirrors_slow_stop_at_once(xvfb, tmp_path):
    with SlowStopMirror(xvfb, tmp_path, stop_s=600) as mirror:
        mirror.stopping(signal.SIGINT)
        mirror.proc.send_signal(signal.SIGINT)
        code = mirror.proc.wait(STOP_BOUND_S)
    said = mirror.log.read_text()
    assert code == 130, said
    forced = [line for line in said.splitlines() if "stopping now" in line]
    assert forced == ["kiosk: stopping now, without waiting for the mirror's parts to stop (the next start "
                      "finishes a take its shopper agreed to keep)"], said
    assert "Traceback" not in said and "slow stop: done" not in said, said


def test_a_sigterm_lets_the_mirrors_slow_stop_finish(xvfb, tmp_path):
    with SlowStopMirror(xvfb, tmp_path, stop_s=2) as mirror:
        mirror.stopping(signal.SIGTERM)
        mirror.proc.send_signal(signal.SIGTERM)
        code = mirror.proc.wait(STOP_BOUND_S)
    said = mirror.log.read_text()
    assert code == 0 and "slow stop: done" in said, said
    assert "stopping now" not in said and "Traceback" not in said, said
