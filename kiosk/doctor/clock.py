"""Is the clock synchronised? Share links expire, opening hours apply and logs line up by it.

Asked in this order: systemd-timesyncd's flag file (``/run/systemd/timesync/synchronized``,
present once it has synchronised), then the kernel itself (``adjtimex`` with no change
requested: every NTP daemon — timesyncd, chrony, ntpd — clears the kernel's "unsynchronised"
state once it has the time). ``timedatectl``'s "System clock synchronized" is that same kernel
state.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from kiosk.doctor.check import Context, Result, ok, warning

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


def check_clock(ctx: Context) -> Result:
    if ctx.path("/run/systemd/timesync/synchronized").exists():
        return ok("clock", "The clock is synchronised (systemd-timesyncd).")
    state = (ctx.adjtimex or kernel_clock_state)()
    if state is None:
        return warning("clock", "Whether the clock is synchronised could not be read.", HINT)
    if state == TIME_ERROR:
        return warning("clock", "The clock is not synchronised: share links may expire early or late and the "
                                "opening hours may start at the wrong time.", HINT)
    return ok("clock", "The clock is synchronised (the kernel says so).")
