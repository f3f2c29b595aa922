"""The whole reader loop fed random bytes: it never raises, never hangs, reports only valid cards."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.card_frames import ACK_FRAME, encode_rdm6300, encode_response
from hardware.card_reader_serial import ReaderSettings, SerialCardReader
from hardware.card_tap import CardEvent, ReaderState

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


class NoisyPort:
    """A serial port whose device sends ``stream`` and answers each write with the next reply."""

    def __init__(self, stream: bytes, replies: list[bytes]):
        self.buf = bytearray(stream)
        self.replies = list(replies)
        self.baudrate = 0

    @property
    def in_waiting(self):
        return len(self.buf)

    def read(self, size=1):
        if not self.buf:
            time.sleep(0.005)
            return b""
        chunk, self.buf[:] = bytes(self.buf[:size]), self.buf[size:]
        return chunk

    def write(self, data):
        if self.replies:
            self.buf += self.replies.pop(0)
        return len(data)

    def reset_input_buffer(self):
        self.buf.clear()

    def close(self):
        pass


def run_reader(protocol, stream, replies, seconds=0.25):
    events = []
    reader = SerialCardReader(
        "fuzz://", ReaderSettings(protocol=protocol, response_timeout_s=0.03, reprobe_s=0.1, backoff_initial_s=0.02),
        opener=lambda url, baud: NoisyPort(stream, replies),
    )
    reader.start(events.append)
    time.sleep(seconds)
    started = time.monotonic()
    reader.stop()
    assert time.monotonic() - started < 2.0, "the reader did not stop promptly"
    for event in events:
        assert isinstance(event, (CardEvent, ReaderState))
        if isinstance(event, CardEvent):
            assert event.uid and all(c in "0123456789ABCDEF" for c in event.uid)
        else:
            # The catch-all for unexpected exceptions words its reason "card reader X failed (...)".
            assert " failed (" not in event.reason, event
    return events


replies = st.lists(st.binary(max_size=40) | st.sampled_from([ACK_FRAME, ACK_FRAME + encode_response(0x02, b"\x32\x01\x06\x07"),
                                                             ACK_FRAME + encode_response(0x4A, b"\x01\x01\x00\x04\x08\x04\x01\x02\x03\x04")]),
                   max_size=12)
common = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(st.binary(max_size=300), replies)
def test_pn532_loop_with_random_replies(stream, answers):
    run_reader("pn532", stream, answers)


@common
@given(st.binary(max_size=300), st.sampled_from(["rdm6300", "line", "auto"]))
def test_passive_and_auto_loops_with_random_bytes(stream, protocol):
    run_reader(protocol, stream, [])


def test_valid_frames_inside_noise_still_tap():
    stream = b"\x13\x02\x99" + encode_rdm6300("67003B51C6") + b"\xff\x00garbage\n" + encode_rdm6300("67003B51C6")
    events = run_reader("rdm6300", stream, [])
    taps = [e for e in events if isinstance(e, CardEvent) and e.kind == "tap"]
    assert [t.uid for t in taps] == ["67003B51C6"]
