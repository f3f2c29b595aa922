"""What the network layer forgets when a shopper asks: outbox entries, share links, WAL pages.

"Forget me" (``CustomerForgotten`` on the bus, or ``kiosk customers forget``) deletes the
customer's looks first; then ``forget_customer`` turns every share link of a look that no
longer exists into a bare revoked token hash (the row no longer says which look it opened),
deletes every waiting outbox entry that names the customer or those looks, or a session or
look such an entry names (the store service must not receive them after the request), and
checkpoints the database with ``secure_delete`` on, so the deleted rows survive neither in
free pages nor in the write-ahead log. Delivered entries keep no body to purge.

Withdrawn consent (``ConsentChanged`` with ``withdrawn``) revokes the links of that session's
looks for good: a later yes gives the shopper new links, never re-opens old ones. A no, or a yes
taken back, also deletes the waiting outbox entries that named her card in that visit
(``forget_ties``): only a yes tied to her card lets an entry name her (``kiosk.net.feed``).

A look deleted by a command beside the kiosk (``kiosk looks delete``) has its links revoked in
the network database and its ``look_deleted`` event put in the webhook outbox
(``look_deleted_in_folder``), as the API's delete does (``ShareStore.revoke_look``, ``look_deleted``);
the running kiosk delivers it within a minute. The event holds the look's id, the role that
deleted it and the time, never whose look it was. "Forget me" and retention send none: after a
shopper's request the store service hears nothing more of her looks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.events import BY_STORE_IT
from kiosk.net.db import FILENAME, NetworkDatabase
from kiosk.net.outbox import Outbox, mirror_source, outbox_settings
from kiosk.net.shares import ShareStore

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForgetReport:
    """What the network layer deleted for one customer."""

    outbox_entries: int
    share_links: int
    checkpointed: bool

    def to_dict(self) -> dict:
        return {"outbox_entries": self.outbox_entries, "share_links": self.share_links, "checkpointed": self.checkpointed}


def forget_customer(
    db: NetworkDatabase, outbox: Outbox, shares: ShareStore, card_key: str, looks_left: set[str] | None
) -> ForgetReport:
    """Purge what names ``card_key``; ``looks_left``: the looks and comparisons that still exist (None: unknown)."""
    # the storage layer opens the database with secure_delete: deleted rows are overwritten
    gone = shares.forget_looks(looks_left) if looks_left is not None else set()
    entries = outbox.forget(card_key, gone)
    links = len(gone)
    checkpointed = checkpoint(db)
    # counts only: the log never carries the customer's key
    _log.info("forgot a customer on the network side: %d outbox entries, %d share links", entries, links)
    return ForgetReport(entries, links, checkpointed)


def forget_ties(db: NetworkDatabase, outbox: Outbox, session_id: str) -> int:
    """A no, or a yes taken back, in ``session_id``: waiting entries naming her card in that visit
    (``customer_identified``, a ``card_tapped`` after her yes) are deleted, the log emptied; how many."""
    entries = outbox.forget_ties(session_id)
    if entries:
        checkpoint(db)
        # the session and a count: the log never carries the customer's key
        _log.info("session %s: consent refused; %d webhook entries naming the customer deleted", session_id, entries)
    return entries


def checkpoint(db: NetworkDatabase) -> bool:
    """Copy the WAL into the database and truncate it; False when a reader kept it busy."""
    busy, _, _ = tuple(db.query("PRAGMA wal_checkpoint(TRUNCATE)")[0])
    if busy:
        _log.warning("the network database's log could not be emptied now (a reader is busy); it will be at the next checkpoint")
    return not busy


def forget_in_folder(data_dir: Path, card_key: str, looks_left: set[str] | None) -> ForgetReport | None:
    """``forget_customer`` on the network database in ``data_dir``, for a command run beside the kiosk.

    None when the mirror never had network services there (no database file).
    """
    with _database_in(data_dir) as db:
        return forget_customer(db, Outbox(db, None, {}), ShareStore(db, 0), card_key, looks_left) if db else None


#: The event a deleted look is told with, to live clients and the store service.
LOOK_DELETED = "look_deleted"


def look_deleted(look_id: str, by: str) -> dict:
    """The ``look_deleted`` event's data: the look's id, the role that deleted it ("associate",
    "store token", "store IT", "shopper") and the Unix time; nothing of the shopper."""
    return {"look_id": look_id, "by": by, "deleted_at": time.time()}


def look_deleted_in_folder(data_dir: Path, config, look_id: str) -> int | None:
    """After ``kiosk looks delete``: revoke the look's links in the network database in ``data_dir``
    and, with ``webhook.url`` set, tell the store service; how many links were still open.

    None when the mirror never had network services there (no database file, so no link and no outbox).
    """
    with _database_in(data_dir) as db:
        if db is None:
            return None
        revoked = ShareStore(db, 0).revoke_look(look_id)
        mirror_id = config.api.mirror_id or db.mirror_id()
        outbox = Outbox(db, outbox_settings(config.webhook), mirror_source(config.api, mirror_id))
        outbox.enqueue(LOOK_DELETED, {"mirror_id": mirror_id, **look_deleted(look_id, BY_STORE_IT)})
        return revoked


@contextmanager
def _database_in(data_dir: Path) -> Iterator[NetworkDatabase | None]:
    """The network database in ``data_dir``, open, for a command run beside the kiosk; None where there is none."""
    path = Path(data_dir) / FILENAME
    if not path.exists():  # never made by a command: only the mirror's network services start one
        yield None
        return
    db = NetworkDatabase(path)
    db.open()
    try:
        yield db
    finally:
        db.close()


def existing_ids(library) -> set[str] | None:
    """The ids a share link may name that still exist: looks and comparisons (None: no library)."""
    if library is None:
        return None
    ids = {look.id for look in library.list()}
    return ids | {c.id for c in _comparisons(library)}


def _comparisons(library) -> list:
    """The library's comparisons (a library without them: none)."""
    from kiosk.library import Library

    if not isinstance(library, Library):
        return []
    from kiosk.library.comparisons import ComparisonBook

    return ComparisonBook(library).list()


def revoke_session_links(shares: ShareStore, library, session_id: str) -> int:
    """Consent was withdrawn in ``session_id``: links to its looks, and to comparisons showing them, end for good."""
    if library is None or not session_id:
        return 0
    ids = {look.id for look in library.list(session_id=session_id)}
    ids |= {c.id for c in _comparisons(library) if ids & set(c.look_ids)}
    revoked = shares.revoke_looks(sorted(ids))
    if revoked:
        _log.info("consent withdrawn: revoked %d share links", revoked)
    return revoked
