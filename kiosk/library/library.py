"""The look library: SQLite (WAL) rows plus the files under one data folder.

A look's files are moved into ``looks/`` (atomic renames on one filesystem, flushed to disk)
before its row is committed, and its row is deleted before its files; so a crash leaves at
worst a file without a row, which recovery (``kiosk.recording.recovery``) adopts or removes.
Never a row without its video. One connection serves all threads, behind a lock.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk.library import schema
from kiosk.library.errors import LibraryError, LookNotFound
from kiosk.library.layout import LibraryLayout, valid_id
from kiosk.library.look import CONSENT_BY, CONSENT_GRANTED, CONSENT_NONE, Look
from kiosk.library.store import LookStore

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewLook:
    """A finished, verified recording in the work folder, ready to enter the library."""

    look_id: str
    video: Path
    poster: Path | None
    strip: Path | None
    created: float
    duration_s: float
    width: int
    height: int
    session_id: str | None = None
    customer_id: str | None = None
    consent_by: str | None = None  # set: recorded as consented by that party (e.g. "operator")
    reason: str = ""


class Library:
    """Looks on disk and in SQLite; every public method is thread-safe."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.layout = LibraryLayout(Path(data_dir).expanduser().absolute())
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._store: LookStore | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def open(self) -> "Library":
        """Create the folders if needed, open the database and bring its schema up to date."""
        if self._conn is not None:
            return self
        layout = self.layout
        try:
            for folder in (layout.root, layout.looks, layout.work):
                folder.mkdir(mode=0o750, parents=True, exist_ok=True)
            conn = sqlite3.connect(layout.db, timeout=10.0, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise LibraryError(f"cannot open the look library in {layout.root} ({_why(exc)})") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # a committed look must survive a power cut
            conn.execute("PRAGMA foreign_keys = ON")
            schema.migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise LibraryError(f"the look database {layout.db} cannot be used ({_why(exc)})") from None
        except BaseException:
            conn.close()
            raise
        self._conn, self._store = conn, LookStore(conn)
        return self

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = self._store = None

    def __enter__(self) -> "Library":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def new_id() -> str:
        """A fresh unguessable look id (128 random bits, URL-safe)."""
        return secrets.token_urlsafe(16)

    # -- reading ------------------------------------------------------------------------------

    def get(self, look_id: str) -> Look:
        """The look with this id; raises ``LookNotFound``."""
        look = self.find(look_id)
        if look is None:
            raise LookNotFound(f"there is no look with id {look_id!r}")
        return look

    def find(self, look_id: str) -> Look | None:
        """The look with this id, or None."""
        if not valid_id(look_id):
            return None
        with self._lock:
            row = self._db().get(look_id)
        return self._look(row) if row else None

    def list(self, session_id: str | None = None, customer_id: str | None = None) -> list[Look]:
        """Looks, newest first, optionally only one session's or one customer's."""
        where, params = [], []
        if session_id is not None:
            where.append("session_id = ?")
            params.append(session_id)
        if customer_id is not None:
            where.append("customer_id = ?")
            params.append(customer_id)
        with self._lock:
            rows = self._db().select(" AND ".join(where), params)
        return [self._look(row) for row in rows]

    def oldest_first(self) -> list[Look]:
        """All looks, oldest first (what retention walks)."""
        with self._lock:
            rows = self._db().select(order="created, id")
        return [self._look(row) for row in rows]

    def video_path(self, look_id: str) -> Path:
        """The MP4 of a look, for playing or sending; raises ``LookNotFound``."""
        return Path(self.get(look_id).path)

    def total_bytes(self) -> int:
        """Bytes used by all looks (videos and stills)."""
        with self._lock:
            return self._db().total_bytes()

    def ids(self) -> set[str]:
        """Every look id that has a row."""
        with self._lock:
            return self._db().ids()

    def analysis(self, look_id: str) -> dict:
        """Analysis results of a look by kind (e.g. ``{"turn": {...}}``)."""
        self.get(look_id)
        with self._lock:
            return self._db().analysis(look_id)

    # -- changing -----------------------------------------------------------------------------

    def add_look(self, new: NewLook) -> Look:
        """Move a finished recording's files into place, then commit its row."""
        if not valid_id(new.look_id):
            raise LibraryError(f"refusing a look with a malformed id {new.look_id!r}")
        layout = self.layout
        moves = [(new.poster, layout.poster(new.look_id)), (new.strip, layout.strip(new.look_id))]
        moves.append((new.video, layout.video(new.look_id)))  # the video last: it marks the look complete
        try:
            for src, dst in moves:
                if src is not None and Path(src) != dst:
                    _fsync_file(src)
                    os.replace(src, dst)
            _fsync_dir(layout.looks)
            stills = sum(p.stat().st_size for p in (layout.poster(new.look_id), layout.strip(new.look_id)) if p.exists())
            size = layout.video(new.look_id).stat().st_size
        except OSError as exc:
            raise LibraryError(f"cannot store the new look ({_why(exc)})") from None
        consent_by = new.consent_by if new.consent_by in CONSENT_BY else None
        row = {
            "id": new.look_id,
            "created": new.created,
            "duration_s": round(new.duration_s, 3),
            "width": new.width,
            "height": new.height,
            "bytes": size,
            "stills_bytes": stills,
            "session_id": new.session_id,
            "customer_id": new.customer_id,
            "consent": CONSENT_GRANTED if consent_by else CONSENT_NONE,
            "consent_by": consent_by,
            "consent_at": time.time() if consent_by else None,
            "reason": new.reason,
        }
        with self._lock:
            try:
                self._db().insert(row)
            except sqlite3.Error as exc:
                raise LibraryError(f"cannot record the new look in the database ({_why(exc)})") from None
        _log.info("look %s stored (%.1f s, %d bytes)", new.look_id, new.duration_s, size)
        return self.get(new.look_id)

    def delete(self, look_id: str) -> None:
        """Delete a look: its row, then its files; raises ``LookNotFound``."""
        if not self.delete_if_present(look_id):
            raise LookNotFound(f"there is no look with id {look_id!r}")

    def delete_if_present(self, look_id: str) -> bool:
        """Delete a look if it exists; True when it did."""
        if not valid_id(look_id):
            return False
        with self._lock:
            try:
                # the schema deletes the comparisons showing this look with it; their files follow
                comparisons = self._db().comparisons_of(look_id)
                existed = self._db().delete(look_id)
            except sqlite3.Error as exc:
                raise LibraryError(f"cannot delete look {look_id} ({_why(exc)})") from None
        self.remove_files(look_id)
        for comparison_id in comparisons:
            self.layout.comparison_video(comparison_id).unlink(missing_ok=True)
        if existed:
            _log.info("look %s deleted", look_id)
        return existed

    def remove_files(self, look_id: str) -> None:
        """Remove whatever files of a look exist (no row is touched)."""
        for path in self.layout.files(look_id):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def set_consent(self, look_id: str, granted: bool, by: str = "customer", wording: str | None = None) -> Look:
        """Record the shopper's (or operator's) yes or no for keeping a look, with time and wording version."""
        if by not in CONSENT_BY:
            raise LibraryError(f"consent can be given by {' or '.join(CONSENT_BY)}, not {by!r}")
        values = {"consent": CONSENT_GRANTED, "consent_by": by} if granted else {"consent": CONSENT_NONE, "consent_by": None}
        return self._update(look_id, consent_at=time.time(), consent_wording=wording, **values)

    def attach_customer(self, look_id: str, customer_id: str | None) -> Look:
        """Tie a look to a customer (None unties it)."""
        return self._update(look_id, customer_id=customer_id)

    def set_analysis(self, look_id: str, kind: str, data) -> None:
        """Store (replace) the JSON-serialisable analysis result ``kind`` of a look."""
        self.get(look_id)
        with self._lock:
            self._db().set_analysis(look_id, kind, data)

    def end_session(self, session_id: str) -> list[str]:
        """The session ended: delete its looks without consent; returns their ids."""
        doomed = [look.id for look in self.list(session_id=session_id) if not look.consented]
        return [look_id for look_id in doomed if self.delete_if_present(look_id)]

    def end_stale_sessions(self, current_session: str | None = None) -> list[str]:
        """At start-up no earlier session is still going: delete their unconsented looks."""
        with self._lock:
            rows = self._db().select("consent = ? AND session_id IS NOT NULL", (CONSENT_NONE,))
        doomed = [row["id"] for row in rows if row["session_id"] != current_session]
        return [look_id for look_id in doomed if self.delete_if_present(look_id)]

    def forget_customer(self, customer_id: str) -> list[str]:
        """'Forget me': delete every look tied to this customer; returns their ids."""
        doomed = [look.id for look in self.list(customer_id=customer_id)]
        return [look_id for look_id in doomed if self.delete_if_present(look_id)]

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The database connection, under the library's lock (for its other tables' stores)."""
        with self._lock:
            yield self._db().conn

    # -- internals ----------------------------------------------------------------------------

    def _update(self, look_id: str, **values) -> Look:
        if not valid_id(look_id):
            raise LookNotFound(f"there is no look with id {look_id!r}")
        with self._lock:
            if not self._db().update(look_id, **values):
                raise LookNotFound(f"there is no look with id {look_id!r}")
        return self.get(look_id)

    def _db(self) -> LookStore:
        if self._store is None:
            raise LibraryError("the look library is not open")
        return self._store

    def _look(self, row: sqlite3.Row) -> Look:
        look_id = row["id"]
        fields = {key: row[key] for key in row.keys()}
        return Look(
            **fields,
            path=str(self.layout.video(look_id)),
            poster_path=str(self.layout.poster(look_id)),
            strip_path=str(self.layout.strip(look_id)),
        )


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
