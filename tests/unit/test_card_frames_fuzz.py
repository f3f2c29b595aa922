"""Any byte stream, split anyhow, gives only valid items or defined errors: no exception, no hang."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.card_frames import (
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
    encode_pn532,
    encode_rdm6300,
)
from hardware.card_pn532 import Pn532Error, parse_targets

pytestmark = pytest.mark.timeout(120)

chunks = st.lists(st.binary(max_size=64), max_size=40)
# Bytes biased towards the ones that mean something on these wires.
wire_bytes = st.lists(
    st.sampled_from([0x00, 0xFF, 0xD4, 0xD5, 0x02, 0x03, 0x0A, 0x0D, 0x41, 0x30, 0x7F]) | st.integers(0, 255),
    max_size=400,
).map(bytes)


def _feed_all(decoder, parts):
    items = []
    for part in parts:
        items += decoder.feed(part)
    return items


@settings(max_examples=400, deadline=500)
@given(chunks)
def test_pn532_decoder_any_input(parts):
    decoder = Pn532Decoder()
    for item in _feed_all(decoder, parts):
        assert isinstance(item, (Ack, Nak, ErrorFrame, Pn532Frame, FrameError))
        if isinstance(item, Pn532Frame):
            assert item.tfi in (0xD4, 0xD5)
    assert len(decoder._buf) <= decoder.MAX_BUFFER


@settings(max_examples=300, deadline=500)
@given(wire_bytes, st.integers(1, 50))
def test_pn532_decoder_biased_stream_split(stream, size):
    parts = [stream[i : i + size] for i in range(0, len(stream), size)]
    whole = Pn532Decoder().feed(stream)
    assert all(isinstance(i, (Ack, Nak, ErrorFrame, Pn532Frame, FrameError)) for i in whole)
    # How the bytes were split must not change what comes out.
    assert _feed_all(Pn532Decoder(), parts) == whole


@settings(max_examples=300, deadline=500)
@given(st.binary(max_size=80).map(lambda b: b.replace(b"\x00", b"")), st.binary(min_size=1, max_size=40))
def test_pn532_frame_found_after_noise(noise, payload):
    # Noise without a 00 byte can never look like a start code, so the frame must come through.
    items = Pn532Decoder().feed(noise + encode_pn532(0xD5, payload))
    assert items[-1] == Pn532Frame(0xD5, payload)


@settings(max_examples=400, deadline=500)
@given(chunks)
def test_rdm6300_decoder_any_input(parts):
    for item in _feed_all(Rdm6300Decoder(), parts):
        assert isinstance(item, (Rdm6300Frame, FrameError))
        if isinstance(item, Rdm6300Frame):
            assert len(item.uid) == 10 and item.uid == item.uid.upper()


@settings(max_examples=200, deadline=500)
@given(st.binary(max_size=60).map(lambda b: b.replace(b"\x02", b"")), st.binary(min_size=5, max_size=5))
def test_rdm6300_frame_found_after_noise(noise, data):
    items = Rdm6300Decoder().feed(noise + encode_rdm6300(data.hex()))
    assert items[-1] == Rdm6300Frame(data.hex().upper())


@settings(max_examples=400, deadline=500)
@given(chunks)
def test_line_decoder_any_input(parts):
    for item in _feed_all(LineDecoder(), parts):
        assert isinstance(item, (LineId, FrameError))
        if isinstance(item, LineId):
            assert all(c in "0123456789ABCDEF" for c in item.uid) and len(item.uid) >= 4


@settings(max_examples=400, deadline=500)
@given(st.binary(max_size=64))
def test_target_list_parser_raises_only_its_own_error(data):
    try:
        targets = parse_targets(data)
    except Pn532Error:
        return
    for target in targets:
        assert len(target.uid) in (4, 7, 10)
