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


def existing_parent(path: Path) -> Path | None:
    """``path`` or the nearest folder above it that exists (None: not even the root)."""
    return next((candidate for candidate in (path, *path.parents) if candidate.exists()), None)


def read_only_mount(path: Path) -> bool:
    """Whether ``path`` lies on a file system mounted read-only (``OSError`` when it cannot be asked)."""
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def unwritable(folder: Path) -> str:
    """Why the kiosk cannot write into ``folder`` now, in a few plain words; "" when it can.

    A folder not made yet is judged by the nearest one above it that exists: the kiosk makes
    its folders there as it needs them."""
    try:
        where = existing_parent(folder) or folder
        read_only = read_only_mount(where)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if read_only:
        return "it is on a read-only file system"
    if not os.access(where, os.W_OK | os.X_OK):
        return f"the user {user_name()} cannot write to it"
    return ""
