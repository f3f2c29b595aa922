"""The local customer directory and consent ledger: one SQLite file, keyed by card key.

Only what the mirror needs is kept: first name (for the greeting), loyalty tier, preferences
(sizes, favourite brands), the CRM's opt-in flags and a staff role. No card number, no surname,
no contact details, and never a face or body measurement. Consent answers are kept with their
time and wording version. ``forget`` removes every row tied to a card in one transaction and
leaves a tombstone (the key and a time) so a later CRM refresh does not bring the card back.

The file is opened by the storage layer (``kiosk.storage``): WAL, ``synchronous=FULL`` (an
answer or a tombstone, once recorded, survives a power cut), ``secure_delete`` (forgotten rows
are overwritten), mode 0600, one connection behind a lock. A damaged file is never replaced by
an empty one: the consent ledger and the tombstones cannot be rebuilt from anywhere, and a
directory that silently lost its tombstones would let the next CRM import bring back a card
whose owner asked to be forgotten. The kiosk refuses to open it and says how to recover.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiosk.identity.errors import IdentityError
from kiosk.storage import Database, Schema

_SCHEMA_1 = """
CREATE TABLE customers (
    card_key    TEXT PRIMARY KEY,
    first_name  TEXT NOT NULL DEFAULT '',
    tier        TEXT NOT NULL DEFAULT '',
    preferences TEXT NOT NULL DEFAULT '{}',
    opt_in      TEXT NOT NULL DEFAULT '{}',
    staff_role  TEXT,
    updated_at  REAL NOT NULL
);
CREATE TABLE consents (
    id              INTEGER PRIMARY KEY,
    at              REAL NOT NULL,
    session_id      TEXT,
    card_key        TEXT,
    purpose         TEXT NOT NULL,
    decision        TEXT NOT NULL CHECK (decision IN ('accepted', 'declined', 'withdrawn')),
    wording_version TEXT NOT NULL,
    via             TEXT NOT NULL
);
CREATE INDEX consents_by_card ON consents (card_key);
CREATE INDEX consents_by_session ON consents (session_id);
CREATE TABLE forgotten (card_key TEXT PRIMARY KEY, at REAL NOT NULL);
"""

_log = logging.getLogger(__name__)

SCHEMA = Schema(
    label="the customer directory",
    migrations=(_SCHEMA_1,),
    error=IdentityError,
    synchronous="FULL",
    secure_delete=True,
    rebuildable=False,
    recovery_hint=(
        "restore it from a backup, or move it aside and import the CRM export again with "
        "'kiosk customers import FILE' (consent answers and \"forget me\" requests are lost that way)"
    ),
)
SCHEMA_VERSION = SCHEMA.version


@dataclass(frozen=True)
class Customer:
    """One card holder as the mirror knows them."""

    card_key: str
    first_name: str = ""
    tier: str = ""
    preferences: dict = field(default_factory=dict)
    opt_in: dict = field(default_factory=dict)
    staff_role: str | None = None
    updated_at: float = 0.0

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_role)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ConsentRecord:
    """One answer to the consent question."""

    at: float  # Unix time
    session_id: str | None
    card_key: str | None
    purpose: str
    decision: str  # accepted, declined or withdrawn
    wording_version: str
    via: str  # touch, gesture, associate
    id: int | None = None


@dataclass(frozen=True)
class ImportSummary:
    """What an import changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped_forgotten: int = 0
    staff: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class CustomerDirectory:
    """Customers, consents and tombstones in ``path``; every public method is thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = Database(self.path, SCHEMA)

    def open(self) -> "CustomerDirectory":
        """Open (creating if needed) the database and bring its schema up to date."""
        self._db.open()
        return self

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "CustomerDirectory":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- customers ----------------------------------------------------------------------------

    def get(self, card_key: str) -> Customer | None:
        rows = self._db.query("SELECT * FROM customers WHERE card_key = ?", (card_key,))
        return _customer(rows[0]) if rows else None

    def list(self, staff: bool | None = None) -> list[Customer]:
        """Everyone, or only staff (``True``) or only customers (``False``), by first name."""
        where = {None: "", True: "WHERE staff_role IS NOT NULL", False: "WHERE staff_role IS NULL"}[staff]
        rows = self._db.query(f"SELECT * FROM customers {where} ORDER BY first_name, card_key")
        return [_customer(row) for row in rows]

    def import_customers(self, customers: Iterable[Customer], merge: bool = False) -> ImportSummary:
        """Load a CRM export in one transaction; without ``merge`` cards absent from it are dropped."""
        now = time.time()
        counts = dict(added=0, updated=0, unchanged=0, removed=0, skipped_forgotten=0, staff=0)
        with self._db.transaction() as db:
            forgotten = {row[0] for row in db.execute("SELECT card_key FROM forgotten")}
            existing = {row["card_key"]: _customer(row) for row in db.execute("SELECT * FROM customers")}
            seen = set()
            for customer in customers:
                if customer.card_key in forgotten:
                    counts["skipped_forgotten"] += 1
                    continue
                seen.add(customer.card_key)
                counts["staff"] += customer.is_staff
                old = existing.get(customer.card_key)
                if old is not None and _same(old, customer):
                    counts["unchanged"] += 1
                    continue
                counts["updated" if old else "added"] += 1
                db.execute(
                    "INSERT OR REPLACE INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (customer.card_key, customer.first_name, customer.tier, json.dumps(customer.preferences),
                     json.dumps(customer.opt_in), customer.staff_role, now),
                )
            if not merge:
                gone = [key for key in existing if key not in seen]
                db.executemany("DELETE FROM customers WHERE card_key = ?", [(key,) for key in gone])
                counts["removed"] = len(gone)
        return ImportSummary(**counts)

    # -- consent ------------------------------------------------------------------------------

    def record_consent(self, record: ConsentRecord, claim: bool = False) -> int:
        """Write one answer; ``claim``: tie the session's earlier answers to its card in the same
        transaction (as ``claim_session``), so a yes whose record fails leaves none of them tied."""
        with self._db.transaction() as db:
            if claim and record.card_key and record.session_id:
                db.execute("UPDATE consents SET card_key = ? WHERE session_id = ? AND card_key IS NULL",
                           (record.card_key, record.session_id))
            cur = db.execute(
                "INSERT INTO consents (at, session_id, card_key, purpose, decision, wording_version, via) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.at, record.session_id, record.card_key, record.purpose, record.decision,
                 record.wording_version, record.via),
            )
            if record.card_key and record.decision == "accepted":
                # Coming back after "forget me" and saying yes again is a fresh start.
                db.execute("DELETE FROM forgotten WHERE card_key = ?", (record.card_key,))
            return int(cur.lastrowid)

    def claim_session(self, session_id: str, card_key: str) -> int:
        """A card was tapped in ``session_id``: tie that session's consent answers to it."""
        with self._db.transaction() as db:
            cur = db.execute("UPDATE consents SET card_key = ? WHERE session_id = ? AND card_key IS NULL",
                             (card_key, session_id))
            return cur.rowcount

    def consents(self, card_key: str | None = None, session_id: str | None = None) -> list[ConsentRecord]:
        clauses, params = [], []
        if card_key is not None:
            clauses.append("card_key = ?")
            params.append(card_key)
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.query(f"SELECT * FROM consents {where} ORDER BY at, id", params)
        return [ConsentRecord(**dict(row)) for row in rows]

    # -- forget me ----------------------------------------------------------------------------

    def forget(self, card_key: str) -> dict:
        """Delete the card's directory entry and consent answers; remember only that it was forgotten."""
        with self._db.transaction() as db:
            customers = db.execute("DELETE FROM customers WHERE card_key = ?", (card_key,)).rowcount
            consents = db.execute("DELETE FROM consents WHERE card_key = ?", (card_key,)).rowcount
            db.execute("INSERT OR REPLACE INTO forgotten VALUES (?, ?)", (card_key, time.time()))
        # The rows are overwritten (secure_delete), but their old pages stay in the WAL until a
        # checkpoint, which the kiosk's long-open connection would otherwise put off for hours.
        try:
            self._db.checkpoint()
        except IdentityError as exc:
            _log.warning("after forgetting a card: %s; the next checkpoint will empty the log", exc)
        return {"customers": customers, "consents": consents}

    def is_forgotten(self, card_key: str) -> bool:
        return bool(self._db.query("SELECT 1 FROM forgotten WHERE card_key = ?", (card_key,)))

    def tie_forgotten(self, session_id: str, card_key: str) -> bool:
        """Whether the card tied to ``session_id`` has been forgotten since it was tied: its tombstone
        is there and none of the session's answers is left under it (``forget`` deletes them; a
        tie always has one). Either alone is not enough: a card forgotten on an earlier visit keeps
        its tombstone when a yes given before the tap is tied to it, and a tie whose answer could
        not be written has none."""
        rows = self._db.query(
            "SELECT EXISTS (SELECT 1 FROM forgotten WHERE card_key = ?) "
            "AND NOT EXISTS (SELECT 1 FROM consents WHERE session_id = ? AND card_key = ?)",
            (card_key, session_id, card_key))
        return bool(rows[0][0])

    def changed_elsewhere(self) -> bool:
        """Whether another program (``kiosk customers forget``, ``import``) changed the directory since
        the last call (``kiosk.storage.Database.changed_elsewhere``)."""
        return self._db.changed_elsewhere()

def _customer(row: sqlite3.Row) -> Customer:
    data = dict(row)
    data["preferences"] = json.loads(data["preferences"])
    data["opt_in"] = json.loads(data["opt_in"])
    return Customer(**data)


def _same(a: Customer, b: Customer) -> bool:
    fields = ("first_name", "tier", "preferences", "opt_in", "staff_role")
    return all(getattr(a, f) == getattr(b, f) for f in fields)
