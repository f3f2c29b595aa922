"""A reader whose port opens but fails every read is one outage: said once, backed off, never "works again"."""

from __future__ import annotations

import logging
import threading
import time

from hardware.card_reader_serial import ReaderSettings, SerialCardReader
from hardware.card_tap import ReaderState
from tests.integration.faults.waiting import wait_until


class FlakyPort:
    """Opens fine; every read fails while ``broken`` is set, else yields an ID line once, then silence."""

    baudrate = 9600
    in_waiting = 0

    def __init__(self, reader_ok: threading.Event) -> None:
        self.reader_ok = reader_ok
        self.sent = False

    def read(self, n):
        if not self.reader_ok.is_set():
            raise OSError(5, "Input/output error")
        if not self.sent:
            self.sent = True
            return b"0012345678\r\n"
        time.sleep(0.02)
        return b""

    def close(self):
        pass


def changes(states):
    """The reader's connected/unavailable story, each change once (what the screen and health follow)."""
    story = []
    for state in (s.state for s in states if s.state in ("connected", "unavailable")):
        if not story or story[-1] != state:
            story.append(state)
    return story


def test_a_port_that_opens_and_fails_every_read_is_one_outage(caplog):
    caplog.set_level(logging.DEBUG, logger="hardware.card_reader_serial")
    reader_ok, opens, states = threading.Event(), [], []

    def opener(port, baudrate):
        opens.append(time.monotonic())
        return FlakyPort(reader_ok)

    settings = ReaderSettings(protocol="line", backoff_initial_s=0.05, backoff_max_s=0.4, healthy_s=30.0)
    reader = SerialCardReader("/dev/ttyFAKE", settings, opener=opener)
    reader.start(lambda event: states.append(event) if isinstance(event, ReaderState) else None)
    try:
        wait_until(lambda: len(opens) >= 6, "len(opens) >= 6", 10, every=0.01)
        gaps = [b - a for a, b in zip(opens, opens[1:])]
        assert gaps[-1] >= 0.3, f"the backoff grows while every connection fails at once: {gaps}"
        assert changes(states) == ["connected", "unavailable"], "connected once at start, then one outage"
        logged = [r for r in caplog.records if r.levelno >= logging.INFO]
        assert [r.levelname for r in logged] == ["INFO", "WARNING"]
        # A good frame ends the outage: announced once, the journal says so.
        reader_ok.set()
        wait_until(lambda: states[-1].state == "connected" and states[-1].protocol == "line", "states[-1].state == 'connected' and states[-1].protocol == 'line'", 10, every=0.01)
        assert changes(states) == ["connected", "unavailable", "connected"]
        assert [r.levelname for r in caplog.records if r.levelno >= logging.INFO][-1] == "INFO"
    finally:
        reader.stop()
