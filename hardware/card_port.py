"""The serial port under a card reader: opening a pyserial URL, plain errors, a recording tap."""

from __future__ import annotations

import logging

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
    """pyserial's messages, without the errno noise where a plain one exists."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    if "returned no data" in text or "Errno 5" in text or "Input/output error" in text:
        return "the device went away"
    if "Errno 2" in text or "No such file" in text:
        return "no such device (is the reader plugged in?)"
    if "Errno 13" in text or "Permission denied" in text:
        return "permission denied (is the user in the 'dialout' group?)"
    if "Errno 11" in text or "Errno 16" in text or "busy" in text.lower():
        return "it is in use by another program (is the kiosk running?)"
    return text or type(exc).__name__
