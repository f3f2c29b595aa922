"""The kiosk's databases: readable, not from a newer kiosk, not damaged — checked without changing a byte.

The storage layer (``kiosk.storage.Database``) repairs what it opens: it migrates, and moves a
damaged file aside to rebuild it. The doctor must not, so it opens each file the read-only way
SQLite offers: ``mode=ro`` when the file's ``-wal`` and ``-shm`` are there (a running kiosk's
shared memory is read, nothing is created), else ``immutable=1`` (no journal to read, and
SQLite then creates no ``-shm`` either). It runs ``PRAGMA quick_check`` like the storage layer
and names a damaged file with what the kiosk will do about it, or what a person must do
(docs/STORAGE.md): the look and network databases are rebuilt by the kiosk at its next start,
the customer directory is never rebuilt (restore a backup or re-import the CRM export). A file
with no table in it (zero bytes: SQLite reads it as an empty database of version 0) is named
empty, with how the kiosk sets it up, so the library check does not stumble on "no such table".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.doctor.check import Context, Result, fail, ok, warning
from kiosk.storage.damage import is_damage, quick_check
from kiosk.storage.files import with_suffix

SET_UP_HINT = ("Start the kiosk once, or restart it ('systemctl restart smartmirror-kiosk'): it sets up the empty "
               "file{extra}.")
REBUILD_HINT = ("Restart the kiosk ('systemctl restart smartmirror-kiosk'): it moves the damaged file aside as "
                "{name}.damaged-<time> and starts a fresh one with every row it can still read{extra}.")

# Provision never changes the data, and an older kiosk cannot go back to an older version of it: the
# newer software must run again. After a rollback that is the previous release, which --rollback
# switches to (the one --rollback itself refuses to leave for a release that cannot open the data).
NEWER_HINT = ("This kiosk is older than its data: run the newer kiosk software again ('sudo "
              "/opt/smartmirror/current/scripts/provision --rollback' goes forward to it when a rollback put this "
              "one in place; else scripts/provision from a newer checkout). Provision never changes the data; never "
              "edit the file.")


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that cannot write to ``path`` nor create anything beside it."""
    shared = all(with_suffix(path, s).exists() for s in ("-wal", "-shm"))
    flags = "mode=ro" if shared else "mode=ro&immutable=1"
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?{flags}", uri=True, timeout=5.0)
    try:
        yield conn
    finally:
        conn.close()


def _databases(ctx: Context) -> list[tuple[str, str, Path, object]]:
    """(check id, label, path, schema) of every database of this kiosk."""
    from kiosk.identity.directory import SCHEMA as IDENTITY
    from kiosk.library.schema import SCHEMA as LOOKS
    from kiosk.net.db import FILENAME
    from kiosk.net.db import SCHEMA as NETWORK

    identity = ctx.identity_database()
    return [
        ("db-looks", "the look database", ctx.data_dir / "looks.db", LOOKS),
        ("db-network", "the network database", ctx.data_dir / FILENAME, NETWORK),
        ("db-identity", "the customer directory", identity, IDENTITY),
    ]


def check_databases(ctx: Context) -> list[Result]:
    results = []
    for check_id, label, path, schema in _databases(ctx):
        result = _check(check_id, label, path, schema)
        ctx.memo[f"damaged:{check_id}"] = "is damaged" in result.sentence
        ctx.memo[f"empty:{check_id}"] = "is empty" in result.sentence
        results.append(result)
    return results


def damaged(ctx: Context, check_id: str) -> bool:
    """Whether the check ``check_id`` found its database damaged (other checks skip it then)."""
    return ctx.memo.get(f"damaged:{check_id}", False)


def empty(ctx: Context, check_id: str) -> bool:
    """Whether the check ``check_id`` found its database empty, no table set up (other checks skip it then)."""
    return ctx.memo.get(f"empty:{check_id}", False)


def _check(check_id: str, label: str, path: Path, schema) -> Result:
    from kiosk.doctor.storage import AS_KIOSK_USER_HINT, closed_to_user
    from kiosk.users import user_name

    why = closed_to_user(path)
    if why:  # not a fault of the file: the kiosk's user reads it
        return fail(check_id, f"{label.capitalize()} {path} cannot be checked: it {why} ({user_name()}).",
                    AS_KIOSK_USER_HINT)
    if not path.exists():
        return ok(check_id, f"{label.capitalize()} ({path}) does not exist yet; the kiosk creates it when it first needs it.")
    try:
        with read_only(path) as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > schema.version:
                return fail(check_id, f"{label.capitalize()} {path} is from a newer kiosk (database version {version}, "
                                      f"this one knows up to {schema.version}).",
                            NEWER_HINT)
            problem = quick_check(conn)
            tables = int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            return fail(check_id, f"{label.capitalize()} {path} cannot be read ({exc}).",
                        "Check the file's owner and mode (the kiosk's user, 0600) and the disk ('dmesg' for I/O errors).")
        problem = str(exc)
    if problem is None and version == 0 and tables == 0:
        # A file the kiosk never set up, or one emptied (0 bytes): SQLite reads it as a database with nothing in it.
        return warning(check_id, f"{label.capitalize()} {path} is empty ({_size(path)}, no tables): it was never set up, "
                                 "or it was emptied.", _set_up(path, schema))
    if problem is None:
        return ok(check_id, f"{label.capitalize()} ({path.name}) is readable and sound (version {version}).")
    return fail(check_id, f"{label.capitalize()} {path} is damaged ({problem}).", _recovery(path, schema))


def _size(path: Path) -> str:
    size = path.stat().st_size
    return "1 byte" if size == 1 else f"{size} bytes"


def _set_up(path: Path, schema) -> str:
    if not schema.rebuildable:  # what it held is nowhere else
        return (f"If it held customers before, stop the kiosk, then {schema.recovery_hint}. Otherwise start the kiosk "
                "once ('systemctl restart smartmirror-kiosk'): it sets up the empty file.")
    extra = (", then brings back every look whose video and record file are still in looks/ (a video without its "
             "record file is removed: nobody can say any more whether its shopper agreed)") if path.name == "looks.db" else ""
    return SET_UP_HINT.format(extra=extra)


def _recovery(path: Path, schema) -> str:
    if not schema.rebuildable:
        return (f"The kiosk will not start over with an empty one: stop the kiosk, then {schema.recovery_hint}. "
                "Keep the damaged file until you are done.")
    extra = "; every look whose video is still on disk comes back from its record file" if path.name == "looks.db" else ""
    return REBUILD_HINT.format(name=path.name, extra=extra)
