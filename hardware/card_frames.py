"""Byte-level framing of the serial card readers, as pure encoders and streaming decoders.

Three wire formats:

- PN532 over HSU (UART): ``00 00 FF LEN LCS TFI PD... DCS 00`` where ``LEN + LCS`` and
  ``TFI + PD... + DCS`` are 0 modulo 256; extended frames (``00 00 FF FF FF LENM LENL LCS``);
  ACK ``00 00 FF 00 FF 00``, NAK ``00 00 FF FF 00 00`` and the error frame
  ``00 00 FF 01 FF 7F 81 00``.
- RDM6300-style 125 kHz readers: STX, 10 ASCII hex data (5 bytes), 2 ASCII hex checksum (XOR of
  the 5 data bytes), ETX.
- Line readers: one ID per line, hex digits with optional ``:``/``-``/space separators.

Decoders take whatever bytes arrived (any split, any noise) and return complete items; a damaged
frame becomes a ``FrameError`` item, never an exception, and the decoder resynchronises on the
next start code. Buffers are bounded so a stream of garbage cannot grow memory.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

HOST_TO_PN532 = 0xD4
PN532_TO_HOST = 0xD5
ACK_FRAME = bytes.fromhex("0000FF00FF00")
NAK_FRAME = bytes.fromhex("0000FFFF0000")
ERROR_FRAME = bytes.fromhex("0000FF01FF7F8100")
#: HSU wake-up: 0x55 pulses wake the PN532, the zeros give it time before the first command.
WAKE_UP = bytes.fromhex("5555") + bytes(14)

_START = b"\x00\xff"
_HEX = frozenset(string.hexdigits.encode())
STX, ETX = 0x02, 0x03


@dataclass(frozen=True)
class FrameError:
    """A damaged or unexpected frame was skipped; ``reason`` says what was wrong."""

    reason: str


@dataclass(frozen=True)
class Ack:
    """The PN532 accepted a command."""


@dataclass(frozen=True)
class Nak:
    """The other side asks for the last frame again."""


@dataclass(frozen=True)
class ErrorFrame:
    """The PN532's application-level error frame (a syntax error in the host's frame)."""


@dataclass(frozen=True)
class Pn532Frame:
    """A normal information frame: ``tfi`` (D4 host→PN532, D5 PN532→host) and its payload."""

    tfi: int
    data: bytes

    @property
    def command(self) -> int:
        """The command code (the first data byte), or -1 for an empty frame."""
        return self.data[0] if self.data else -1


Pn532Item = Ack | Nak | ErrorFrame | Pn532Frame | FrameError


def encode_pn532(tfi: int, data: bytes) -> bytes:
    """Encode one information frame, extended when the payload needs it."""
    body = bytes([tfi]) + bytes(data)
    if len(body) > 0xFFFF - 1:
        raise ValueError("PN532 frame too long")
    dcs = -sum(body) & 0xFF
    if len(body) < 0xFF:
        head = bytes([0x00, 0x00, 0xFF, len(body), -len(body) & 0xFF])
    else:
        hi, lo = len(body) >> 8, len(body) & 0xFF
        head = bytes([0x00, 0x00, 0xFF, 0xFF, 0xFF, hi, lo, -(hi + lo) & 0xFF])
    return head + body + bytes([dcs, 0x00])


def encode_command(command: int, params: bytes = b"") -> bytes:
    """A host→PN532 command frame."""
    return encode_pn532(HOST_TO_PN532, bytes([command]) + bytes(params))


def encode_response(command: int, params: bytes = b"") -> bytes:
    """A PN532→host response frame; ``command`` is the request code (the reply is code + 1)."""
    return encode_pn532(PN532_TO_HOST, bytes([command + 1]) + bytes(params))


class Pn532Decoder:
    """Splits a PN532 byte stream into frames; resynchronises on ``00 FF`` after noise."""

    #: The PN532 never sends more than 264 data bytes; a longer "frame" is noise.
    MAX_LENGTH = 300
    MAX_BUFFER = 2 * MAX_LENGTH

    def __init__(self) -> None:
        self._buf = bytearray()

    def reset(self) -> None:
        """Forget partial input (after a cancel or a reconnect)."""
        self._buf.clear()

    def feed(self, chunk: bytes) -> list[Pn532Item]:
        """Append ``chunk`` and return every complete item it finished."""
        self._buf += chunk
        items: list[Pn532Item] = []
        while True:
            item, consumed = self._next()
            if consumed:
                del self._buf[:consumed]
            if item is None:
                if not consumed:
                    break
                continue
            items.append(item)
        if len(self._buf) > self.MAX_BUFFER:
            del self._buf[: len(self._buf) - self.MAX_BUFFER]
        return items

    def _next(self) -> tuple[Pn532Item | None, int]:
        """One step: (item or None, bytes to drop); (None, 0) means wait for more input."""
        buf = self._buf
        start = buf.find(_START)
        if start < 0:
            # Keep a trailing 00: it may be the first half of the next start code.
            keep = 1 if buf[-1:] == b"\x00" else 0
            return None, len(buf) - keep
        if start:
            return None, start
        if len(buf) < 4:
            return None, 0
        length, lcs = buf[2], buf[3]
        if (length, lcs) == (0x00, 0xFF):
            return Ack(), 4 + _postamble(buf, 4)
        if (length, lcs) == (0xFF, 0x00):
            return Nak(), 4 + _postamble(buf, 4)
        if (length, lcs) == (0xFF, 0xFF):
            return self._extended()
        if (length + lcs) & 0xFF:
            return FrameError(f"bad length checksum (LEN {length:02X}, LCS {lcs:02X})"), 2
        return self._body(4, length)

    def _extended(self) -> tuple[Pn532Item | None, int]:
        buf = self._buf
        if len(buf) < 7:
            return None, 0
        hi, lo, lcs = buf[4], buf[5], buf[6]
        if (hi + lo + lcs) & 0xFF:
            return FrameError("bad extended length checksum"), 2
        if (hi << 8 | lo) > self.MAX_LENGTH:
            return FrameError("extended frame longer than a PN532 sends"), 2
        return self._body(7, hi << 8 | lo)

    def _body(self, offset: int, length: int) -> tuple[Pn532Item | None, int]:
        buf = self._buf
        if length == 0:
            return FrameError("empty frame"), offset
        end = offset + length + 1  # data plus DCS
        if len(buf) < end:
            return None, 0
        body = bytes(buf[offset : end - 1])
        if (sum(body) + buf[end - 1]) & 0xFF:
            return FrameError("bad data checksum"), 2
        consumed = end + _postamble(buf, end)
        if body == b"\x7f":
            return ErrorFrame(), consumed
        if body[0] not in (HOST_TO_PN532, PN532_TO_HOST):
            return FrameError(f"unknown frame identifier {body[0]:02X}"), consumed
        return Pn532Frame(body[0], body[1:]), consumed


def _postamble(buf: bytearray, at: int) -> int:
    """1 when a postamble 00 follows at ``at`` (it is optional on the wire), else 0."""
    return 1 if buf[at : at + 1] == b"\x00" else 0


# -- RDM6300 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rdm6300Frame:
    """A valid 125 kHz card frame; ``uid`` is the 10 hex characters of the 5 data bytes."""

    uid: str


def rdm6300_checksum(data: bytes) -> int:
    """XOR of the data bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_rdm6300(uid: str, checksum: int | None = None) -> bytes:
    """The frame an RDM6300 sends for a 5-byte ``uid``; ``checksum`` overrides it (tests)."""
    data = bytes.fromhex(uid)
    if len(data) != 5:
        raise ValueError("an RDM6300 card number is 5 bytes (10 hex digits)")
    check = rdm6300_checksum(data) if checksum is None else checksum
    return bytes([STX]) + f"{data.hex().upper()}{check:02X}".encode() + bytes([ETX])


class Rdm6300Decoder:
    """Splits an RDM6300 byte stream into frames; anything outside STX…ETX is ignored."""

    FRAME_BODY = 12  # 10 data + 2 checksum characters

    def __init__(self) -> None:
        self._body: bytearray | None = None

    def reset(self) -> None:
        self._body = None

    def feed(self, chunk: bytes) -> list[Rdm6300Frame | FrameError]:
        items: list[Rdm6300Frame | FrameError] = []
        for byte in chunk:
            if byte == STX:
                if self._body:
                    items.append(FrameError("frame cut short by a new start"))
                self._body = bytearray()
            elif self._body is None:
                continue  # noise between frames, or the CR/LF some clones append
            elif byte == ETX:
                items.append(_rdm6300_item(bytes(self._body)))
                self._body = None
            elif len(self._body) >= self.FRAME_BODY:
                items.append(FrameError("frame too long"))
                self._body = None
            else:
                self._body.append(byte)
        return items


def _rdm6300_item(body: bytes) -> Rdm6300Frame | FrameError:
    if len(body) != Rdm6300Decoder.FRAME_BODY:
        return FrameError(f"frame has {len(body)} characters, expected 12")
    if not all(b in _HEX for b in body):
        return FrameError("frame has characters that are not hex digits")
    raw = bytes.fromhex(body.decode("ascii"))
    data, check = raw[:5], raw[5]
    if rdm6300_checksum(data) != check:
        return FrameError(f"bad checksum {check:02X}, expected {rdm6300_checksum(data):02X}")
    return Rdm6300Frame(data.hex().upper())


# -- line readers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LineId:
    """One ID read from a line reader, normalised to uppercase hex without separators."""

    uid: str


class LineDecoder:
    """Splits a stream into lines (CR, LF or both) and keeps those that are card IDs."""

    MAX_LINE = 64
    MIN_DIGITS = 4

    def __init__(self) -> None:
        self._line = bytearray()
        self._overflow = False

    def reset(self) -> None:
        self._line.clear()
        self._overflow = False

    def feed(self, chunk: bytes) -> list[LineId | FrameError]:
        items: list[LineId | FrameError] = []
        for byte in chunk:
            if byte in (0x0A, 0x0D):
                if self._overflow:
                    items.append(FrameError(f"line longer than {self.MAX_LINE} characters"))
                elif self._line:
                    items.append(parse_line_id(bytes(self._line)))
                self.reset()
            elif len(self._line) >= self.MAX_LINE:
                self._overflow = True
            else:
                self._line.append(byte)
        return items


def parse_line_id(line: bytes) -> LineId | FrameError:
    """A line such as ``04:16:C6:C2`` or ``67003b51c6`` as a card ID, or why it is not one."""
    text = line.strip(b" \t").translate(None, b":- ")
    if not text:
        return FrameError("empty line")
    if not all(b in _HEX for b in text):
        return FrameError("line is not a hexadecimal card ID")
    if len(text) < LineDecoder.MIN_DIGITS:
        return FrameError(f"card ID shorter than {LineDecoder.MIN_DIGITS} digits")
    return LineId(text.decode("ascii").upper())
