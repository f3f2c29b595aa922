"""QuietLogger.exception: a failure that repeats logs its traceback once, then a line a minute."""

from __future__ import annotations

import logging

from kiosk.log import QuietLogger

_log = logging.getLogger("tests.quiet")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fail(quiet: QuietLogger, error: Exception) -> None:
    try:
        raise error
    except Exception:
        quiet.exception("the pass failed")


def test_a_repeating_failure_logs_its_traceback_once_then_a_summary_a_minute(caplog):
    clock = Clock()
    quiet = QuietLogger(_log, clock=clock)
    with caplog.at_level(logging.DEBUG, logger="tests.quiet"):
        for _ in range(30):  # 30 passes in 30 s
            fail(quiet, OSError("the disk is gone"))
            clock.now += 1.0
        assert len(caplog.records) == 1
        for _ in range(31):
            fail(quiet, OSError("the disk is gone"))
            clock.now += 1.0
    first, summary = caplog.records
    assert first.levelno == logging.ERROR and first.exc_info is not None and first.getMessage() == "the pass failed"
    assert summary.levelno == logging.ERROR and summary.exc_info is None  # keeps health's last_error fresh
    assert summary.getMessage() == "the pass failed again, 60 times in the last 60 s (OSError: the disk is gone)"


def test_another_failure_gets_its_own_traceback_and_the_end_is_told_once(caplog):
    quiet = QuietLogger(_log, clock=Clock())
    with caplog.at_level(logging.DEBUG, logger="tests.quiet"):
        fail(quiet, OSError("the disk is gone"))
        fail(quiet, OSError("the disk is gone"))
        fail(quiet, KeyError("a key"))
    assert [r.exc_info is not None for r in caplog.records] == [True, True]
    assert quiet.clear() and not quiet.clear()
