"""Is the clock right? Share links expire, opening hours apply and logs line up by it.

First, is it far behind: a Raspberry Pi has no clock of its own, so after a power cut it starts
from an old date (1970, systemd's build date or the last one it saved) until it reaches an NTP
server. A date before this kiosk's release (``kiosk.RELEASED``, a constant raised with each
version) is wrong whatever anyone says, a fail. A date before the kiosk's own files were written
(the newest modification time of its package's files, usually the day it was installed) is wrong
too, but those dates come from whichever clock wrote the files, perhaps a wrong one itself: it
is only a warning, and only while the clock is not synchronised (a synchronised clock is
trusted over a file's date).

Then, is it synchronised:

Asked in this order: systemd-timesyncd's flag file (``/run/systemd/timesync/synchronized``,
present once it has synchronised), then the kernel itself (``adjtimex`` with no change
requested: every NTP daemon — timesyncd, chrony, ntpd — clears the kernel's "unsynchronised"
state once it has the time). ``timedatectl``'s "System clock synchronized" is that same kernel
state.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from calendar import timegm
from pathlib import Path

import kiosk
from kiosk.doctor.check import Context, Result, fail, ok, warning

TIME_ERROR = 5  # adjtimex's answer while the clock is not synchronised
HINT = ("Let the device reach an NTP server: 'timedatectl set-ntp true', and allow UDP 123 to the store's time "
        "server or pool.ntp.org (set it in /etc/systemd/timesyncd.conf); 'timedatectl timesync-status' shows progress.")


def kernel_clock_state() -> int | None:
    """adjtimex(2) with modes = 0 (read only): 0–4 synchronised states, 5 unsynchronised; None if unavailable."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    buf = ctypes.create_string_buffer(512)  # struct timex is about 208 bytes; ``modes`` (0) comes first
    state = libc.adjtimex(buf)
    return None if state < 0 else state


WRONG = ("share links expire at the wrong time, the opening hours start on the wrong day and every date and time "
         "the mirror shows or records is wrong")
BEHIND_HINT = ("Set the clock by letting the device reach an NTP server: 'timedatectl set-ntp true', and allow UDP 123 "
               "to the store's time server or pool.ntp.org (set it in /etc/systemd/timesyncd.conf); 'timedatectl "
               "timesync-status' shows progress. A Raspberry Pi without a clock battery starts from an old date after "
               "every power cut until it reaches one.")


def released() -> float:
    """This kiosk's release date (``kiosk.RELEASED``, midnight UTC) as a time."""
    return float(timegm(time.strptime(kiosk.RELEASED, "%Y-%m-%d")))


def files_written() -> float:
    """When the kiosk's own files were last written: the newest modification time in its package (0: none read)."""
    newest = 0.0
    for file in Path(kiosk.__file__).parent.rglob("*.py"):
        try:
            newest = max(newest, file.stat().st_mtime)
        except OSError:
            continue
    return newest


def day(t: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def check_clock(ctx: Context) -> Result:
    now = ctx.now()
    if now < released():
        return fail("clock", f"The clock says {day(now)}, before this kiosk's software was released ({kiosk.RELEASED}): "
                             f"{WRONG}.", BEHIND_HINT)
    if ctx.path("/run/systemd/timesync/synchronized").exists():
        return ok("clock", "The clock is synchronised (systemd-timesyncd).")
    state = (ctx.adjtimex or kernel_clock_state)()
    if state is None or state == TIME_ERROR:
        written = files_written()
        if now < written:
            return warning("clock", f"The clock says {day(now)}, before the kiosk's own files were written "
                                    f"({day(written)}), and it is not synchronised: {WRONG}.", BEHIND_HINT)
    if state is None:
        return warning("clock", "Whether the clock is synchronised could not be read.", HINT)
    if state == TIME_ERROR:
        return warning("clock", "The clock is not synchronised: share links may expire early or late and the "
                                "opening hours may start at the wrong time.", HINT)
    return ok("clock", "The clock is synchronised (the kernel says so).")
