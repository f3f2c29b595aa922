"""SQL for the looks table: rows in, rows out. The connection is injected and autocommits."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable

COLUMNS = (
    "id, created, duration_s, width, height, bytes, stills_bytes, session_id, customer_id, "
    "consent, consent_by, consent_at, consent_wording, reason"
)


class LookStore:
    """Queries over one open SQLite connection; callers serialise access."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def insert(self, row: dict) -> None:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT INTO looks ({names}) VALUES ({marks})", tuple(row.values()))

    def get(self, look_id: str) -> sqlite3.Row | None:
        return self.conn.execute(f"SELECT {COLUMNS} FROM looks WHERE id = ?", (look_id,)).fetchone()

    def select(self, where: str = "", params: Iterable = (), order: str = "created DESC, id") -> list[sqlite3.Row]:
        sql = f"SELECT {COLUMNS} FROM looks" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        return self.conn.execute(sql, tuple(params)).fetchall()

    def ids(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT id FROM looks")}

    def comparisons_of(self, look_id: str) -> list[str]:
        rows = self.conn.execute("SELECT DISTINCT comparison_id FROM comparison_looks WHERE look_id = ?", (look_id,))
        return [row[0] for row in rows]

    def delete(self, look_id: str) -> bool:
        return self.conn.execute("DELETE FROM looks WHERE id = ?", (look_id,)).rowcount > 0

    def update(self, look_id: str, **values) -> bool:
        assignments = ", ".join(f"{name} = ?" for name in values)
        cursor = self.conn.execute(f"UPDATE looks SET {assignments} WHERE id = ?", (*values.values(), look_id))
        return cursor.rowcount > 0

    def total_bytes(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(SUM(bytes + stills_bytes), 0) FROM looks").fetchone()[0])

    def set_analysis(self, look_id: str, kind: str, data) -> None:
        self.conn.execute(
            "INSERT INTO look_analysis (look_id, kind, data, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (look_id, kind) DO UPDATE SET data = excluded.data, updated = excluded.updated",
            (look_id, kind, json.dumps(data, separators=(",", ":")), time.time()),
        )

    def analysis(self, look_id: str) -> dict:
        rows = self.conn.execute("SELECT kind, data FROM look_analysis WHERE look_id = ?", (look_id,))
        return {kind: json.loads(data) for kind, data in rows}
