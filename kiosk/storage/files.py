"""The files around a database: modes, the lock that guards moving it, damaged copies.

SQLite creates ``-wal`` and ``-shm`` with the permissions of the database file (and, for
root, its owner), so creating the database with the right mode first is what keeps all three
private. A database opened by several processes (the mirror, ``kiosk looks``, ``kiosk
serve``) must never be moved aside under another one's connection: every open holds a shared
``flock`` on ``NAME.lock``, and only a holder that can upgrade it to exclusive may move the
file. A moved-aside copy keeps its ``-wal`` and ``-shm`` beside it under the new name, so the
``sqlite3`` shell can still open it; the newest ``KEEP_DAMAGED`` copies are kept.
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import time
from pathlib import Path

_log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm")
KEEP_DAMAGED = 3


def with_suffix(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def prepare(path: Path, mode: int) -> None:
    """Create the database file with ``mode`` if it is missing; take extra permissions off an old one."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        tighten(path, mode)
        return
    os.close(fd)
    give_to_folder_owner(path)


def tighten(path: Path, mode: int) -> None:
    """Remove permission bits beyond ``mode`` from the database and its -wal/-shm (only our own files)."""
    for candidate in (path, *(with_suffix(path, s) for s in SIDE_FILES)):
        try:
            info = os.stat(candidate)
        except FileNotFoundError:
            continue
        current = stat.S_IMODE(info.st_mode)
        if not stat.S_ISREG(info.st_mode):
            continue  # never a folder's or a device's permissions: only our own files
        if current & ~mode and info.st_uid == os.geteuid():
            os.chmod(candidate, current & mode)


def give_to_folder_owner(path: Path) -> None:
    """A file root creates in the kiosk's folder belongs to the folder's owner, so the kiosk can open it."""
    if os.geteuid() != 0:
        return
    folder = path.parent.stat()
    if folder.st_uid != 0 or folder.st_gid != 0:
        os.chown(path, folder.st_uid, folder.st_gid)


class MoveLock:
    """The shared/exclusive ``flock`` on ``NAME.lock`` that guards moving a database aside."""

    def __init__(self, db_path: Path) -> None:
        self.path = with_suffix(db_path, ".lock")
        self._fd: int | None = None

    def share(self) -> None:
        """Hold the lock shared (waits only while another process is moving the file)."""
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd = fd
            try:
                give_to_folder_owner(self.path)
            except OSError:
                pass
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def try_exclusive(self) -> bool:
        """Upgrade to exclusive; False (and shared again) while another process has the database open."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            self.share()  # a failed conversion may have dropped the shared lock
            return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def move_aside(path: Path) -> Path:
    """Rename the database and its -wal/-shm to ``NAME.damaged-<time>``; returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = with_suffix(path, f".damaged-{stamp}")
    n = 1
    while any(with_suffix(target, s).exists() for s in ("", *SIDE_FILES)):
        target = with_suffix(path, f".damaged-{stamp}-{n}")
        n += 1
    for suffix in ("", *SIDE_FILES):
        source = with_suffix(path, suffix)
        if source.exists():
            os.replace(source, with_suffix(target, suffix))
    fsync_dir(path.parent)
    _prune(path)
    return target


def _prune(path: Path) -> None:
    """Keep the newest damaged copies only: each holds data nobody else may need forever."""
    prefix = path.name + ".damaged-"
    copies = sorted(
        (p for p in path.parent.iterdir() if p.name.startswith(prefix) and not p.name.endswith(SIDE_FILES)),
        key=lambda p: p.name,  # the name holds the time it was moved aside
    )
    for old in copies[:-KEEP_DAMAGED]:
        for suffix in ("", *SIDE_FILES):
            with_suffix(old, suffix).unlink(missing_ok=True)
        _log.info("removed an old damaged copy %s", old.name)


def replace_whole(path: Path, data: bytes, mode: int, sync_dir: bool = True) -> None:
    """Put ``data`` at ``path`` durably and whole: written to ``NAME.part`` (every byte: ``os.write``
    may write fewer than asked on a nearly full disk), flushed, given to the folder's owner and
    renamed over ``path``; then the folder flushed unless ``sync_dir`` is False (the caller does it
    once for many). A crash leaves the old file or the new one, never part of one. Raises ``OSError``."""
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    give_to_folder_owner(part)
    os.replace(part, path)
    if sync_dir:
        fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
