"""Simulated card readers on a pseudo-terminal, for tests, demos and checking a kiosk.

``CardReaderSim`` opens a pty and behaves like the real device on it: the PN532 sleeps until
the HSU wake-up, acknowledges every command frame, answers GetFirmwareVersion,
SAMConfiguration, RFConfiguration and InListPassiveTarget (honouring MaxRetries: with the
default infinite retries it waits for a card until the host cancels with an ACK), resends on a
NAK and rejects unknown commands with the error frame. The RDM6300 repeats its frame while a
card is held; a line reader sends one line per tap. ``unplug``/``plug`` close the pty and open a
new one, re-pointing the optional ``link`` symlink like ``/dev/serial/by-id`` does.

The pty's slave side is closed here, so the master reports a hang-up while no program has the
port open; that is how the simulator knows a reader program is listening.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty

from hardware.card_frames import (
    ACK_FRAME,
    ERROR_FRAME,
    HOST_TO_PN532,
    Ack,
    Nak,
    Pn532Decoder,
    Pn532Frame,
    encode_rdm6300,
    encode_response,
)

_log = logging.getLogger(__name__)

SIM_PROTOCOLS = ("pn532", "rdm6300", "line")
FIRMWARE = bytes([0x32, 0x01, 0x06, 0x07])  # PN532, firmware 1.6, ISO 14443-A/B and 18092
# ATQA/SENS_RES and SAK/SEL_RES of typical cards for each UID length.
_CARD_TYPES = {4: (b"\x00\x04", 0x08), 7: (b"\x00\x44", 0x00), 10: (b"\x00\x84", 0x00)}


def check_sim_uid(protocol: str, uid: str) -> str:
    """The UID normalised for ``protocol``; ValueError with a plain reason when it cannot be one."""
    text = uid.replace(":", "").replace("-", "").strip().upper()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"card UID {uid!r} is not hexadecimal") from None
    if protocol == "pn532" and len(raw) not in _CARD_TYPES:
        raise ValueError(f"card UID {uid!r}: a PN532 card UID has 4, 7 or 10 bytes")
    if protocol == "rdm6300" and len(raw) != 5:
        raise ValueError(f"card UID {uid!r}: an RDM6300 card number has 5 bytes (10 hex digits)")
    if len(raw) < 2:
        raise ValueError(f"card UID {uid!r} is too short")
    return text


class CardReaderSim:
    """A simulated reader behind a pseudo-terminal; ``start`` opens it and runs its thread."""

    def __init__(
        self, protocol: str, link: str | None = None, repeat_s: float = 0.15, ignores_max_retries: bool = False
    ) -> None:
        if protocol not in SIM_PROTOCOLS:
            raise ValueError(f"no simulator for protocol {protocol!r}")
        self.protocol = protocol
        self.link = link
        self.repeat_s = repeat_s
        self.ignores_max_retries = ignores_max_retries  # like clones: polls wait for a card until cancelled
        self.cancels = 0  # PN532 commands the host cancelled with an ACK, for tests
        self.pty_path: str | None = None
        self.commands: list[int] = []  # PN532 command codes received, for tests
        self.connected = threading.Event()  # a program has the port open (and, PN532: polls)
        self._lock = threading.Lock()  # guards the card, the master fd and the schedule
        self._master: int | None = None
        self._card: str | None = None
        self._remove_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reset_device()

    @property
    def path(self) -> str:
        """The name a reader program opens: the link when there is one, else the pty."""
        return self.link or self.pty_path or ""

    def start(self) -> str:
        self.plug()
        self._thread = threading.Thread(target=self._run, name="reader-sim", daemon=True)
        self._thread.start()
        return self.path

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3.0)
            self._thread = None
        self.unplug()

    # -- what a person does with the reader --------------------------------------------------

    def check_uid(self, uid: str) -> str:
        """``uid`` normalised for this reader type; ValueError with a plain reason otherwise."""
        return check_sim_uid(self.protocol, uid)

    def present(self, uid: str) -> None:
        """Hold a card on the reader until ``remove``."""
        uid = check_sim_uid(self.protocol, uid)
        with self._lock:
            self._card, self._remove_at, self._next_repeat = uid, None, 0.0
            self._line_sent = False

    def tap(self, uid: str, hold_s: float = 0.8) -> None:
        """Hold a card on the reader for ``hold_s`` seconds."""
        self.present(uid)
        with self._lock:
            self._remove_at = time.monotonic() + hold_s

    def remove(self) -> None:
        with self._lock:
            self._card, self._remove_at = None, None

    def noise(self, data: bytes) -> None:
        """Put raw bytes on the line (electrical noise, a half-sent frame)."""
        self._write(data)

    def plug(self) -> str:
        """Open a fresh pseudo-terminal (a reader plugged in); returns the path to open."""
        if self._master is not None:
            self.unplug()
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo or newline translation before the reader program sets its own
        pty_path = os.ttyname(slave)
        os.close(slave)
        if self.link:
            tmp = f"{self.link}.new"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(pty_path, tmp)
            os.replace(tmp, self.link)
        with self._lock:
            self._master, self.pty_path = master, pty_path
            self._reset_device()
        _log.info("simulated %s reader on %s", self.protocol, pty_path)
        return self.path

    def unplug(self) -> None:
        """Close the pseudo-terminal (the reader's USB cable pulled)."""
        with self._lock:
            master, self._master = self._master, None
            self.connected.clear()
        if master is not None:
            os.close(master)
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    # -- the device --------------------------------------------------------------------------

    def _reset_device(self) -> None:
        self._awake = False
        self._decoder = Pn532Decoder()
        self._waiting_for_card = False  # an InListPassiveTarget waits for a card
        self._max_retries = 0xFF  # the PN532 default: wait for a card for ever
        self._last_reply = b""
        self._next_repeat = 0.0
        self._line_sent = False
        self._open_seen = False

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                master = self._master
            if master is None:
                self._stop.wait(0.02)
                continue
            try:
                events = select.poll()
                events.register(master, select.POLLIN)
                ready = events.poll(20)
            except (OSError, ValueError):
                continue  # unplugged while polling
            hung_up = any(flags & select.POLLHUP for _, flags in ready)
            if hung_up:
                self._on_close()
                self._stop.wait(0.02)
            else:
                self._on_open()
                if any(flags & select.POLLIN for _, flags in ready):
                    self._on_input(master)
            self._on_time(time.monotonic())

    def _on_open(self) -> None:
        if not self._open_seen:
            self._open_seen = True
            if self.protocol != "pn532":
                self.connected.set()

    def _on_close(self) -> None:
        if self._open_seen:  # the reader program closed the port: the next one starts afresh
            with self._lock:
                self._reset_device()
            self.connected.clear()

    def _on_input(self, master: int) -> None:
        try:
            data = os.read(master, 4096)
        except OSError:
            return
        if self.protocol != "pn532":
            return  # RDM6300 and line readers have no receive line
        if not self._awake:
            if 0x55 not in data:
                return  # asleep: only the HSU wake-up pulses are heard
            self._awake = True
        for item in self._decoder.feed(data):
            self._on_frame(item)

    def _on_frame(self, item) -> None:
        if isinstance(item, Ack):
            if self._waiting_for_card:
                self.cancels += 1
            self._waiting_for_card = False  # the host cancelled the pending command
        elif isinstance(item, Nak):
            self._write(self._last_reply)
        elif isinstance(item, Pn532Frame) and item.tfi == HOST_TO_PN532 and item.data:
            self.commands.append(item.command)
            self._write(ACK_FRAME)
            self._on_command(item.command, item.data[1:])
        # Damaged frames get no ACK, like the real chip; the host times out and resends.

    def _on_command(self, command: int, params: bytes) -> None:
        if command == 0x02:
            self._reply(command, FIRMWARE)
        elif command == 0x14:
            self._reply(command)
        elif command == 0x32:
            if params[:1] == b"\x05" and len(params) >= 4 and not self.ignores_max_retries:
                self._max_retries = params[3]
            self._reply(command)
        elif command == 0x4A:
            self.connected.set()
            self._waiting_for_card = True
            self._answer_poll(no_card_reply=self._max_retries != 0xFF)
        elif command == 0x52:
            self._reply(command, b"\x00")
        else:
            self._last_reply = ERROR_FRAME
            self._write(ERROR_FRAME)

    def _answer_poll(self, no_card_reply: bool) -> None:
        with self._lock:
            card = self._card
        if card:
            uid = bytes.fromhex(card)
            sens_res, sel_res = _CARD_TYPES[len(uid)]
            self._waiting_for_card = False
            self._reply(0x4A, b"\x01\x01" + sens_res + bytes([sel_res, len(uid)]) + uid)
        elif no_card_reply:
            self._waiting_for_card = False
            self._reply(0x4A, b"\x00")

    def _on_time(self, now: float) -> None:
        with self._lock:
            if self._remove_at is not None and now >= self._remove_at:
                self._card, self._remove_at = None, None
            card = self._card
        if self.protocol == "pn532":
            if self._waiting_for_card and card:
                self._answer_poll(no_card_reply=False)
        elif card and self.connected.is_set():
            if self.protocol == "rdm6300" and now >= self._next_repeat:
                self._next_repeat = now + self.repeat_s
                self._write(encode_rdm6300(card))
            elif self.protocol == "line" and not self._line_sent:
                self._line_sent = True
                self._write(f"{card}\r\n".encode())

    def _reply(self, command: int, params: bytes = b"") -> None:
        self._last_reply = encode_response(command, params)
        self._write(self._last_reply)

    def _write(self, data: bytes) -> None:
        with self._lock:
            master = self._master
        if master is None or not data:
            return
        try:
            os.write(master, data)
        except OSError:
            _log.debug("simulated reader: write failed (port closed)")
