"""The serial port under a card reader: opening a pyserial URL, plain errors, a recording tap."""

from __future__ import annotations

import errno
import logging
import re

_log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.05  # short reads keep the reader thread responsive to stop()


def open_serial(url: str, baudrate: int):
    """Open a pyserial URL for reading card frames (short read timeout, exclusive access)."""
    import serial

    return serial.serial_for_url(url, baudrate=baudrate, timeout=READ_TIMEOUT_S, write_timeout=1.0, exclusive=True)


class RecordingPort:
    """Wraps a port and keeps what it reads, so probing for a PN532 loses no other reader's card."""

    LIMIT = 4096

    def __init__(self, ser) -> None:
        self._ser = ser
        self.data = bytearray()

    @property
    def in_waiting(self) -> int:
        return self._ser.in_waiting

    def read(self, size: int = 1) -> bytes:
        chunk = self._ser.read(size)
        self._keep(chunk)
        return chunk

    def write(self, data: bytes):
        return self._ser.write(data)

    def reset_input_buffer(self) -> None:
        waiting = self._ser.in_waiting
        if waiting:
            self._keep(self._ser.read(waiting))  # drained for the PN532, kept for the others

    def _keep(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > self.LIMIT:
            del self.data[: -self.LIMIT]


def close_port(ser) -> None:
    """Close the port; a device that vanished may fail to close, which changes nothing."""
    try:
        ser.close()
    except Exception:  # noqa: BLE001 - closing a vanished device may fail; it is gone either way
        _log.debug("closing the card reader port failed", exc_info=True)


def plain_error(exc: BaseException) -> str:
    """pyserial's messages, without the errno noise where a plain one exists.

    The error numbers are read whole (``[Errno 111]`` is not ``[Errno 11]``), from the
    exception or, where pyserial only formats them into its message, from the message.
    """
    text = str(exc)
    # "[Errno 2] …", or a termios error pyserial formats as "(25, 'Inappropriate ioctl for device')"
    codes = {int(n) for found in re.findall(r"\[Errno (\d+)\]|\((\d+), '", text) for n in found if n}
    if isinstance(exc, OSError):
        if isinstance(exc.errno, int):
            codes.add(exc.errno)
        if exc.strerror:
            text = exc.strerror
    if errno.EIO in codes or "returned no data" in text or "Input/output error" in text:
        return "the device went away"
    if codes & {errno.ENOENT, errno.ENXIO, errno.ENODEV} or "No such file" in text:
        return "no such device (is the reader plugged in?)"
    if codes & {errno.EACCES, errno.EPERM} or "Permission denied" in text:
        return "permission denied (is the user in the 'dialout' group?)"
    if codes & {errno.EAGAIN, errno.EBUSY} or "resource busy" in text.lower():
        return "it is in use by another program (is the kiosk running?)"
    if errno.EISDIR in codes:
        return "it is a folder, not a device (reader.port names the reader's device, e.g. /dev/ttyUSB0)"
    if errno.ENOTTY in codes:
        return "it is not a serial port (reader.port names the reader's device, e.g. /dev/ttyUSB0)"
    if codes & {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ETIMEDOUT}:
        return "nothing answers at that address (is the reader's network bridge running?)"
    return text or type(exc).__name__
