"""The takes waiting in ``work/``: whose session they are, and the yes they carry.

A take's ``meta.json`` (``kiosk.recording.take``) names its session and, once its shopper said
yes, ``consent_by`` and ``customer_id``: the take's own evidence, used when its session's
answer is no longer in the database (``Library.session_answer``). The session's answer, when
there is one, always decides. The library keeps that answer for as long as a take of the
session is in ``work/`` (``sessions``) and writes every later yes, no or forget-me into the
metadata of those takes (``tag``), so a take never carries a yes its shopper took back.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from collections.abc import Collection
from pathlib import Path

from kiosk.library.layout import LibraryLayout
from kiosk.storage.files import replace_whole

_log = logging.getLogger(__name__)

META = "meta.json"  # as ``kiosk.recording.take`` writes it
LOCK = "lock"  # held by the recorder or the finisher while either works on the take (``kiosk.recording.take``)
META_MODE = 0o640


def sessions(layout: LibraryLayout) -> set[str]:
    """The sessions with a take in ``work/`` (being recorded, finished, or kept for the next try)."""
    return {meta["session_id"] for _folder, meta in _metas(layout) if meta.get("session_id")}


def tag(layout: LibraryLayout, session_ids: Collection[str], consent_by: str | None,
        customer_id: str | None, customer_of: str | None = None) -> None:
    """Write the consent of the takes of ``session_ids`` (and, with ``customer_of``, of the takes tied
    to that customer) into their metadata; None clears it. A take whose metadata cannot be written
    keeps the old one, which the session's answer overrides."""
    for folder, meta in _metas(layout):
        if meta.get("session_id") not in session_ids and (customer_of is None or meta.get("customer_id") != customer_of):
            continue
        if (meta.get("consent_by"), meta.get("customer_id")) == (consent_by, customer_id):
            continue
        meta.update(consent_by=consent_by, customer_id=customer_id)
        try:  # durably: a power cut after her yes (or no) must not take it back
            replace_whole(folder / META, json.dumps(meta).encode("utf-8"), META_MODE)
        except OSError as exc:
            _log.warning("the consent of recording %s could not be written with it (%s)", folder.name, exc)
            (folder / (META + ".part")).unlink(missing_ok=True)


def drop_waiting(layout: LibraryLayout, session_ids: Collection[str]) -> list[str]:
    """Delete the takes of ``session_ids`` left waiting in the work folder (a full disk, a locked
    database kept them for later): their shopper said no, took her yes back or asked to be forgotten,
    so nothing of them is kept until the next start. A take the recorder or the finisher holds (its
    lock taken) is theirs to end: it lands, and is discarded as unconsented. Returns the ids deleted."""
    dropped = []
    for folder, meta in _metas(layout):
        if meta.get("session_id") not in session_ids:
            continue
        fd = lock_if_abandoned(folder)
        if fd is None:
            continue  # being recorded or finished
        try:
            shutil.rmtree(folder)
            dropped.append(folder.name)
        except OSError as exc:
            _log.warning("recording %s, whose shopper said no, could not be deleted now (%s); the next start "
                         "deletes it", folder.name, exc)
        finally:
            os.close(fd)
    if dropped:
        _log.info("deleted %d waiting recordings whose shopper said no", len(dropped))
    return dropped


def lock_if_abandoned(folder: Path) -> int | None:
    """Take the lock of a work folder whose recorder is gone; None while a recorder (or the finisher) holds it."""
    try:
        fd = os.open(folder / LOCK, os.O_CREAT | os.O_RDWR, 0o640)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _metas(layout: LibraryLayout) -> list[tuple[Path, dict]]:
    out = []
    try:
        folders = sorted(layout.work.iterdir())
    except OSError:  # no work folder yet
        return out
    for folder in folders:
        try:
            meta = json.loads((folder / META).read_text())
        except (OSError, ValueError):  # not a take folder, or its recorder is still writing it
            continue
        if isinstance(meta, dict):
            out.append((folder, meta))
    return out
