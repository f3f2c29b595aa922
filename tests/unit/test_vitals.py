"""The vitals part keeps the last error logged anywhere in the kiosk, only while it runs."""

import logging

from kiosk.vitals import Vitals


def test_the_last_error_is_kept_and_counted_while_started():
    vitals = Vitals()
    log = logging.getLogger("kiosk.somewhere")
    log.error("before start: not counted")
    vitals.start()
    try:
        log.warning("a warning is not an error")
        log.error("camera %s: %s", "/dev/video0", "gone\nsecond line")
        assert vitals.errors.count == 1
        last = vitals.errors.last
        assert last.logger == "kiosk.somewhere" and last.message == "camera /dev/video0: gone" and last.at > 0
    finally:
        vitals.stop()
    log.error("after stop: not counted")
    assert vitals.errors.count == 1
    assert vitals.errors not in logging.getLogger().handlers
