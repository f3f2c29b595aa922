"""The record file beside each look's video (``looks/<id>.json``): its row, kept on disk.

The database is the truth while it is sound; the record file is what lets a damaged database
be rebuilt without losing what a shopper agreed to: id, times, size, session, customer and
the consent with its party, time and wording, the look's analysis results (e.g. its turn
track) and the associates' notes on it. It is written (to a temporary name, flushed,
renamed, the folder flushed) inside the transaction that changes the row, before the commit,
and it is removed before a deleted row is committed. So a crash leaves it at worst ahead of
its row, never behind a deletion: a look that was deleted can never come back from it.
Byte counts are not kept here; they are read from the files when a row is rebuilt.

Besides the file format, the operations that use it: changing a row together with its record
(``change``), giving a video its row back (``adopt``, ``restore_all``) and writing the records
a library from before record files lacks (``write_missing``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

from kiosk.library import store
from kiosk.library.errors import LibraryError
from kiosk.library.layout import LibraryLayout, valid_id
from kiosk.library.look import CONSENT_BY, CONSENT_GRANTED, CONSENT_STATES
from kiosk.storage import Database
from kiosk.storage.files import fsync_dir, replace_whole
from kiosk.words import count

_log = logging.getLogger(__name__)

NOTE_FIELDS = {"id": str, "look_id": str, "created": (float, int), "text": str, "product": str}

FORMAT = 1
MODE = 0o600  # as private as the database it stands in for
FIELDS = {
    "id": str,
    "created": float,
    "duration_s": float,
    "width": int,
    "height": int,
    "session_id": (str, type(None)),
    "customer_id": (str, type(None)),
    "consent": str,
    "consent_by": (str, type(None)),
    "consent_at": (float, type(None)),
    "consent_wording": (str, type(None)),
    "reason": str,
}


def write(path: Path, row: dict, analysis: dict | None = None, sync_dir: bool = True,
          notes: list[dict] | None = None) -> None:
    """Write the record of ``row`` (a looks row), its analysis and notes to ``path`` durably;
    raises ``OSError``.

    ``sync_dir=False`` leaves flushing the folder to the caller, once for many records.
    """
    record = {"format": FORMAT, **{name: row.get(name) for name in FIELDS}, "analysis": analysis or {}}
    if notes:
        record["notes"] = [{name: note[name] for name in NOTE_FIELDS} for note in notes]
    replace_whole(path, json.dumps(record, separators=(",", ":")).encode("utf-8"), MODE, sync_dir)


def remove(path: Path) -> None:
    """Remove a record durably (before the deletion of its row is committed)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fsync_dir(path.parent)


def read(path: Path, look_id: str) -> tuple[dict, dict, list[dict]] | None:
    """The row fields, analysis and notes kept in ``path``; None when missing, unreadable or not
    ``look_id``'s (a malformed note is left out, the look is not)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("id") != look_id:
        _log.debug("record %s is not usable", path.name)
        return None
    row = {}
    for name, kind in FIELDS.items():
        value = record.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and kind in (float, (float, type(None))):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            return None
        row[name] = value
    if row["consent"] not in CONSENT_STATES or row["consent_by"] not in (None, *CONSENT_BY):
        return None
    if (row["consent"] == CONSENT_GRANTED) != (row["consent_by"] is not None):
        return None
    analysis = record.get("analysis", {})
    if not isinstance(analysis, dict) or not all(isinstance(kind, str) for kind in analysis):
        return None
    notes = record.get("notes", [])
    notes = [note for note in notes if _note_ok(note, look_id)] if isinstance(notes, list) else []
    return row, analysis, notes


def _note_ok(note, look_id: str) -> bool:
    if not isinstance(note, dict) or note.get("look_id") != look_id:
        return False
    return all(isinstance(note.get(name), kind) and not isinstance(note.get(name), bool)
               for name, kind in NOTE_FIELDS.items())


# -- operations ---------------------------------------------------------------------------------


def change(
    conn: sqlite3.Connection, layout: LibraryLayout, row: sqlite3.Row, values: dict, sync_dir: bool = True
) -> None:
    """Change one row inside the caller's transaction, its record file first."""
    try:
        notes = [dict(note) for note in store.notes(conn, [row["id"]])]
        write(layout.record_file(row["id"]), {**dict(row), **values}, store.analysis(conn, row["id"]), sync_dir, notes)
    except OSError as exc:
        raise LibraryError(f"cannot save the record of look {row['id']} ({_why(exc)})") from None
    if values:
        store.update(conn, row["id"], **values)


def adopt(db: Database, layout: LibraryLayout, look_id: str) -> bool:
    """Give a video in ``looks/`` without a row its row back; False without a usable record."""
    record = read(layout.record_file(look_id), look_id) if valid_id(look_id) else None
    if record is None or not layout.video(look_id).is_file():
        return False
    fields, analysis, notes = record
    row = {
        **fields,
        "bytes": _size(layout.video(look_id)),
        "stills_bytes": _size(layout.poster(look_id)) + _size(layout.strip(look_id)),
    }
    with db.transaction() as conn:
        if store.get(conn, look_id) is None:
            store.insert(conn, row)
            for kind, data in analysis.items():
                store.set_analysis(conn, look_id, kind, data)
            for note in notes:
                store.add_note(conn, note)
    _log.info("look %s restored from its record file", look_id)
    return True


def restore_all(db: Database, layout: LibraryLayout) -> str:
    """After the database was replaced: every video with a record gets its row back; says how many."""
    with db.reading() as conn:
        known = store.ids(conn)
    videos = sorted(p for p in layout.looks.glob("*.mp4") if LibraryLayout.id_of(p) not in known)
    restored = sum(adopt(db, layout, LibraryLayout.id_of(p)) for p in videos)
    return f"{count(restored, 'look')} restored from their record files, {count(len(videos) - restored, 'video')} without one"


def write_missing(db: Database, layout: LibraryLayout) -> int:
    """Write the record file of every look that lacks one (e.g. stored by an older kiosk)."""
    with db.reading() as conn:
        missing = [row["id"] for row in store.select(conn) if not layout.record_file(row["id"]).exists()]
    if not missing:
        return 0  # the usual case: no write lock taken
    written = 0
    with db.transaction() as conn:
        for look_id in missing:
            row = store.get(conn, look_id)
            if row is not None:
                change(conn, layout, row, {}, sync_dir=False)
                written += 1
        fsync_dir(layout.looks)
    return written


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
