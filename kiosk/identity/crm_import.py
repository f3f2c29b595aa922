"""Read a CRM export (CSV or JSON) into directory entries, checking every row.

CSV: one header row, comma, semicolon or tab separated, UTF-8 (a BOM from Excel is fine)::

    card_uid,first_name,loyalty_tier,staff_role,pref_size_top,pref_brands,opt_in_email
    04:16:C6:C2:D7:38:81,Anna,gold,,M,"Acme, Bravo",yes

JSON: a list of objects, or ``{"customers": [...]}``, with ``card_uid``, ``first_name``,
``loyalty_tier``, ``staff_role``, ``preferences`` (an object) and ``opt_in`` (an object of
true/false). In CSV, ``pref_*`` columns are preferences and ``opt_in_*`` columns are flags.

``card_uid`` is hashed with the store secret at once and never stored. Any other column (a
surname, an e-mail address) is ignored and named in the summary: the mirror keeps only what it
shows. A bad row stops the whole import with a message naming it; nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.identity.cardkey import normalise_uid
from kiosk.identity.directory import Customer
from kiosk.identity.errors import CustomerImportError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TEXT = 60
_TRUE = {"1", "true", "yes", "y", "x", "on"}
_FALSE = {"", "0", "false", "no", "n", "off"}
_TIER_KEYS = ("loyalty_tier", "tier")
_UID_KEYS = ("card_uid", "uid")
_KNOWN = {"card_uid", "uid", "first_name", "loyalty_tier", "tier", "staff_role", "preferences", "opt_in"}


@dataclass(frozen=True)
class ParsedExport:
    """The checked entries of an export and the columns that were left out."""

    customers: list[Customer]
    ignored_fields: list[str]


def read_export(path: Path, key: Callable[[str], str]) -> ParsedExport:
    """Parse the CSV or JSON file at ``path``; ``key`` turns a card UID into its card key."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CustomerImportError(f"{path}: the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CustomerImportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CustomerImportError(f"{path}: is a folder, not a CSV or JSON file") from None
    except OSError as exc:
        raise CustomerImportError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CustomerImportError(f"{path}: not UTF-8 text (save the export as UTF-8 CSV or JSON)") from None
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        rows = _json_rows(path, text)
    else:
        rows = _csv_rows(path, text)
    return _check(path, rows, key)


def _json_rows(path: Path, text: str) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CustomerImportError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("customers"), list):
        data = data["customers"]
    if not isinstance(data, list):
        raise CustomerImportError(f'{path}: expected a list of customers or {{"customers": [...]}}')
    rows = []
    for index, entry in enumerate(data, start=1):
        where = f"entry {index}"
        if not isinstance(entry, dict):
            raise CustomerImportError(f"{path} {where}: expected an object, got {type(entry).__name__}")
        rows.append((where, entry))
    return rows


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict]]:
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    if not reader.fieldnames:
        raise CustomerImportError(f"{path}: the file is empty (expected a header row with card_uid)")
    reader.fieldnames = [name.strip().lower().replace(" ", "_") for name in reader.fieldnames]
    rows = []
    try:
        for record in reader:
            where = f"line {reader.line_num}"
            if None in record:
                raise CustomerImportError(f"{path} {where}: more values than there are columns")
            if not any((value or "").strip() for value in record.values()):
                continue  # a blank line
            rows.append((where, _from_columns(record)))
    except csv.Error as exc:
        raise CustomerImportError(f"{path} line {reader.line_num}: {exc}") from None
    return rows


def _from_columns(record: dict) -> dict:
    """Fold ``pref_*`` and ``opt_in_*`` columns into the JSON shape."""
    entry: dict = {"preferences": {}, "opt_in": {}}
    for name, value in record.items():
        value = (value or "").strip()
        if name.startswith("pref_"):
            if value:
                entry["preferences"][name[5:]] = value
        elif name.startswith("opt_in_"):
            entry["opt_in"][name[7:]] = value
        else:
            entry[name] = value
    return entry


def _check(path: Path, rows: list[tuple[str, dict]], key: Callable[[str], str]) -> ParsedExport:
    customers, first_seen, ignored = [], {}, set()
    for where, entry in rows:
        try:
            customer = _customer(entry, key)
        except ValueError as exc:
            raise CustomerImportError(f"{path} {where}: {exc}") from None
        if customer.card_key in first_seen:
            raise CustomerImportError(f"{path} {where}: the same card as {first_seen[customer.card_key]}")
        first_seen[customer.card_key] = where
        ignored |= {name for name in entry if name not in _KNOWN}
        customers.append(customer)
    return ParsedExport(customers, sorted(ignored))


def _customer(entry: dict, key: Callable[[str], str]) -> Customer:
    uid = next((entry[k] for k in _UID_KEYS if entry.get(k) not in (None, "")), None)
    if uid is None:
        raise ValueError("card_uid is missing")
    if not isinstance(uid, str):
        raise ValueError("card_uid must be text such as 04:16:C6:C2")
    # Never the value itself: a mistyped card number is still most of one, and the message names the
    # row, so the file's owner finds it without the number reaching a terminal, a log or a journal.
    try:
        digits = normalise_uid(uid)
    except ValueError:
        raise ValueError("card_uid is not a hexadecimal card number such as 04:16:C6:C2") from None
    if not 4 <= len(digits) <= 64:
        raise ValueError(f"card_uid has {len(digits)} hex digits; it must have 4 to 64")
    role = _text(entry, "staff_role").lower() or None
    tier = next((_text(entry, k) for k in _TIER_KEYS if entry.get(k)), "")
    return Customer(
        card_key=key(digits),
        first_name=_text(entry, "first_name"),
        tier=tier,
        preferences=_preferences(entry.get("preferences")),
        opt_in=_flags(entry.get("opt_in")),
        staff_role=role,
    )


def _text(entry: dict, name: str) -> str:
    value = entry.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, got {json.dumps(value)}")
    value = " ".join(value.split())
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} is longer than {MAX_TEXT} characters")
    if any(not ch.isprintable() for ch in value):
        raise ValueError(f"{name} contains control characters")
    return value


def _preferences(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("preferences must be an object such as {\"size_top\": \"M\"}")
    out = {}
    for name, item in value.items():
        if isinstance(item, list) and all(isinstance(v, str) for v in item):
            out[str(name)] = [v.strip() for v in item if v.strip()]
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            out[str(name)] = str(item).strip()
        else:
            raise ValueError(f"preference {name!r} must be text or a list of text")
        if len(json.dumps(out[str(name)])) > 4 * MAX_TEXT:
            raise ValueError(f"preference {name!r} is too long")
    return out


def _flags(value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValueError("opt_in must be an object of true/false flags")
    out = {}
    for name, flag in value.items():
        if isinstance(flag, bool):
            out[str(name)] = flag
        elif isinstance(flag, str) and flag.strip().lower() in _TRUE | _FALSE:
            out[str(name)] = flag.strip().lower() in _TRUE
        else:
            raise ValueError(f"opt-in flag {name!r} must be yes or no, got {flag!r}")
    return out
