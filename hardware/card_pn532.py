"""Talking to a PN532 NFC controller over HSU: commands, replies, cancel and resync.

A command is one frame; the PN532 first answers with an ACK (it understood) and later with the
reply frame. When the reply does not come in time the host cancels the command by sending an
ACK, as the PN532 user manual prescribes, and drops whatever partial input it holds so the next
command starts clean. A damaged reply is asked for again with a NAK (once). Noise between
frames is skipped by the decoder.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from hardware.card_frames import (
    ACK_FRAME,
    NAK_FRAME,
    PN532_TO_HOST,
    WAKE_UP,
    Ack,
    ErrorFrame,
    FrameError,
    Nak,
    Pn532Decoder,
    Pn532Frame,
    encode_command,
)

GET_FIRMWARE_VERSION = 0x02
SAM_CONFIGURATION = 0x14
RF_CONFIGURATION = 0x32
IN_LIST_PASSIVE_TARGET = 0x4A
IN_RELEASE = 0x52
BAUD_106_TYPE_A = 0x00
#: RFConfiguration item 5: MxRtyATR, MxRtyPSL, MxRtyPassiveActivation. Two activation tries
#: make InListPassiveTarget answer "no card" at once instead of waiting for one for ever.
MAX_RETRIES = bytes([0x05, 0xFF, 0x01, 0x01])
#: SAMConfiguration: normal mode (no SAM), virtual-card timeout 50 ms units × 20, IRQ used.
SAM_NORMAL = bytes([0x01, 0x14, 0x01])
UID_LENGTHS = (4, 7, 10)


class Pn532Error(Exception):
    """The PN532 did not answer as expected; the message says how."""


class Pn532Silent(Pn532Error):
    """Nothing acknowledged a command: no PN532 on the line, or it is asleep."""


class Pn532Timeout(Pn532Error):
    """The command was acknowledged but its reply did not come in time (it was cancelled)."""


class SerialPort(Protocol):
    """The part of a pyserial port the PN532 link uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def reset_input_buffer(self) -> None: ...


@dataclass(frozen=True)
class Firmware:
    """The GetFirmwareVersion reply."""

    ic: int
    version: int
    revision: int
    support: int

    def __str__(self) -> str:
        return f"PN5{self.ic:02X} firmware {self.version}.{self.revision}"


@dataclass(frozen=True)
class Target:
    """An ISO 14443-A card found by InListPassiveTarget."""

    number: int
    sens_res: bytes
    sel_res: int
    uid: bytes
    ats: bytes = b""

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper()


def parse_firmware(data: bytes) -> Firmware:
    """Decode the GetFirmwareVersion reply parameters (after the reply code)."""
    if len(data) != 4:
        raise Pn532Error(f"firmware reply has {len(data)} bytes, expected 4")
    return Firmware(*data)


def parse_targets(data: bytes) -> list[Target]:
    """Decode InListPassiveTarget reply parameters for 106 kbps type A cards."""
    if not data:
        raise Pn532Error("empty InListPassiveTarget reply")
    count, pos, targets = data[0], 1, []
    if count > 2:
        raise Pn532Error(f"reply lists {count} cards; a PN532 lists at most 2")
    for _ in range(count):
        if len(data) < pos + 5:
            raise Pn532Error("card entry cut short")
        number, sens_res, sel_res, uid_len = data[pos], data[pos + 1 : pos + 3], data[pos + 3], data[pos + 4]
        pos += 5
        if uid_len not in UID_LENGTHS:
            raise Pn532Error(f"card UID of {uid_len} bytes; ISO 14443-A UIDs have 4, 7 or 10")
        if len(data) < pos + uid_len:
            raise Pn532Error("card UID cut short")
        uid = data[pos : pos + uid_len]
        pos += uid_len
        ats = b""
        if sel_res & 0x20 and pos < len(data):  # ISO 14443-4 cards (phones) add their ATS
            ats_len = data[pos]
            if ats_len < 1 or len(data) < pos + ats_len:
                raise Pn532Error("card ATS cut short")
            ats, pos = data[pos + 1 : pos + ats_len], pos + ats_len
        targets.append(Target(number, bytes(sens_res), sel_res, bytes(uid), bytes(ats)))
    if pos != len(data):
        raise Pn532Error(f"{len(data) - pos} unexpected bytes after the card list")
    return targets


class Pn532Link:
    """Sends commands to a PN532 on an open serial port and waits for their replies."""

    def __init__(self, port: SerialPort, stop: threading.Event, ack_timeout_s: float = 0.3) -> None:
        self.port = port
        self.stop = stop
        self.ack_timeout_s = ack_timeout_s
        self.errors = 0  # damaged frames and noise seen, for health reporting
        self._decoder = Pn532Decoder()
        self._pending: list = []  # items read in the same chunk as an ACK, not yet handled

    def wake(self) -> None:
        """Send the HSU wake-up preamble and drop anything the PN532 said before."""
        self.port.write(WAKE_UP)
        self.port.reset_input_buffer()
        self._reset()

    def call(self, command: int, params: bytes = b"", timeout_s: float = 1.0) -> bytes:
        """Run one command; returns the reply parameters (after the reply code)."""
        frame = encode_command(command, params)
        self.port.write(frame)
        if not self._wait_ack(frame):
            raise Pn532Silent(f"no acknowledgement for command {command:02X}")
        deadline = time.monotonic() + timeout_s
        asked_again = False
        while time.monotonic() < deadline and not self.stop.is_set():
            for item in self._read():
                if isinstance(item, Pn532Frame):
                    if item.tfi == PN532_TO_HOST and item.command == command + 1:
                        return item.data[1:]
                    self.errors += 1  # a stale reply to an earlier, cancelled command
                elif isinstance(item, ErrorFrame):
                    raise Pn532Error(f"the PN532 rejected command {command:02X}")
                elif isinstance(item, FrameError):
                    self.errors += 1
                    if not asked_again:
                        asked_again = True
                        self.port.write(NAK_FRAME)
        self.cancel()
        raise Pn532Timeout(f"no reply to command {command:02X} within {timeout_s:g} s")

    def cancel(self) -> None:
        """Abort the pending command (an ACK from the host) and forget partial input."""
        self.port.write(ACK_FRAME)
        time.sleep(0.002)
        self.port.reset_input_buffer()
        self._reset()

    def _reset(self) -> None:
        self._decoder.reset()
        self._pending = []

    def _wait_ack(self, frame: bytes) -> bool:
        deadline = time.monotonic() + self.ack_timeout_s
        resent = False
        while time.monotonic() < deadline and not self.stop.is_set():
            items = self._read()
            for index, item in enumerate(items):
                if isinstance(item, Ack):
                    self._pending = items[index + 1 :]
                    return True
                if isinstance(item, Nak) and not resent:
                    resent = True
                    self.port.write(frame)
                elif isinstance(item, FrameError):
                    self.errors += 1
        return False

    def _read(self) -> list:
        if self._pending:
            items, self._pending = self._pending, []
            return items
        chunk = self.port.read(max(1, min(self.port.in_waiting, 512)))
        return self._decoder.feed(chunk) if chunk else []


def start_pn532(link: Pn532Link, timeout_s: float) -> Firmware:
    """Wake the PN532, check it is one, and set it up for quick polling."""
    last: Pn532Error | None = None
    for _ in range(3):  # the first command after power-up is sometimes lost while it wakes
        link.wake()
        try:
            firmware = parse_firmware(link.call(GET_FIRMWARE_VERSION, timeout_s=timeout_s))
            break
        except Pn532Error as exc:
            last = exc
    else:
        raise last or Pn532Silent("no answer")
    link.call(SAM_CONFIGURATION, SAM_NORMAL, timeout_s=timeout_s)
    try:
        link.call(RF_CONFIGURATION, MAX_RETRIES, timeout_s=timeout_s)
    except Pn532Error:
        pass  # some clones refuse it; polling then waits for a card and is cancelled instead
    return firmware


def poll_card(link: Pn532Link, timeout_s: float) -> Target | None:
    """Look for one ISO 14443-A card; None when there is none (or the wait was cancelled)."""
    try:
        data = link.call(IN_LIST_PASSIVE_TARGET, bytes([0x01, BAUD_106_TYPE_A]), timeout_s=timeout_s)
    except Pn532Timeout:
        return None  # a clone that ignores MaxRetries waits for a card; the wait was cancelled
    targets = parse_targets(data)
    return targets[0] if targets else None
