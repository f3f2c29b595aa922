"""Whether the kiosk can write into a folder now, asked of the kernel without writing anything.

Two system calls, cheap enough to ask every second: ``statvfs`` (the mount's read-only flag,
set when the kernel remounts an SD card read-only after disk errors) and ``access`` (this
user's permission; it also answers ``EROFS``). No probe file is written: one every few seconds
would wear the card, and on a local disk it would find nothing the two calls miss.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.users import user_name


def unwritable(folder: Path) -> str:
    """Why the kiosk cannot write into ``folder`` now, in a few plain words; "" when it can.

    A folder not made yet is judged by the nearest one above it that exists: the kiosk makes
    its folders there as it needs them."""
    try:
        where = next((candidate for candidate in (folder, *folder.parents) if candidate.exists()), folder)
        read_only = bool(os.statvfs(where).f_flag & os.ST_RDONLY)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if read_only:
        return "it is on a read-only file system"
    if not os.access(where, os.W_OK | os.X_OK):
        return f"the user {user_name()} cannot write to it"
    return ""
