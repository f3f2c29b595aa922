"""One SQLite database behind one connection and a lock, opened the same way for every layer.

``open()`` creates the file private to the kiosk's user, switches to WAL, sets the schema's
``synchronous`` level, a busy timeout and foreign keys, refuses a database from a newer
kiosk, checks the file (``PRAGMA quick_check``) and applies the missing migrations. A damaged
file is moved aside (``NAME.damaged-<time>`` with its -wal/-shm) and replaced by a fresh one
when the schema says it can be rebuilt, with whatever rows can still be read copied over and
one log line saying so; otherwise the database refuses to open with one sentence saying how
to recover. The same happens when damage shows up later, in a query.

Every layer's queries run through ``transaction()`` (BEGIN IMMEDIATE … COMMIT, ROLLBACK on
any error) or ``reading()``/``query()``; an ``sqlite3`` error leaves as the layer's own
error class with one plain sentence. The connection is shared by all threads behind a
re-entrant lock: every query here is a few rows, so the API's worker threads, the recorder
and the UI's workers wait for each other for microseconds rather than keep a pool.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.storage import files
from kiosk.storage.damage import is_damage, may_be_damage, quick_check, salvage
from kiosk.storage.schema import Schema, migrate, rollback, user_version

_log = logging.getLogger(__name__)

# How long a statement waits for another program's lock inside ``impatient()`` (this thread only).
_patience = threading.local()
IMPATIENT_S = 0.1


@contextmanager
def impatient(seconds: float = IMPATIENT_S) -> Iterator[None]:
    """Within, on this thread, a database another program holds locked answers "locked" after
    ``seconds`` instead of its schema's busy timeout (10 s): for the retries the core's clock makes
    on its own (a visit's end, a "forget me" left unfinished), which must never hold up the thread
    that answers the shopper's touches. What fails is tried again at a later tick anyway."""
    before = getattr(_patience, "seconds", None)
    _patience.seconds = seconds
    try:
        yield
    finally:
        _patience.seconds = before


class _Damaged(Exception):
    """The file is damaged; ``why`` says how, for the log line and the sentence."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Database:
    """One SQLite file of ``schema``; every public method is thread-safe."""

    def __init__(self, path: str | Path, schema: Schema, on_rebuilt: Callable[[], str | None] | None = None) -> None:
        self.path = Path(path)
        self.schema = schema
        # Called (lock held, fresh database open) after a damaged file was replaced; what it
        # returns (e.g. "5 looks restored from their record files") ends the log line.
        self.on_rebuilt = on_rebuilt
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._seen: tuple[sqlite3.Connection, int] | None = None  # the connection and data_version last looked at
        self._shortened = False  # its busy timeout is shortened now (``impatient``; under the lock)
        self._move_lock = files.MoveLock(self.path)

    # -- lifecycle ----------------------------------------------------------------------------

    def open(self) -> "Database":
        """Open (creating, upgrading or rebuilding as needed); raises the schema's error."""
        with self._lock:
            if self._conn is not None:
                return self
            if self.path.exists() and not self.path.is_file():
                # Refused before anything is made or changed beside it: preparing the "file" would
                # take the permissions off a folder (a configuration naming /tmp made it 0600).
                raise self._error(f"cannot open {self._name}: it is a folder or a device, not a database file")
            try:
                self.path.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
                self._move_lock.share()
            except OSError as exc:
                raise self._error(f"cannot open {self._name} ({_why(exc)})") from None
            try:
                try:
                    self._conn = self._connect()
                except _Damaged as damage:
                    self._replace(damage.why)
            except BaseException:
                self._move_lock.release()
                raise
        return self

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._seen = None
            self._move_lock.release()

    def __enter__(self) -> "Database":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    # -- using it -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside BEGIN IMMEDIATE … COMMIT; any error rolls everything back."""
        with self._lock, self._waiting():
            conn = self._require()
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                rollback(conn)
                raise self._failure(exc, "written") from exc
            except BaseException:
                rollback(conn)
                raise

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a few reads (autocommit, no other thread in between)."""
        with self._lock, self._waiting():
            conn = self._require()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise self._failure(exc, "read") from exc

    def query(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        """All rows of one statement."""
        with self.reading() as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it (e.g. so deleted rows leave the WAL).

        False when another program's reader kept it from being emptied now (the next
        checkpoint does it); a database that cannot be written raises as any write does.
        """
        with self.reading() as conn:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            _log.warning("%s: its log could not be emptied now (another program is reading it); the next checkpoint will",
                         self.schema.label)
        return not busy

    def changed_elsewhere(self) -> bool:
        """Whether another connection (another program: ``kiosk looks delete``, ``kiosk customers
        forget``) committed a change since the last call; False at the first call and while closed.

        ``PRAGMA data_version`` moves only with other connections' commits, never this one's, and
        reads no table: cheap enough to ask every second. While another thread uses the connection
        (a write waiting out another program's lock) it is not waited for: False, asked next time."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if self._conn is None:
                return False
            with self.reading() as conn:
                version = conn.execute("PRAGMA data_version").fetchone()[0]
            seen, self._seen = self._seen, (conn, version)
        finally:
            self._lock.release()
        # A rebuilt database is another connection: what was looked at before may be gone.
        return seen is not None and (seen[0] is not conn or seen[1] != version)

    # -- internals ----------------------------------------------------------------------------

    @contextmanager
    def _waiting(self) -> Iterator[None]:
        """Inside ``impatient()``: the connection's busy timeout shortened for this use, then set back
        (the lock is held: no other thread uses the connection meanwhile)."""
        seconds = getattr(_patience, "seconds", None)
        conn = self._conn
        if seconds is None or conn is None or self._shortened:  # (already shortened by an outer use)
            yield
            return
        conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        self._shortened = True
        try:
            yield
        finally:
            self._shortened = False
            if self._conn is conn:
                conn.execute(f"PRAGMA busy_timeout = {int(self.schema.busy_timeout_s * 1000)}")

    @property
    def _name(self) -> str:
        return f"{self.schema.label} {self.path}"

    def _error(self, sentence: str) -> KioskError:
        return self.schema.error(sentence)

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise self._error(f"{self.schema.label} is not open")
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        """A checked, migrated connection; raises ``_Damaged`` or the schema's error."""
        schema = self.schema
        try:
            files.prepare(self.path, schema.mode)
        except OSError as exc:
            raise self._error(f"cannot open {self._name} ({_why(exc)})") from None
        try:
            conn = sqlite3.connect(
                self.path, timeout=schema.busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise self._error(f"cannot open {self._name} ({_why(exc)})") from None
        step = "open"
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            conn.execute(f"PRAGMA synchronous = {schema.synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            if schema.secure_delete:
                conn.execute("PRAGMA secure_delete = ON")
            version = user_version(conn)
            if version > schema.version:
                raise self._error(
                    f"{self._name} is from a newer version of the kiosk (database version {version}, this "
                    f"version knows up to {schema.version}); upgrade the kiosk software to use it"
                )
            problem = quick_check(conn)
            if problem is not None:
                raise _Damaged(problem)
            step = f"upgrade from version {version} to {schema.version}"
            migrate(conn, schema, self._name)
            files.tighten(self.path, schema.mode)  # -wal and -shm exist now
        except sqlite3.Error as exc:
            conn.close()
            if is_damage(exc):
                raise _Damaged(_why(exc)) from None
            raise self._error(f"cannot {step} {self._name} ({_why(exc)})") from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _replace(self, why: str, old: sqlite3.Connection | None = None) -> None:
        """Move the damaged file aside and go on with a fresh one holding what could be saved."""
        schema = self.schema
        if not schema.rebuildable:
            raise self._error(
                f"{self._name} is damaged ({why}); the kiosk will not go on with an empty one: {schema.recovery_hint}"
            )
        if not self._move_lock.try_exclusive():
            raise self._error(
                f"{self._name} is damaged ({why}) and another kiosk process has it open; "
                "stop the kiosk service and run the command again to rebuild it"
            )
        try:
            if old is not None:
                old.close()
                self._conn = None  # until the fresh one is open
            moved = files.move_aside(self.path)
            conn = self._connect()
            copied = salvage(moved, conn, schema.salvage)
        except OSError as exc:
            raise self._error(f"{self._name} is damaged ({why}) and could not be moved aside ({_why(exc)})") from None
        except _Damaged as again:
            raise self._error(f"{self._name} is damaged ({why}) and a fresh one failed too ({again.why})") from None
        finally:
            self._move_lock.share()
        self._conn = conn
        rows = ", ".join(f"{n} {table}" for table, n in copied.items()) or "none"
        restored = ""
        if self.on_rebuilt is not None:
            try:
                restored = self.on_rebuilt() or ""
            except (KioskError, OSError) as exc:
                restored = f"restoring the rest failed ({exc})"
        _log.error(
            "%s was damaged (%s): moved it to %s and started a fresh one; rows saved: %s%s",
            self._name, why, moved.name, rows, f"; {restored}" if restored else "",
        )

    def _failure(self, exc: sqlite3.Error, doing: str) -> KioskError:
        """The sentence for a failed query; damage found now is dealt with as at open."""
        if may_be_damage(exc) and self._conn is not None:
            try:
                problem = quick_check(self._conn)
            except sqlite3.Error as check_error:
                problem = _why(check_error)
            if problem is not None:
                try:
                    self._replace(problem, old=self._conn)
                except KioskError as refused:
                    return refused
                return self._error(f"{self._name} was damaged and has been rebuilt; try again")
        tail = "; nothing was changed" if doing == "written" else ""
        return self._error(f"{self._name} could not be {doing} ({_why(exc)}){tail}")


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
