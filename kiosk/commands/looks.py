"""``kiosk looks``: list, export, delete, purge and recover the looks in a look library."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from kiosk.commands._library import open_library
from kiosk.config import load_config
from kiosk.errors import KioskError, UsageError
from kiosk.words import count

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def register(subparsers) -> None:
    p = subparsers.add_parser("looks", help="list, export, delete, purge or recover recorded looks")
    sub = p.add_subparsers(dest="looks_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        q = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        q.add_argument("--library", metavar="DIR", help="the look library (default: library.data_dir)")
        q.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
        q.set_defaults(func=func)
        return q

    q = add("list", "list the looks, newest first", _list)
    q.add_argument("--json", action="store_true", help="a JSON array on stdout")
    q = add("export", "copy a look's MP4 to a file", _export)
    q.add_argument("id", metavar="ID", help="the look's id")
    q.add_argument("--out", required=True, metavar="FILE", help="where to write the MP4 (must not exist yet)")
    q = add("delete", "delete a look (its video, stills and entry) and revoke its share links", _delete)
    q.add_argument("id", metavar="ID", help="the look's id")
    q = add("purge", "delete every look older than an age", _purge)
    q.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 7d, 12h, 30m, 2w")
    q = add("recover", "finish or remove interrupted recordings and fix the library (what start-up runs)", _recover)
    q.add_argument("--json", action="store_true", help="what was done, as JSON on stdout")


def parse_age(text: str) -> float:
    """'7d' -> seconds; units s, m, h, d, w."""
    match = _AGE.match(text or "")
    if not match:
        raise UsageError(f"cannot read the age {text!r}; write a number and a unit, e.g. 7d, 12h, 30m or 2w")
    value = float(match.group(1)) * _UNIT_S[match.group(2)]
    if not math.isfinite(value):
        raise UsageError(f"the age {text!r} is too large")
    return value


def _open(args: argparse.Namespace):
    from kiosk.paths import data_dir

    return open_library(data_dir(load_config(args.config), args.library))


def _list(args: argparse.Namespace) -> int:
    with _open(args) as library:
        looks = library.list()
    if args.json:
        print(json.dumps([look.to_dict() for look in looks], indent=2))
        return 0
    if not looks:
        print("no looks")
        return 0
    print(f"{'ID':<24} {'CREATED':<19} {'LENGTH':>7} {'SIZE':>9} {'FRAME':>10}  CONSENT")
    for look in looks:
        created = datetime.fromtimestamp(look.created).strftime("%Y-%m-%d %H:%M:%S")
        consent = look.consent + (f" ({look.consent_by})" if look.consent_by else "")
        print(
            f"{look.id:<24} {created:<19} {look.duration_s:>6.1f}s {look.bytes / 1e6:>7.1f}MB "
            f"{look.width:>4}x{look.height:<5}  {consent}"
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    if out.exists():
        raise UsageError(f"{out} already exists; choose another name or delete it first")
    if not out.parent.is_dir():
        raise UsageError(f"the folder {out.parent} does not exist")
    with _open(args) as library:
        source = library.video_path(args.id)
        part = out.with_name(f".{out.name}.part")
        try:
            shutil.copyfile(source, part)
            os.replace(part, out)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise KioskError(f"cannot write {out} ({exc.strerror or exc})") from None  # a full disk: a failure, not a usage error
    print(out)
    return 0


def _delete(args: argparse.Namespace) -> int:
    from kiosk.net.privacy import look_deleted_in_folder
    from kiosk.paths import data_dir

    config = load_config(args.config)
    folder = data_dir(config, args.library)
    with open_library(folder) as library:
        look_id = library.get(args.id).id  # an unknown id changes nothing
        # Its share links end and the store service hears of it, as when the API deletes it (the
        # network database is in the same folder), before the look goes: a failure at either step
        # leaves the look, so the command can be run again (both steps may be repeated). Deleted
        # first, a look whose links then stayed open could not be named to the command again.
        try:
            revoked = look_deleted_in_folder(folder, config, look_id)
        except (KioskError, OSError) as exc:
            raise KioskError(f"revoking the share links of look {look_id} failed, so the look was not deleted, "
                             f"and running the command again is safe: {_why(exc)}") from exc
        try:
            library.delete(look_id)
        except (KioskError, OSError) as exc:
            raise KioskError(f"the share links of look {look_id} were revoked but deleting the look itself failed, "
                             f"and running the command again is safe: {_why(exc)}") from exc
    print(f"deleted {look_id}" + (f"; {count(revoked, 'share link')} revoked" if revoked else ""))
    return 0


def _why(exc: BaseException) -> str:
    """A failure's own words, a file's error without Python's ``[Errno N]``."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)


def _purge(args: argparse.Namespace) -> int:
    from kiosk.library.retention import purge_older_than

    age = parse_age(args.older_than)
    with _open(args) as library:
        deleted = purge_older_than(library, age)
    print(f"deleted {count(len(deleted), 'look')} older than {args.older_than.strip()}")
    return 0


def _recover(args: argparse.Namespace) -> int:
    from kiosk.recording.recovery import recover

    with _open(args) as library:
        report = recover(library)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return 0
