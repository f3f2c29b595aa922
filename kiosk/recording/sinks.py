"""Where finished takes go: into the look library, or to one plain file (``kiosk record --out``).

A sink names the work folder for its takes (always on the same filesystem as the final
place, so the last step is an atomic rename), commits a finished take, and frees space when
the disk runs low.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from kiosk.library import Library, NewLook, RetentionPolicy, apply_retention
from kiosk.recording.recovery import KeptTakes, certainly_kept, store_kept
from kiosk.recording.take import TakeMeta, lock_if_abandoned

_log = logging.getLogger(__name__)


class LibrarySink:
    """Finished takes become looks of ``library``; low disk applies ``policy``."""

    stills = True

    def __init__(self, library: Library, policy: RetentionPolicy | None = None) -> None:
        self.library = library
        self.policy = policy

    @property
    def work_root(self) -> Path:
        return self.library.layout.work

    def new_id(self) -> str:
        return self.library.new_id()

    def commit(self, new: NewLook) -> str:
        """Store the look; returns the path of its MP4 (tried again after a failure, it picks up where it was)."""
        stored = self.library.find(new.look_id)
        if stored is not None:  # an earlier try committed, then failed on the way out
            return stored.path
        layout = self.library.layout
        for src, placed in ((new.video, layout.video(new.look_id)), (new.poster, layout.poster(new.look_id)),
                            (new.strip, layout.strip(new.look_id))):
            if src is not None and not Path(src).exists() and placed.exists():
                os.replace(placed, src)  # moved into place by a try whose commit then failed
        return self.library.add_look(new).path

    def store_kept(self, leave: frozenset[str]) -> KeptTakes:
        """Store the takes kept for the next start that are certainly to be kept (``recovery.store_kept``)."""
        return store_kept(self.library, leave, stills=self.stills)

    def certainly_kept(self, meta: TakeMeta) -> bool:
        """Whether a take is kept whatever comes next (``recovery.certainly_kept``): one cut by a full
        disk then keeps its work folder for ``store_kept``."""
        return certainly_kept(self.library, meta)

    def make_room(self) -> None:
        if self.policy is not None:
            apply_retention(self.library, self.policy)

    def tidy(self) -> None:
        pass


class FileSink:
    """A finished take is renamed to ``out``; its work folder sits beside it."""

    stills = False

    def __init__(self, out: Path) -> None:
        self.out = Path(out).absolute()

    @property
    def work_root(self) -> Path:
        return self.out.parent / ".kiosk-work"

    def new_id(self) -> str:
        return Library.new_id()

    def commit(self, new: NewLook) -> str:
        os.replace(new.video, self.out)
        fd = os.open(self.out.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return str(self.out)

    def make_room(self) -> None:
        pass

    def certainly_kept(self, meta: TakeMeta) -> bool:
        """Never: a take cut here is dropped, as nothing stores it later (``store_kept``)."""
        return False

    def store_kept(self, leave: frozenset[str]) -> KeptTakes:
        """Nothing is kept for a later start: an abandoned take here is removed (``remove_abandoned``)."""
        return KeptTakes()

    def remove_abandoned(self) -> None:
        """Remove takes that an earlier ``kiosk record`` left when it was killed (their lock is free)."""
        try:
            folders = sorted(p for p in self.work_root.iterdir() if p.is_dir())
        except OSError:
            return  # no work folder: nothing was left
        for folder in folders:
            fd = lock_if_abandoned(folder)
            if fd is None:
                continue  # another kiosk record is recording into it right now
            try:
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                os.close(fd)
            _log.warning("removed the unfinished recording %s that an earlier kiosk record left in %s", folder.name,
                         self.work_root)
        self.tidy()

    def tidy(self) -> None:
        """Remove the work folder once no take is left in it."""
        try:
            self.work_root.rmdir()
        except OSError:
            pass
