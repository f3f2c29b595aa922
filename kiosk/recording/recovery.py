"""Recovery after a crash or power cut: salvage interrupted takes, leave the library consistent.

Start-up and ``kiosk looks recover`` run the same ``recover``. For each work folder whose
recorder is gone (its ``flock`` is free): if the look's row exists, only the folder is left to
tidy; otherwise the take is finished from whatever it holds (a faststart file already made, a
video already moved into ``looks/``, or the fragmented take cut short) and stored when it has
at least ``min_s`` of video, else removed. Then rows whose video is missing are deleted, and
files in ``looks/`` without a row are removed. Takes still being recorded are left alone.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.library import Library, LibraryLayout
from kiosk.library.layout import valid_id
from kiosk.recording.container import MediaError
from kiosk.recording.take import FINAL, finish, lock_if_abandoned, read_meta

_log = logging.getLogger(__name__)

SALVAGE_MIN_S = 1.0


@dataclass
class RecoveryReport:
    """What recovery did, by look id (``orphan_files`` holds file names)."""

    salvaged: list[str] = field(default_factory=list)
    removed_takes: list[str] = field(default_factory=list)
    missing_rows: list[str] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{len(self.salvaged)} interrupted recording(s) saved, {len(self.removed_takes)} too short or "
            f"unreadable removed, {len(self.missing_rows)} entr(ies) without a video and "
            f"{len(self.orphan_files)} stray file(s) removed"
            + (f", {len(self.busy)} recording(s) in progress left alone" if self.busy else "")
        )


def recover(library: Library, min_s: float = SALVAGE_MIN_S, stills: bool = True) -> RecoveryReport:
    """Salvage or remove interrupted takes, then drop rows without files and files without rows."""
    report = RecoveryReport()
    layout = library.layout
    known = library.ids()
    for folder in sorted(layout.work.iterdir()) if layout.work.is_dir() else []:
        if not folder.is_dir():
            folder.unlink(missing_ok=True)
            continue
        fd = lock_if_abandoned(folder)
        if fd is None:
            report.busy.append(folder.name)
            continue
        try:
            _recover_take(library, folder, folder.name in known, min_s, stills, report)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)
    for look in library.oldest_first():
        if not Path(look.path).is_file():
            library.delete_if_present(look.id)
            report.missing_rows.append(look.id)
    known = library.ids()
    for path in sorted(layout.looks.iterdir()):
        if LibraryLayout.id_of(path) not in known and LibraryLayout.id_of(path) not in report.busy:
            path.unlink(missing_ok=True)
            report.orphan_files.append(path.name)
    if any((report.salvaged, report.removed_takes, report.missing_rows, report.orphan_files)):
        _log.warning("recovery: %s", report.summary())
    return report


def _recover_take(library: Library, folder: Path, has_row: bool, min_s: float, stills: bool, report: RecoveryReport) -> None:
    look_id = folder.name
    if has_row:
        return  # stored; only the work folder was left behind
    meta = read_meta(folder)
    if meta is None or meta.look_id != look_id or not valid_id(look_id):
        report.removed_takes.append(look_id)
        return
    placed = library.layout.video(look_id)
    if placed.exists():  # the crash came between moving the video and committing its row
        os.replace(placed, folder / FINAL)
    try:
        library.add_look(finish(folder, meta, min_s, stills))
    except (MediaError, KioskError, OSError) as exc:
        _log.info("interrupted recording %s not kept: %s", look_id, exc)
        library.remove_files(look_id)
        report.removed_takes.append(look_id)
        return
    report.salvaged.append(look_id)
