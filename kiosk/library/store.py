"""SQL for the look database: rows in, rows out, on a connection the caller holds.

Reads run inside ``Database.reading()``, changes inside ``Database.transaction()``, so a
change and the record file written with it (``kiosk.library.records``) commit together.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterable

COLUMNS = (
    "id, created, duration_s, width, height, bytes, stills_bytes, session_id, customer_id, "
    "consent, consent_by, consent_at, consent_wording, reason"
)
SESSION_CONSENT_KEEP_S = 86400.0  # a session's answer outlives any take of it by far


def insert(conn: sqlite3.Connection, row: dict) -> None:
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO looks ({names}) VALUES ({marks})", tuple(row.values()))


def get(conn: sqlite3.Connection, look_id: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {COLUMNS} FROM looks WHERE id = ?", (look_id,)).fetchone()


def select(
    conn: sqlite3.Connection, where: str = "", params: Iterable = (), order: str = "created DESC, id"
) -> list[sqlite3.Row]:
    sql = f"SELECT {COLUMNS} FROM looks" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
    return conn.execute(sql, tuple(params)).fetchall()


def ids(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT id FROM looks")}


def comparisons_of(conn: sqlite3.Connection, look_id: str) -> list[str]:
    rows = conn.execute("SELECT DISTINCT comparison_id FROM comparison_looks WHERE look_id = ?", (look_id,))
    return [row[0] for row in rows]


def delete_comparisons_of(conn: sqlite3.Connection, look_ids: Iterable[str]) -> list[str]:
    """Delete the comparisons showing any of these looks; returns their ids (their files are the caller's)."""
    doomed = sorted({c for look_id in look_ids for c in comparisons_of(conn, look_id)})
    conn.executemany("DELETE FROM comparisons WHERE id = ?", [(c,) for c in doomed])
    return doomed


def delete(conn: sqlite3.Connection, look_id: str) -> bool:
    return conn.execute("DELETE FROM looks WHERE id = ?", (look_id,)).rowcount > 0


def update(conn: sqlite3.Connection, look_id: str, **values) -> bool:
    assignments = ", ".join(f"{name} = ?" for name in values)
    cursor = conn.execute(f"UPDATE looks SET {assignments} WHERE id = ?", (*values.values(), look_id))
    return cursor.rowcount > 0


def total_bytes(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(SUM(bytes + stills_bytes), 0) FROM looks").fetchone()[0])


def set_analysis(conn: sqlite3.Connection, look_id: str, kind: str, data) -> None:
    conn.execute(
        "INSERT INTO look_analysis (look_id, kind, data, updated) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (look_id, kind) DO UPDATE SET data = excluded.data, updated = excluded.updated",
        (look_id, kind, json.dumps(data, separators=(",", ":")), time.time()),
    )


def analysis(conn: sqlite3.Connection, look_id: str) -> dict:
    rows = conn.execute("SELECT kind, data FROM look_analysis WHERE look_id = ?", (look_id,))
    return {kind: json.loads(data) for kind, data in rows}


NOTE_COLUMNS = "id, look_id, created, text, product"


def add_note(conn: sqlite3.Connection, note: dict) -> None:
    conn.execute(f"INSERT OR IGNORE INTO look_notes ({NOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                 tuple(note[name] for name in NOTE_COLUMNS.split(", ")))


def notes(conn: sqlite3.Connection, look_ids: Iterable[str]) -> list[sqlite3.Row]:
    """The notes of ``look_ids``, oldest first."""
    wanted = list(look_ids)
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    return conn.execute(
        f"SELECT {NOTE_COLUMNS} FROM look_notes WHERE look_id IN ({marks}) ORDER BY created, id", wanted
    ).fetchall()


def delete_note(conn: sqlite3.Connection, look_id: str, note_id: str) -> bool:
    return conn.execute("DELETE FROM look_notes WHERE id = ? AND look_id = ?", (note_id, look_id)).rowcount > 0


def session_consent(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row | None:
    """The session's answer (``consent``, ``consent_by``, ``customer_id``, ``wording``, ``at``)."""
    return conn.execute("SELECT * FROM session_consent WHERE session_id = ?", (session_id,)).fetchone()


def set_session_consent(conn: sqlite3.Connection, session_id: str, values: dict, now: float,
                        waiting: Collection[str] = ()) -> None:
    """Record the session's answer; answers older than ``SESSION_CONSENT_KEEP_S`` go, but those of
    the ``waiting`` sessions, which still have a take in the work folder to store."""
    conn.execute(
        "INSERT OR REPLACE INTO session_consent (session_id, consent, consent_by, customer_id, wording, at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, values["consent"], values["consent_by"], values["customer_id"], values["wording"], now),
    )
    kept = sorted(set(waiting))
    conn.execute(f"DELETE FROM session_consent WHERE at < ? AND session_id NOT IN ({', '.join('?' * len(kept))})",
                 (now - SESSION_CONSENT_KEEP_S, *kept))


def sessions_of(conn: sqlite3.Connection, customer_id: str) -> list[str]:
    """The sessions whose answer is tied to ``customer_id``."""
    return [row[0] for row in conn.execute("SELECT session_id FROM session_consent WHERE customer_id = ?",
                                           (customer_id,))]


def drop_session_consents(conn: sqlite3.Connection, keep: Collection[str] = ()) -> None:
    """Forget the answers of every session not in ``keep``."""
    kept = sorted(set(keep))
    conn.execute(f"DELETE FROM session_consent WHERE session_id NOT IN ({', '.join('?' * len(kept))})", kept)


def forget_session_consents(conn: sqlite3.Connection, customer_id: str, waiting: Collection[str] = ()) -> None:
    """Forget the answers tied to ``customer_id``; those of the ``waiting`` sessions, which still
    have a take in the work folder, become a no tied to nobody, so that take is not kept."""
    kept = sorted(set(waiting))
    conn.execute(
        "UPDATE session_consent SET consent = 'none', consent_by = NULL, customer_id = NULL, wording = NULL "
        f"WHERE customer_id = ? AND session_id IN ({', '.join('?' * len(kept))})", (customer_id, *kept))
    conn.execute("DELETE FROM session_consent WHERE customer_id = ?", (customer_id,))
