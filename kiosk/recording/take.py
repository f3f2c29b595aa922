"""One take's work folder: what is being recorded, and how it becomes a finished look.

``work/<look id>/`` holds ``meta.json`` (who and why, written first), ``take.mp4`` (the
fragmented recording) and ``lock``, on which the recorder holds an exclusive ``flock`` for as
long as the take is live. The kernel drops that lock when the process dies, however it dies,
so recovery can tell a crashed take (lock free) from one still being recorded (lock held).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from kiosk.library import NewLook
from kiosk.library.takes import LOCK, lock_if_abandoned  # noqa: F401 - the lock the library also takes
from kiosk.recording.container import FragmentWriter, MediaError, VideoInfo, remux_faststart, verify
from kiosk.recording.stills import make_stills
from kiosk.storage.files import replace_whole

META, TAKE, FINAL, POSTER, STRIP = "meta.json", "take.mp4", "final.mp4", "poster.jpg", "strip.jpg"


@dataclass(frozen=True)
class TakeMeta:
    """Who and what a take is for, written before the first frame."""

    look_id: str
    created: float
    width: int
    height: int
    fps: float
    reason: str = ""
    session_id: str | None = None
    customer_id: str | None = None
    consent_by: str | None = None


class Take:
    """A take being recorded into its work folder."""

    def __init__(self, folder: Path, meta: TakeMeta) -> None:
        self.folder = folder
        self.meta = meta
        self.writer = FragmentWriter(folder / TAKE, meta.width, meta.height, meta.fps)
        self._lock_fd: int | None = None

    def open(self) -> None:
        """Create the folder, take the lock, write the metadata and open the take file."""
        self.folder.mkdir(mode=0o750, parents=True, exist_ok=False)
        self._lock_fd = os.open(self.folder / LOCK, os.O_CREAT | os.O_RDWR, 0o640)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        # Durably, as the yes later written into it (``kiosk.library.takes.tag``): after a power cut
        # recovery knows the take's session, and so whether its shopper said yes, only from it.
        replace_whole(self.folder / META, json.dumps(asdict(self.meta)).encode("utf-8"), 0o640)
        self.writer.open()

    def close(self) -> None:
        """Finish writing the take file (the lock stays held)."""
        self.writer.close()

    def release(self) -> None:
        """Drop the lock; after this recovery may treat the folder as abandoned."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def discard(self) -> None:
        """Delete the work folder and everything in it."""
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.release()


def read_meta(folder: Path) -> TakeMeta | None:
    """The metadata of a work folder, or None when it is missing or unreadable."""
    try:
        return TakeMeta(**json.loads((folder / META).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def finish(folder: Path, meta: TakeMeta, min_duration_s: float, stills: bool) -> NewLook:
    """Turn the take file into a checked faststart MP4 (plus stills).

    Raises ``MediaError`` when the take holds no usable video, ``OSError`` when it cannot be
    finished now (``ENOSPC``: the disk is full) but may be later.
    """
    final = folder / FINAL
    info = _usable(final, min_duration_s)
    if info is None:
        source = folder / TAKE
        if not source.exists():
            raise MediaError("the recording left no video")
        remux_faststart(source, final)
        info = verify(final, min_duration_s)
    poster = strip = None
    if stills:
        poster, strip = folder / POSTER, folder / STRIP
        make_stills(final, poster, strip)
    return NewLook(
        look_id=meta.look_id,
        video=final,
        poster=poster,
        strip=strip,
        created=meta.created,
        duration_s=info.duration_s,
        width=info.width,
        height=info.height,
        session_id=meta.session_id,
        customer_id=meta.customer_id,
        consent_by=meta.consent_by,
        reason=meta.reason,
    )


def _usable(path: Path, min_duration_s: float) -> VideoInfo | None:
    if not path.exists():
        return None
    try:
        return verify(path, min_duration_s)
    except MediaError:
        path.unlink(missing_ok=True)
        return None
