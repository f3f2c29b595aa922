"""The look library: SQLite (WAL) rows plus the files under one data folder.

A look's files (poster, strip, record file, then the video) are moved into ``looks/``
(atomic renames on one filesystem, flushed to disk) before its row is committed, and its
record file goes before its deletion is committed; so a crash leaves at worst a video
without a row, which recovery (``kiosk.recording.recovery``) adopts from its record file or
removes. Never a row without its video, never a deleted look brought back. The database is
opened by the storage layer (``kiosk.storage``, see ``kiosk.library.schema``); when it is
found damaged it is replaced, and every look whose video and record file are on disk is
restored. Every public method is thread-safe (one connection behind the storage layer's lock).

The consent answer of each session is kept too, so a take that lands after a yes (even one
salvaged after a crash, even after its session ended) is stored as kept, tied to the card. An
answer is kept for as long as a take of its session waits in the work folder, and the takes
there carry the latest answer in their metadata as well (``kiosk.library.takes``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.library import ids, records, store, takes
from kiosk.library.errors import LibraryError, LibraryMissing, LookNotConsented, LookNotFound
from kiosk.library.layout import LibraryLayout, valid_id
from kiosk.library.look import (
    CONSENT_BY,
    CONSENT_GRANTED,
    CONSENT_NONE,
    Look,
    NewLook,
    Note,
    clean_note,
    consent_values,
    new_row,
)
from kiosk.library.schema import SCHEMA
from kiosk.storage import Database
from kiosk.paths import IDENTITY_DB_NAME, STORE_SECRET_NAME
from kiosk.storage.files import SIDE_FILES, fsync_dir
from kiosk.words import count

_log = logging.getLogger(__name__)


class Library:
    """Looks on disk and in SQLite; every public method is thread-safe."""

    def __init__(self, data_dir: str | os.PathLike, on_new: Callable[[Path], None] | None = None) -> None:
        """``on_new(folder)``: told when ``open`` starts a new library where none was expected (``unexpected_new``)."""
        self.layout = LibraryLayout(Path(data_dir).expanduser().absolute())
        self._db = Database(self.layout.db, SCHEMA, on_rebuilt=self._restore_from_records)
        self._on_new = on_new

    # -- lifecycle ----------------------------------------------------------------------------

    def open(self, create: bool = True) -> "Library":
        """Create the folders if needed, open the database and bring its schema up to date.

        With ``create=False`` only a library already there is opened: a folder without its
        database raises ``LibraryMissing`` and nothing is made. (Looks left without their database
        are brought back by a start of the mirror, not by a command that only reads.)
        """
        if self._db.is_open:
            return self
        layout = self.layout
        if not create and not layout.db.exists():
            raise LibraryMissing(f"there is no look library in {layout.root}")
        new = self._on_new is not None and unexpected_new(layout)  # asked before the folders are made
        try:
            for folder in (layout.root, layout.looks, layout.work):
                folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot open the look library in {layout.root} ({_why(exc)})") from None
        self._db.open()
        if new:
            self._on_new(layout.root)
        return self

    def close(self) -> None:
        self._db.close()

    def start(self) -> None:
        """Open the library as a part of the running kiosk."""
        self.open()

    def stop(self) -> None:
        """Close it again (the kiosk's last part to stop)."""
        self.close()

    def __enter__(self) -> "Library":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def new_id() -> str:
        """A fresh unguessable look id (128 random bits, URL-safe, never starting with ``-``)."""
        return ids.new_id()

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
        with self._db.reading() as conn:
            row = store.get(conn, look_id)
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
        with self._db.reading() as conn:
            rows = store.select(conn, " AND ".join(where), params)
        return [self._look(row) for row in rows]

    def oldest_first(self) -> list[Look]:
        """All looks, oldest first (what retention walks)."""
        with self._db.reading() as conn:
            rows = store.select(conn, order="created, id")
        return [self._look(row) for row in rows]

    def video_path(self, look_id: str) -> Path:
        """The MP4 of a look, for playing or sending; raises ``LookNotFound``."""
        return Path(self.get(look_id).path)

    def total_bytes(self) -> int:
        """Bytes used by all looks (videos and stills)."""
        with self._db.reading() as conn:
            return store.total_bytes(conn)

    def ids(self) -> set[str]:
        """Every look id that has a row."""
        with self._db.reading() as conn:
            return store.ids(conn)

    def changed_elsewhere(self) -> bool:
        """Whether another program (``kiosk looks delete``, ``kiosk customers forget``) changed the
        library since the last call (``kiosk.storage.Database.changed_elsewhere``)."""
        return self._db.changed_elsewhere()

    def analysis(self, look_id: str) -> dict:
        """Analysis results of a look by kind (e.g. ``{"turn": {...}}``)."""
        self.get(look_id)
        with self._db.reading() as conn:
            return store.analysis(conn, look_id)

    def notes(self, look_ids: list[str]) -> dict[str, list[Note]]:
        """The associates' notes on each of ``look_ids`` (oldest first); looks without any are left out."""
        with self._db.reading() as conn:
            rows = store.notes(conn, [look_id for look_id in look_ids if valid_id(look_id)])
        out: dict[str, list[Note]] = {}
        for row in rows:
            out.setdefault(row["look_id"], []).append(Note(**{key: row[key] for key in row.keys()}))
        return out

    def session_consented(self, session_id: str | None) -> bool:
        """True when the shopper of ``session_id`` said yes (and has not taken it back)."""
        if not session_id:
            return False
        with self._db.reading() as conn:
            row = store.session_consent(conn, session_id)
        return row is not None and row["consent"] == CONSENT_GRANTED

    def session_answer(self, session_id: str) -> bool | None:
        """The answer kept for ``session_id``: True for a yes, False for a no, None when none is kept."""
        with self._db.reading() as conn:
            row = store.session_consent(conn, session_id)
        return None if row is None else row["consent"] == CONSENT_GRANTED

    def consent_for_take(self, session_id: str | None) -> dict:
        """What a take of ``session_id`` starting now carries in its metadata (``consent_by``,
        ``customer_id``): its shopper's yes so far, or nothing (``kiosk.library.takes``)."""
        if not session_id:
            return {}
        with self._db.reading() as conn:
            row = store.session_consent(conn, session_id)
        if row is None or row["consent"] != CONSENT_GRANTED:
            return {}
        return {"consent_by": row["consent_by"], "customer_id": row["customer_id"]}

    # -- changing -----------------------------------------------------------------------------

    def add_look(self, new: NewLook) -> Look:
        """Move a finished recording's files into place, then commit its row.

        The look is stored as kept when ``new.consent_by`` is the operator, or when its
        session's shopper has said yes (``set_session_consent``), even if that session has
        ended; a session with no answer kept goes by ``new.consent_by`` (the yes its take carries).
        """
        if not valid_id(new.look_id):
            raise LibraryError(f"refusing a look with a malformed id {new.look_id!r}")
        layout = self.layout
        moves = [(new.poster, layout.poster(new.look_id)), (new.strip, layout.strip(new.look_id))]
        moves.append((new.video, layout.video(new.look_id)))  # the video last: it marks the look complete
        moves = [(Path(src), dst) for src, dst in moves if src is not None and Path(src) != dst]
        try:
            for src, _dst in moves:
                _fsync_file(src)  # the slow part, before the database is locked
        except OSError as exc:
            raise LibraryError(f"cannot store the new look ({_why(exc)})") from None
        moved: list[tuple[Path, Path]] = []
        record: list[Path] = []  # the record file this call made (one left by a crash is not ours to remove)
        try:
            with self._db.transaction() as conn:
                row = new_row(new, store.session_consent(conn, new.session_id) if new.session_id else None)
                try:
                    if not layout.record_file(new.look_id).exists():
                        record.append(layout.record_file(new.look_id))
                    records.write(layout.record_file(new.look_id), row)
                    for src, dst in moves:
                        os.replace(src, dst)
                        moved.append((src, dst))
                    fsync_dir(layout.looks)
                    row["stills_bytes"] = sum(_size(p) for p in (layout.poster(new.look_id), layout.strip(new.look_id)))
                    row["bytes"] = layout.video(new.look_id).stat().st_size
                except OSError as exc:
                    raise LibraryError(f"cannot store the new look ({_why(exc)})") from None
                store.insert(conn, row)
        except BaseException:
            self._put_back(new.look_id, moved, record)  # so the same call can be tried again
            raise
        _log.info("look %s stored (%.1f s, %d bytes)", new.look_id, new.duration_s, row["bytes"])
        return self.get(new.look_id)

    def _put_back(self, look_id: str, moved: list[tuple[Path, Path]], record: list[Path]) -> None:
        """Undo an ``add_look`` whose row was not committed (a full disk, an I/O error): its files go
        back where they came from, then the record file it wrote goes (a crash in between leaves a
        stray record, which recovery removes, and the take in its work folder). The error's "nothing
        was changed" then holds, and a retry finds the files it was given; it used to find them gone."""
        try:
            for src, dst in reversed(moved):
                os.replace(dst, src)
            for folder in {src.parent for src, _dst in moved}:
                fsync_dir(folder)
            for path in record:
                records.remove(path)
        except OSError as exc:
            _log.warning("look %s: its files could not be put back after its row failed (%s)", look_id, _why(exc))

    def delete(self, look_id: str) -> None:
        """Delete a look: its row, then its files; raises ``LookNotFound``."""
        if not self.delete_if_present(look_id):
            raise LookNotFound(f"there is no look with id {look_id!r}")

    def delete_if_present(self, look_id: str) -> bool:
        """Delete a look if it exists; True when it did (the comparisons showing it go with it)."""
        if not valid_id(look_id):
            return False
        with self._db.transaction() as conn:
            comparisons = store.comparisons_of(conn, look_id)  # the schema deletes their rows with the look's
            existed = store.delete(conn, look_id)
            try:
                records.remove(self.layout.record_file(look_id))  # before the commit: never to be adopted again
            except OSError as exc:
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
        doomed: list[str] = []

        def drop_comparisons(conn: sqlite3.Connection) -> None:  # as for a session's no (``set_session_consent``)
            doomed.extend(store.delete_comparisons_of(conn, [look_id]))

        look = self._update(look_id, None if granted else drop_comparisons, consent_at=time.time(),
                            consent_wording=wording, **consent_values(granted, by))
        self._remove_comparisons(doomed)
        return look

    def attach_customer(self, look_id: str, customer_id: str | None) -> Look:
        """Tie a look to a customer (None unties it)."""
        return self._update(look_id, customer_id=customer_id)

    def set_session_consent(
        self, session_id: str, granted: bool, customer_id: str | None = None, wording: str | None = None
    ) -> list[str]:
        """The shopper of ``session_id`` said yes (or took it back): their looks so far, and
        every take of the session still to land, are kept (or not) and tied to ``customer_id``
        (None unties them). Returns the ids of the session's looks.

        Its takes waiting in the work folder carry the answer too, and answers older than a day
        go, but those of sessions with a take still there (``kiosk.library.takes``)."""
        now = time.time()
        values = {**consent_values(granted, "customer"), "customer_id": customer_id, "wording": wording}
        with self._db.transaction() as conn:
            store.set_session_consent(conn, session_id, values, now, waiting=takes.sessions(self.layout))
            # In the transaction: two answers at once reach the takes in the order they commit.
            takes.tag(self.layout, {session_id}, values["consent_by"], customer_id if granted else None)
            rows = store.select(conn, "session_id = ?", (session_id,))
            for row in rows:
                change = {"customer_id": customer_id}
                if (row["consent"] == CONSENT_GRANTED) != granted:
                    change.update(consent_values(granted, "customer"), consent_at=now, consent_wording=wording)
                records.change(conn, self.layout, row, change, sync_dir=False)
            # A comparison is a shareable copy of its looks' pictures: it is not kept once any of
            # them is not to be kept, as if the look were deleted (the look itself stays until
            # its session's end decides). A render in progress finds its row gone (``finish``).
            doomed = [] if granted else store.delete_comparisons_of(conn, [row["id"] for row in rows])
            try:
                fsync_dir(self.layout.looks)  # once for all the records written above
            except OSError as exc:
                raise LibraryError(f"cannot save the session's looks ({_why(exc)})") from None
        self._remove_comparisons(doomed)
        return [row["id"] for row in rows]

    def drop_waiting(self, session_id: str) -> list[str]:
        """Delete the takes of ``session_id`` waiting in the work folder for room, its shopper's no
        saved (``kiosk.library.takes.drop_waiting``); the ids deleted."""
        return takes.drop_waiting(self.layout, {session_id})

    def _remove_comparisons(self, doomed: list[str]) -> None:
        """The files of comparisons whose rows went because consent to one of their looks was withdrawn."""
        for comparison_id in doomed:
            self.layout.comparison_video(comparison_id).unlink(missing_ok=True)
        if doomed:
            _log.info("consent withdrawn: %s deleted", count(len(doomed), "comparison"))

    def set_analysis(self, look_id: str, kind: str, data) -> None:
        """Store (replace) the JSON-serialisable analysis result ``kind`` of a look."""
        if not valid_id(look_id):
            raise LookNotFound(f"there is no look with id {look_id!r}")
        with self._db.transaction() as conn:
            row = store.get(conn, look_id)
            if row is None:
                raise LookNotFound(f"there is no look with id {look_id!r}")
            store.set_analysis(conn, look_id, kind, data)
            records.change(conn, self.layout, row, {})  # the record keeps the analysis too

    def add_note(self, look_id: str, text: str = "", product: str = "") -> Note:
        """An associate's note on a look the shopper agreed to keep (``LookNotConsented``
        otherwise, ``ValueError`` for an empty or overlong note). Kept in the look's record file
        too, and deleted with the look."""
        text, product = clean_note(text, product)
        note = Note(ids.new_id(), look_id, time.time(), text, product)
        with self._db.transaction() as conn:
            row = store.get(conn, look_id) if valid_id(look_id) else None
            if row is None:
                raise LookNotFound(f"there is no look with id {look_id!r}")
            if row["consent"] != CONSENT_GRANTED:
                raise LookNotConsented("the shopper has not agreed to keep this look, so it takes no notes")
            store.add_note(conn, note.to_dict())
            records.change(conn, self.layout, row, {})
        _log.info("note added to look %s", look_id)  # never its words: they may name the customer
        return note

    def delete_note(self, look_id: str, note_id: str) -> bool:
        """Delete one note of a look; False when the look has no such note."""
        if not valid_id(look_id):
            return False
        with self._db.transaction() as conn:
            row = store.get(conn, look_id)
            if row is None or not store.delete_note(conn, look_id, note_id):
                return False
            records.change(conn, self.layout, row, {})
        _log.info("note deleted from look %s", look_id)
        return True

    def end_session(self, session_id: str) -> list[str]:
        """The session ended: delete its looks without consent; returns their ids.

        Its consent answer stays, for a take of it that is still being finished.
        """
        doomed = [look.id for look in self.list(session_id=session_id) if not look.consented]
        return [look_id for look_id in doomed if self.delete_if_present(look_id)]

    def end_stale_sessions(self, current_session: str | None = None, waiting: Collection[str] = ()) -> list[str]:
        """At start-up no earlier session is still going: delete their unconsented looks.

        Their answers go too, but those of the ``waiting`` sessions, which still have a take
        to store (kept by recovery for the next try): without its yes that take would be
        deleted as unconsented when it is stored.
        """
        keep = {*waiting, *([current_session] if current_session else [])}
        with self._db.transaction() as conn:
            rows = store.select(conn, "consent = ? AND session_id IS NOT NULL", (CONSENT_NONE,))
            store.drop_session_consents(conn, keep=keep)
        doomed = [row["id"] for row in rows if row["session_id"] != current_session]
        return [look_id for look_id in doomed if self.delete_if_present(look_id)]

    def forget_customer(self, customer_id: str) -> list[str]:
        """'Forget me': delete every look tied to this customer; returns their ids."""
        with self._db.transaction() as conn:
            sessions = store.sessions_of(conn, customer_id)
            # A take of theirs still in the work folder is not stored: its session's answer
            # becomes a no tied to nobody, and the take no longer carries their yes.
            store.forget_session_consents(conn, customer_id, waiting=takes.sessions(self.layout))
            takes.tag(self.layout, set(sessions), None, None, customer_of=customer_id)
        takes.drop_waiting(self.layout, set(sessions))  # committed: her takes waiting for room go now
        doomed = [look.id for look in self.list(customer_id=customer_id)]
        deleted = [look_id for look_id in doomed if self.delete_if_present(look_id)]
        # Deleted rows are overwritten (secure_delete); their old pages stay in the WAL until a
        # checkpoint, which the kiosk's long-open connection would otherwise put off for hours.
        try:
            self._db.checkpoint()
        except LibraryError as exc:
            _log.warning("after forgetting a customer: %s; the next checkpoint will empty the log", exc)
        return deleted

    # -- record files ---------------------------------------------------------------------------

    def adopt(self, look_id: str) -> bool:
        """Give a video in ``looks/`` without a row its row back from its record file.

        False when there is no usable record (the look was being deleted, or is from before
        record files): what was never known to be consented is not kept.
        """
        return records.adopt(self._db, self.layout, look_id)

    def write_missing_records(self) -> int:
        """Write the record file of every look that lacks one (e.g. stored by an older kiosk)."""
        return records.write_missing(self._db, self.layout)
    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a few reads of the library's other tables (``kiosk.library.comparisons``)."""
        with self._db.reading() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one transaction, for the library's other tables."""
        with self._db.transaction() as conn:
            yield conn

    # -- internals ----------------------------------------------------------------------------

    def _restore_from_records(self) -> str:
        return records.restore_all(self._db, self.layout)

    def _update(self, look_id: str, also: Callable[[sqlite3.Connection], None] | None = None, **values) -> Look:
        """Change a look's row and record file; ``also`` does more in the same transaction."""
        if not valid_id(look_id):
            raise LookNotFound(f"there is no look with id {look_id!r}")
        with self._db.transaction() as conn:
            row = store.get(conn, look_id)
            if row is None:
                raise LookNotFound(f"there is no look with id {look_id!r}")
            records.change(conn, self.layout, row, values)
            if also is not None:
                also(conn)
        return self.get(look_id)

    def _look(self, row: sqlite3.Row) -> Look:
        look_id = row["id"]
        fields = {key: row[key] for key in row.keys()}
        return Look(
            **fields,
            path=str(self.layout.video(look_id)),
            poster_path=str(self.layout.poster(look_id)),
            strip_path=str(self.layout.strip(look_id)),
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# What the mirror's own commands may leave in its data folder before its first start: the customer
# directory of ``kiosk customers import`` (with SQLite's side files, and its journal) and the store
# secret it makes there. A folder holding only these was made ready for the mirror.
BEFORE_FIRST_START = frozenset(
    [IDENTITY_DB_NAME + side for side in ("", "-journal", *SIDE_FILES)] + [STORE_SECRET_NAME])


def unexpected_new(layout: LibraryLayout) -> bool:
    """True when opening ``layout`` would start a new library in a folder not made ready for one.

    That is a folder without a library that did not exist (a mistyped ``--library`` or
    ``library.data_dir``) or that holds other things (the ``looks`` folder of a library, ``/var/lib``).
    An empty folder is one made for the library (scripts/provision, systemd's StateDirectory=): a first
    start; so is one holding only what the mirror's commands leave before it (``BEFORE_FIRST_START``).
    """
    if layout.holds_library():
        return False
    try:
        with os.scandir(layout.root) as entries:
            return any(entry.name not in BEFORE_FIRST_START for entry in entries)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # not a folder, or closed to this user: open() names the problem


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
