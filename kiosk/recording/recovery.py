"""Recovery after a crash or power cut: salvage interrupted takes, leave the library consistent.

Start-up and ``kiosk looks recover`` run the same ``recover``. For each work folder whose
recorder is gone (its ``flock`` is free): if the look's row exists, only the folder is left to
tidy. Otherwise the take is finished from whatever it holds (a faststart file already made, a
video already moved into ``looks/``, or the fragmented take cut short) and stored when it has
at least ``min_s`` of video, else removed. A take of a shopper's session is stored only when
that shopper said yes (the session's answer kept by the library, see
``Library.set_session_consent``, else the yes its own metadata carries, ``kiosk.library.takes``):
its session ended with the crash, and nothing a shopper did not agree to is kept beyond it. A
take that could not be stored (a full disk, a locked database) keeps its work folder for the
next run, as the finisher does, and its session's answer is kept for it: start-up keeps it
(``sessions_waiting``), and so does the library's purge of day-old answers; while the kiosk
runs, ``store_kept`` stores those certainly to be kept as soon as it can. Then rows whose video
is missing are deleted, videos without a row are given their row back from their record file
(or removed when they have none), and looks that lack a record file get one. Takes still
being recorded are left alone.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.library import Library, LibraryLayout, Look
from kiosk.library.layout import valid_id
from kiosk.recording.container import MediaError
from kiosk.recording.take import FINAL, TakeMeta, finish, lock_if_abandoned, read_meta
from kiosk.words import count

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
    unconsented: list[str] = field(default_factory=list)  # takes of a session whose shopper never said yes
    kept_for_retry: list[str] = field(default_factory=list)  # could not be stored now; tried again next time
    adopted: list[str] = field(default_factory=list)  # videos given their row back from their record file

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One line for people."""
        extras = [
            (self.unconsented, "recording", "without the shopper's consent removed"),
            (self.adopted, "look", "restored from their record files"),
            (self.kept_for_retry, "recording", "that could not be stored kept for the next try"),
            (self.busy, "recording", "in progress left alone"),
        ]
        return (
            f"{count(len(self.salvaged), 'interrupted recording')} saved, {len(self.removed_takes)} too short or "
            f"unreadable removed, {count(len(self.missing_rows), 'entry', 'entries')} without a video and "
            f"{count(len(self.orphan_files), 'stray file')} removed"
            + "".join(f", {count(len(ids), noun)} {text}" for ids, noun, text in extras if ids)
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
        keep = False
        try:
            keep = _recover_take(library, folder, folder.name in known, min_s, stills, report)
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)
    for look in library.oldest_first():
        if not Path(look.path).is_file():
            library.delete_if_present(look.id)
            report.missing_rows.append(look.id)
    _sort_strays(library, {*report.busy, *report.kept_for_retry}, report)
    try:
        library.write_missing_records()
    except (KioskError, OSError) as exc:  # e.g. a full disk: the looks are fine, their records come later
        _log.warning("recovery: record files could not be written now (%s); trying again at the next start", exc)
    if any((report.salvaged, report.removed_takes, report.missing_rows, report.orphan_files, report.unconsented,
            report.kept_for_retry, report.adopted)):
        _log.warning("recovery: %s", report.summary())
    return report


def _recover_take(library: Library, folder: Path, has_row: bool, min_s: float, stills: bool,
                  report: RecoveryReport) -> bool:
    """Deal with one abandoned work folder; True when it is to be kept for the next run."""
    look_id = folder.name
    if has_row:
        return False  # stored; only the work folder was left behind
    meta = read_meta(folder)
    if meta is None or meta.look_id != look_id or not valid_id(look_id):
        report.removed_takes.append(look_id)
        return False
    try:
        consented = _consented(library, meta)
    except KioskError as exc:
        return _retry_later(look_id, exc, report)
    if not consented:
        library.remove_files(look_id)
        report.unconsented.append(look_id)
        _log.info("interrupted recording %s not kept: its shopper did not say yes", look_id)
        return False
    try:
        _store(library, folder, meta, min_s, stills)
    except MediaError as exc:
        _log.info("interrupted recording %s not kept: %s", look_id, exc)
        library.remove_files(look_id)
        report.removed_takes.append(look_id)
        return False
    except (KioskError, OSError) as exc:  # e.g. the disk is full, the database locked: the take itself may be fine
        return _retry_later(look_id, exc, report)
    report.salvaged.append(look_id)
    return False


def _store(library: Library, folder: Path, meta: TakeMeta, min_s: float, stills: bool) -> Look:
    """Finish an abandoned take and add it to the library. Raises ``MediaError`` when it holds no
    usable video, ``OSError`` or ``KioskError`` when it cannot be stored now (a full disk, a locked
    database)."""
    placed = library.layout.video(meta.look_id)
    if placed.exists():  # the crash came between moving the video and committing its row
        os.replace(placed, folder / FINAL)
    return library.add_look(finish(folder, meta, min_s, stills))


@dataclass
class KeptTakes:
    """What one pass over the kept takes did while the kiosk runs (``store_kept``)."""

    stored: list[Look] = field(default_factory=list)
    waiting: int = 0  # still to be stored: not now (a full disk, a locked database), or of the visit in front of the mirror


def store_kept(library: Library, leave: Collection[str] = (), min_s: float = SALVAGE_MIN_S,
               stills: bool = True) -> KeptTakes:
    """While the kiosk runs: store the takes kept for the next start that are certainly to be kept.

    Only abandoned work folders (their lock free: never a take being recorded or finished), and
    only takes without a session (``kiosk record``), with the operator's yes, or whose session's
    answer kept by the library is a yes, but not those of the ``leave`` sessions (the one in front
    of the mirror: her answer may still change). Nothing is deleted here: a take without that yes
    (no answer, or a no), one with no usable video, or one already stored is left to the end of
    its session and to ``recover`` at the next start, which decide. Unlike ``recover``, the looks'
    rows and stray files are not sorted: the finisher may be adding a look meanwhile.
    """
    kept = KeptTakes()
    work = library.layout.work
    for folder in sorted(work.iterdir()) if work.is_dir() else []:
        if not folder.is_dir():
            continue
        fd = lock_if_abandoned(folder)
        if fd is None:
            continue  # being recorded or finished
        look = None
        try:
            look = _store_kept(library, folder, leave, min_s, stills, kept)
        finally:
            if look is not None:
                shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)
        if look is not None:
            kept.stored.append(look)
            _log.info("kept recording %s stored now", look.id)
    return kept


def _store_kept(library: Library, folder: Path, leave: Collection[str], min_s: float, stills: bool,
                kept: KeptTakes) -> Look | None:
    """Store one abandoned take if it is certainly to be kept; its look, or None when it is left."""
    meta = read_meta(folder)
    if meta is None or meta.look_id != folder.name or not valid_id(meta.look_id):
        return None  # a take opening this moment, or one start-up removes
    if meta.session_id is not None and meta.session_id in leave:
        kept.waiting += 1  # her answer may still change: tried again once her visit is over
        return None
    try:
        if library.find(meta.look_id) is not None or not certainly_kept(library, meta):
            return None  # stored already (start-up tidies its folder), or for its session's end and start-up
        return _store(library, folder, meta, min_s, stills)
    except MediaError as exc:
        _log.debug("kept recording %s left for the next start: %s", meta.look_id, exc)
    except (KioskError, OSError) as exc:
        kept.waiting += 1
        _log.debug("kept recording %s still cannot be stored: %s", meta.look_id, exc)
    return None


def certainly_kept(library: Library, meta: TakeMeta) -> bool:
    """Kept whatever comes next: no session (``kiosk record``), the operator's yes, or a yes as its
    session's answer kept by the library (a yes only the take carries is start-up's to judge)."""
    if meta.session_id is None or meta.consent_by == "operator":
        return True
    return library.session_answer(meta.session_id) is True


def sessions_waiting(library: Library, report: RecoveryReport) -> set[str]:
    """The sessions of takes left in the work folder (kept for the next try, or still being
    recorded): their shoppers' answers are still needed to store those takes."""
    sessions = set()
    for look_id in (*report.kept_for_retry, *report.busy):
        meta = read_meta(library.layout.take_dir(look_id))
        if meta is not None and meta.session_id:
            sessions.add(meta.session_id)
    return sessions


def _consented(library: Library, meta: TakeMeta) -> bool:
    """A take without a session (``kiosk record``) or with the operator's yes is kept; a session's
    needs its shopper's yes: the answer kept by the library, else the one the take carries."""
    if meta.session_id is None or meta.consent_by == "operator":
        return True
    answer = library.session_answer(meta.session_id)
    return meta.consent_by is not None if answer is None else answer


def _retry_later(look_id: str, exc: BaseException, report: RecoveryReport) -> bool:
    _log.warning("interrupted recording %s could not be stored now (%s); it is kept for the next start", look_id, exc)
    report.kept_for_retry.append(look_id)
    return True


def _sort_strays(library: Library, leave: set[str], report: RecoveryReport) -> None:
    """Videos without a row come back from their record file; any other stray file goes."""
    layout = library.layout
    known = library.ids()
    for path in sorted(layout.looks.iterdir()):
        look_id = LibraryLayout.id_of(path)
        if look_id in known or look_id in leave:
            if path.name.endswith(".part"):  # a record file cut off mid-write
                path.unlink(missing_ok=True)
            continue
        if path == layout.video(look_id) and library.adopt(look_id):
            known.add(look_id)
            report.adopted.append(look_id)
    for path in sorted(layout.looks.iterdir()):
        if LibraryLayout.id_of(path) not in known and LibraryLayout.id_of(path) not in leave:
            path.unlink(missing_ok=True)
            report.orphan_files.append(path.name)
