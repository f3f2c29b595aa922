"""The card reader's port errors in plain words, read from their error numbers whole."""

from __future__ import annotations

import errno

import pytest
import serial

from hardware.card_port import open_serial, plain_error


@pytest.mark.parametrize("exc, words", [
    # pyserial formats some numbers only into its message: [Errno 111] is not [Errno 11]
    (serial.SerialException("Could not open port socket://127.0.0.1:1: [Errno 111] Connection refused"),
     "nothing answers at that address"),
    (serial.SerialException(21, "could not open port /tmp: [Errno 21] Is a directory: '/tmp'"), "it is a folder"),
    (serial.SerialException(2, "could not open port /dev/ttyX: [Errno 2] No such file or directory"), "no such device"),
    (serial.SerialException("Could not exclusively lock port /dev/ttyUSB0: [Errno 11] Resource temporarily unavailable"),
     "in use by another program"),
    (OSError(errno.EBUSY, "Device or resource busy"), "in use by another program"),
    (OSError(errno.EACCES, "Permission denied"), "permission denied"),
    (serial.SerialException("device reports readiness to read but returned no data"), "the device went away"),
    (OSError(errno.EIO, "Input/output error"), "the device went away"),
    (serial.SerialException("Could not configure port: (25, 'Inappropriate ioctl for device')"), "not a serial port"),
    (serial.SerialException("something new"), "something new"),
])
def test_errors_in_plain_words(exc, words):
    assert words in plain_error(exc)


def test_a_real_refused_connection_and_a_folder(tmp_path):
    # Loopback port 1: nothing listens there.
    for url, words in (("socket://127.0.0.1:1", "nothing answers"), (str(tmp_path), "it is a folder")):
        with pytest.raises(serial.SerialException) as caught:
            open_serial(url, 115200)
        assert words in plain_error(caught.value)
