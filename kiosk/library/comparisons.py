"""Rendered comparisons of looks: rows in the library's database, MP4s in ``comparisons/``.

The rows are read and written through the library's storage layer (``Library.reading`` and
``Library.transaction``), so a damaged database and a locked one are handled as for looks.

Why in the library and not beside it: a comparison is made of its looks' pictures, so it must
go whenever any of them goes, and looks go by many roads (the shopper's delete, forget-me, the
end of a session without consent, retention, recovery). A row that references its looks, with
a trigger in the schema, is deleted in the same transaction as any of them, whichever road it
took; ``Library.delete_if_present`` then removes its file with the look's. Files without a row
(a crash between the two) are swept by ``sweep()``, which the renderer runs at start. Withdrawn
consent to a look deletes its comparisons the same way (``Library.set_session_consent``,
``set_consent``): a comparison is a shareable copy, kept only while all of its looks are.

States: ``queued`` → ``rendering`` → ``ready`` (the file is complete and in place) or
``failed`` (``error`` says why in one sentence); a render stopped by a shutdown goes back to
``queued``. The file is moved into place before the row says ``ready``; a comparison deleted
while it rendered never becomes ready and leaves no file. Before the renderer takes up the
queued ones again at a start, those showing a look gone or not kept are deleted
(``drop_unkept_queued``) and those asked for too long ago are failed (``expire_queued``).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import ComparisonNotFound
from kiosk.library.errors import LibraryError, LookNotFound
from kiosk.library.ids import new_id
from kiosk.library.layout import valid_id
from kiosk.words import count

_log = logging.getLogger(__name__)

STATES = ("queued", "rendering", "ready", "failed")
_COLUMNS = "id, created, align, state, error, bytes, width, height, report"


@dataclass(frozen=True)
class Comparison:
    """One comparison; ``path`` is where its MP4 is once ``state`` is ready."""

    id: str
    created: float
    align: str
    state: str
    error: str | None
    bytes: int
    width: int
    height: int
    look_ids: tuple[str, ...]
    report: dict | None
    path: str

    @property
    def ready(self) -> bool:
        return self.state == "ready"


class ComparisonBook:
    """The comparisons of one open library; thread-safe through the library's lock."""

    def __init__(self, library) -> None:
        self.library = library
        self.layout = library.layout

    def create(self, look_ids: list[str], align: str) -> Comparison:
        """A queued comparison of these looks (which must exist)."""
        comparison_id = new_id()
        try:
            with self.library.transaction() as conn:
                conn.execute(
                    "INSERT INTO comparisons (id, created, align, state) VALUES (?, ?, ?, 'queued')",
                    (comparison_id, time.time(), align),
                )
                conn.executemany(
                    "INSERT INTO comparison_looks (comparison_id, position, look_id) VALUES (?, ?, ?)",
                    [(comparison_id, i, look_id) for i, look_id in enumerate(look_ids)],
                )
        except LibraryError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise LookNotFound("one of the looks to compare no longer exists") from None
            raise
        return self.get(comparison_id)

    def find(self, comparison_id: str) -> Comparison | None:
        if not valid_id(comparison_id):
            return None
        with self.library.reading() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM comparisons WHERE id = ?", (comparison_id,)).fetchone()
            looks = [r[0] for r in conn.execute(
                "SELECT look_id FROM comparison_looks WHERE comparison_id = ? ORDER BY position", (comparison_id,))]
        return self._comparison(row, looks) if row else None

    def get(self, comparison_id: str) -> Comparison:
        found = self.find(comparison_id)
        if found is None:
            raise ComparisonNotFound(f"there is no comparison with id {comparison_id!r}")
        return found

    def list(self) -> list[Comparison]:
        """Every comparison, newest first."""
        with self.library.reading() as conn:
            ids = [row[0] for row in conn.execute("SELECT id FROM comparisons ORDER BY created DESC, id")]
        return [c for c in (self.find(i) for i in ids) if c is not None]

    def set_state(self, comparison_id: str, state: str, error: str | None = None, *, was: str | None = None) -> bool:
        """Move a comparison to ``state`` (only from state ``was``, when given); False when it no
        longer exists (or is no longer ``was``)."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        with self.library.transaction() as conn:
            if was is None:
                cur = conn.execute("UPDATE comparisons SET state = ?, error = ? WHERE id = ?", (state, error, comparison_id))
            else:
                cur = conn.execute("UPDATE comparisons SET state = ?, error = ? WHERE id = ? AND state = ?",
                                   (state, error, comparison_id, was))
            return cur.rowcount > 0

    def finish(self, comparison_id: str, rendered: Path, width: int, height: int, report: dict) -> bool:
        """Move a rendered file into place and mark the comparison ready; False (file removed) if it was deleted meanwhile."""
        target = self.layout.comparison_video(comparison_id)
        size = Path(rendered).stat().st_size
        with self.library.transaction() as conn:
            if conn.execute("SELECT 1 FROM comparisons WHERE id = ?", (comparison_id,)).fetchone() is None:
                Path(rendered).unlink(missing_ok=True)
                return False
            os.replace(rendered, target)
            conn.execute(
                "UPDATE comparisons SET state = 'ready', error = NULL, bytes = ?, width = ?, height = ?, report = ? WHERE id = ?",
                (size, width, height, json.dumps(report, separators=(",", ":")), comparison_id),
            )
        return True

    def delete(self, comparison_id: str) -> bool:
        """Delete a comparison: its row, then its file; False when there was none."""
        if not valid_id(comparison_id):
            return False
        with self.library.transaction() as conn:
            existed = conn.execute("DELETE FROM comparisons WHERE id = ?", (comparison_id,)).rowcount > 0
        self.layout.comparison_video(comparison_id).unlink(missing_ok=True)
        return existed

    def folder(self) -> Path:
        """The folder the renderer writes into (created on first use)."""
        self.layout.comparisons.mkdir(mode=0o750, parents=True, exist_ok=True)
        return self.layout.comparisons

    def queued(self) -> list[str]:
        """The ids of the comparisons waiting to be rendered, oldest first."""
        with self.library.reading() as conn:
            return [row[0] for row in conn.execute(
                "SELECT id FROM comparisons WHERE state = 'queued' ORDER BY created, id")]

    def drop_unkept_queued(self) -> list[Comparison]:
        """Delete the queued comparisons showing a look that is gone or not kept (no yes to keeping
        it): a comparison is kept only while all of its looks are. Returns them as they were."""
        doomed = []
        for comparison in filter(None, map(self.find, self.queued())):
            looks = [self.library.find(look_id) for look_id in comparison.look_ids]
            if not all(look is not None and look.consented for look in looks):
                doomed.append(comparison)
        return [comparison for comparison in doomed if self.delete(comparison.id)]

    def expire_queued(self, asked_before: float, error: str) -> list[Comparison]:
        """Mark failed, with ``error``, the queued comparisons asked for before ``asked_before``
        (Unix time); returns them."""
        with self.library.transaction() as conn:
            ids = [row[0] for row in conn.execute(
                "SELECT id FROM comparisons WHERE state = 'queued' AND created < ?", (asked_before,))]
            conn.executemany("UPDATE comparisons SET state = 'failed', error = ? WHERE id = ?",
                             [(error, comparison_id) for comparison_id in ids])
        return [comparison for comparison in map(self.find, ids) if comparison is not None]

    def sweep(self) -> int:
        """After a restart: renders the process died in failed, files without a row (or half-written)
        removed. Queued ones stay queued (a render stopped by a clean shutdown is queued again): the
        renderer renders them."""
        with self.library.transaction() as conn:
            conn.execute(
                "UPDATE comparisons SET state = 'failed', error = 'the mirror restarted while rendering it' "
                "WHERE state = 'rendering'"
            )
            known = {row[0] for row in conn.execute("SELECT id FROM comparisons WHERE state = 'ready'")}
        removed = 0
        folder = self.layout.comparisons
        for path in folder.iterdir() if folder.is_dir() else []:
            if path.name.split(".", 1)[0] not in known or not path.name.endswith(".mp4") or path.name.startswith("."):
                path.unlink(missing_ok=True)
                removed += 1
        if removed:
            _log.info("removed %s", count(removed, "stray comparison file"))
        return removed

    def _comparison(self, row, looks: list[str]) -> Comparison:
        report = json.loads(row["report"]) if row["report"] else None
        return Comparison(
            id=row["id"], created=row["created"], align=row["align"], state=row["state"], error=row["error"],
            bytes=row["bytes"], width=row["width"], height=row["height"], look_ids=tuple(looks), report=report,
            path=str(self.layout.comparison_video(row["id"])),
        )
