"""PN532, RDM6300 and line framing against known frames, split anywhere, with noise."""

from __future__ import annotations

import pytest

from hardware.card_frames import (
    ACK_FRAME,
    ERROR_FRAME,
    NAK_FRAME,
    Ack,
    ErrorFrame,
    FrameError,
    LineDecoder,
    LineId,
    Nak,
    Pn532Decoder,
    Pn532Frame,
    Rdm6300Decoder,
    Rdm6300Frame,
    encode_command,
    encode_pn532,
    encode_rdm6300,
    encode_response,
    parse_line_id,
)

# InListPassiveTarget reply for a 7-byte NTAG UID 04 16 C6 C2 D7 38 81, as a PN532 sends it:
# preamble, start code, LEN 0F, LCS F1, TFI D5, 4B, NbTg 1, Tg 1, SENS_RES 0044, SEL_RES 00,
# NFCIDLength 7, the UID, DCS 61, postamble.
INLIST_REPLY = bytes.fromhex("0000FF0FF1D54B0101004400070416C6C2D7388161" "00")
INLIST_DATA = bytes.fromhex("4B0101004400070416C6C2D73881")
# RDM6300: STX, "67003B51C6", checksum "CB" (67^00^3B^51^C6), ETX.
RDM_FRAME = b"\x0267003B51C6CB\x03"
RDM_BROKEN = b"\x0267003B51C6CC\x03"


def test_known_inlist_reply_decodes():
    assert Pn532Decoder().feed(INLIST_REPLY) == [Pn532Frame(0xD5, INLIST_DATA)]


def test_encoder_produces_the_known_frame():
    assert encode_response(0x4A, INLIST_DATA[1:]) == INLIST_REPLY
    assert encode_pn532(0xD5, INLIST_DATA) == INLIST_REPLY


def test_get_firmware_version_command_bytes():
    # The frame every PN532 library sends: 00 00 FF 02 FE D4 02 2A 00.
    assert encode_command(0x02) == bytes.fromhex("0000FF02FED4022A00")


def test_ack_nak_and_error_frames():
    items = Pn532Decoder().feed(ACK_FRAME + NAK_FRAME + ERROR_FRAME)
    assert items == [Ack(), Nak(), ErrorFrame()]


@pytest.mark.parametrize("split", range(1, len(INLIST_REPLY)))
def test_frame_split_anywhere(split):
    decoder = Pn532Decoder()
    first = decoder.feed(INLIST_REPLY[:split])
    # The postamble is optional on the wire, so the frame is complete once its DCS arrived.
    assert first == ([] if split < len(INLIST_REPLY) - 1 else [Pn532Frame(0xD5, INLIST_DATA)])
    assert first + decoder.feed(INLIST_REPLY[split:]) == [Pn532Frame(0xD5, INLIST_DATA)]


def test_bad_data_checksum_is_reported_and_next_frame_found():
    broken = bytearray(INLIST_REPLY)
    broken[-2] ^= 0xFF
    items = Pn532Decoder().feed(bytes(broken) + ACK_FRAME)
    assert isinstance(items[0], FrameError) and "checksum" in items[0].reason
    assert items[-1] == Ack()


def test_bad_length_checksum_resyncs():
    items = Pn532Decoder().feed(bytes.fromhex("0000FF0FF0D5") + INLIST_REPLY)
    assert isinstance(items[0], FrameError) and "length" in items[0].reason
    assert items[-1] == Pn532Frame(0xD5, INLIST_DATA)


def test_noise_before_between_and_after_frames():
    noise = bytes([0x55, 0xFF, 0x13, 0x00, 0x37])
    items = Pn532Decoder().feed(noise + ACK_FRAME + noise + INLIST_REPLY + noise)
    assert [i for i in items if not isinstance(i, FrameError)] == [Ack(), Pn532Frame(0xD5, INLIST_DATA)]


def test_missing_postamble_is_tolerated():
    assert Pn532Decoder().feed(INLIST_REPLY[:-1] + ACK_FRAME) == [Pn532Frame(0xD5, INLIST_DATA), Ack()]


def test_extended_frame_round_trip():
    payload = bytes(range(256)) + b"\x01\x02"
    frame = encode_pn532(0xD5, payload)
    assert frame[3:5] == b"\xff\xff"
    assert Pn532Decoder().feed(frame) == [Pn532Frame(0xD5, payload)]


def test_unknown_frame_identifier_is_an_error():
    items = Pn532Decoder().feed(encode_pn532(0x42, b"\x01"))
    assert len(items) == 1 and "identifier" in items[0].reason


def test_rdm6300_known_frame():
    assert Rdm6300Decoder().feed(RDM_FRAME) == [Rdm6300Frame("67003B51C6")]
    assert encode_rdm6300("67003b51c6") == RDM_FRAME


def test_rdm6300_broken_checksum_is_dropped_with_reason():
    items = Rdm6300Decoder().feed(RDM_BROKEN)
    assert len(items) == 1 and isinstance(items[0], FrameError)
    assert "checksum CC, expected CB" in items[0].reason


def test_rdm6300_resyncs_after_truncated_frame_and_crlf():
    decoder = Rdm6300Decoder()
    items = decoder.feed(b"\x0267003B\r\n" + RDM_FRAME + b"\r\n" + RDM_FRAME[:5])
    assert isinstance(items[0], FrameError)
    assert items[1:] == [Rdm6300Frame("67003B51C6")]
    assert decoder.feed(RDM_FRAME[5:]) == [Rdm6300Frame("67003B51C6")]


def test_rdm6300_non_hex_and_overlong():
    assert isinstance(Rdm6300Decoder().feed(b"\x0267003B51CXCB\x03")[0], FrameError)
    assert isinstance(Rdm6300Decoder().feed(b"\x02" + b"1" * 20 + b"\x03")[0], FrameError)


@pytest.mark.parametrize(
    ("line", "uid"),
    [(b"04:16:c6:c2", "0416C6C2"), (b" 67003b51c6 ", "67003B51C6"), (b"04-A1-B2-C3-D4-E5-F6", "04A1B2C3D4E5F6")],
)
def test_line_ids(line, uid):
    assert parse_line_id(line) == LineId(uid)


def test_line_decoder_handles_crlf_and_rejects_junk():
    items = LineDecoder().feed(b"0416C6C2\r\n\r\nhello\n12\n" + b"A" * 100 + b"\n67003B51C6\n")
    assert items[0] == LineId("0416C6C2")
    assert [type(i) for i in items[1:4]] == [FrameError, FrameError, FrameError]
    assert items[-1] == LineId("67003B51C6")
