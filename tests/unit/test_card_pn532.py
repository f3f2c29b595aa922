"""The PN532 dialogue: replies, ACK-cancelled timeouts, NAK resends, error frames, UID lengths."""

from __future__ import annotations

import threading
import time

import pytest

from hardware.card_frames import ACK_FRAME, ERROR_FRAME, NAK_FRAME, encode_response
from hardware.card_pn532 import (
    Firmware,
    Pn532Error,
    Pn532Link,
    Pn532Silent,
    Pn532Timeout,
    parse_targets,
    poll_card,
    start_pn532,
)


class ScriptedPort:
    """A serial port whose device answers each written frame from a script."""

    def __init__(self, answer):
        self.answer = answer  # bytes written -> bytes the device sends back
        self.incoming = bytearray()
        self.written: list[bytes] = []

    @property
    def in_waiting(self) -> int:
        return len(self.incoming)

    def read(self, size: int = 1) -> bytes:
        if not self.incoming:
            time.sleep(0.002)  # like a serial read timeout
            return b""
        chunk, self.incoming[:] = bytes(self.incoming[:size]), self.incoming[size:]
        return chunk

    def write(self, data: bytes) -> int:
        self.written.append(bytes(data))
        self.incoming += self.answer(bytes(data))
        return len(data)

    def reset_input_buffer(self) -> None:
        self.incoming.clear()


def link_for(answer) -> tuple[Pn532Link, ScriptedPort]:
    port = ScriptedPort(answer)
    return Pn532Link(port, threading.Event(), ack_timeout_s=0.05), port


def test_targets_for_4_7_and_10_byte_uids():
    for uid, sens in ((bytes.fromhex("DEADBEEF"), b"\x00\x04"), (bytes.fromhex("0416C6C2D73881"), b"\x00\x44"),
                      (bytes(range(1, 11)), b"\x00\x84")):
        (target,) = parse_targets(b"\x01\x01" + sens + bytes([0x00, len(uid)]) + uid)
        assert target.uid == uid and target.uid_hex == uid.hex().upper()


def test_target_with_ats_from_a_phone():
    uid = bytes.fromhex("08123456")
    ats = bytes.fromhex("7877800280")
    (target,) = parse_targets(b"\x01\x01\x00\x04\x20\x04" + uid + bytes([len(ats) + 1]) + ats)
    assert target.uid == uid and target.ats == ats


@pytest.mark.parametrize(
    "data",
    [b"", b"\x03", b"\x01\x01\x00\x44\x00\x05\x01\x02\x03\x04\x05", b"\x01\x01\x00\x44\x00\x07\x04\x16", b"\x00\x99"],
)
def test_malformed_target_lists(data):
    with pytest.raises(Pn532Error):
        parse_targets(data)


def test_reply_in_same_chunk_as_ack_is_not_lost():
    link, port = link_for(lambda frame: ACK_FRAME + encode_response(0x02, b"\x32\x01\x06\x07"))
    assert link.call(0x02) == b"\x32\x01\x06\x07"


def test_timeout_is_cancelled_with_an_ack():
    link, port = link_for(lambda frame: ACK_FRAME if frame != ACK_FRAME else b"")
    with pytest.raises(Pn532Timeout):
        link.call(0x4A, b"\x01\x00", timeout_s=0.05)
    assert port.written[-1] == ACK_FRAME


def test_poll_timeout_means_no_card():
    link, port = link_for(lambda frame: ACK_FRAME if frame != ACK_FRAME else b"")
    assert poll_card(link, timeout_s=0.05) is None
    assert port.written[-1] == ACK_FRAME


def test_silent_device():
    link, _ = link_for(lambda frame: b"")
    with pytest.raises(Pn532Silent):
        link.call(0x02)


def test_damaged_reply_is_asked_for_again_with_a_nak():
    good = encode_response(0x02, b"\x32\x01\x06\x07")
    bad = bytearray(good)
    bad[-2] ^= 0x01

    def answer(frame):
        if frame == NAK_FRAME:
            return good
        return ACK_FRAME + bytes(bad)

    link, port = link_for(answer)
    assert link.call(0x02) == b"\x32\x01\x06\x07"
    assert NAK_FRAME in port.written and link.errors == 1


def test_nak_from_device_resends_the_command():
    sent = []

    def answer(frame):
        sent.append(frame)
        return NAK_FRAME if len(sent) == 1 else ACK_FRAME + encode_response(0x14)

    link, port = link_for(answer)
    assert link.call(0x14, b"\x01\x14\x01") == b""
    assert port.written[0] == port.written[1]


def test_error_frame_raises():
    link, _ = link_for(lambda frame: ACK_FRAME + ERROR_FRAME)
    with pytest.raises(Pn532Error, match="rejected"):
        link.call(0x99)


def test_stale_reply_and_noise_are_skipped():
    reply = encode_response(0x4A, b"\x00")
    link, _ = link_for(lambda f: ACK_FRAME + b"\x13\x37" + encode_response(0x02, b"1234") + b"\xff" + reply)
    assert poll_card(link, timeout_s=0.2) is None
    assert link.errors >= 1


def test_start_wakes_and_configures():
    def answer(frame):
        if frame.startswith(b"\x55"):
            return b""
        code = frame[6]
        return ACK_FRAME + encode_response(code, b"\x32\x01\x06\x07" if code == 0x02 else b"")

    link, port = link_for(answer)
    assert start_pn532(link, 0.2) == Firmware(0x32, 1, 6, 7)
    assert port.written[0].startswith(b"\x55\x55\x00")
    assert [w[6] for w in port.written[1:]] == [0x02, 0x14, 0x32]
