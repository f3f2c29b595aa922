"""``kiosk customers``: the local customer directory (CRM import, list, show, forget)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TypeVar

from kiosk.commands._library import open_library
from kiosk.config import load_config
from kiosk.errors import IdentityError, KioskError, UsageError
from kiosk.identity import CustomerDirectory, forget_card, normalise_uid, read_export
from kiosk.identity.cardkey import KEY_HEX_CHARS
from kiosk.identity.setup import directory_path, load_keyer, open_directory

_CONFIG_HELP = "configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)"
T = TypeVar("T")


def register(subparsers) -> None:
    p = subparsers.add_parser("customers", help="loyalty customers and staff cards known to this mirror")
    sub = p.add_subparsers(dest="customers_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="import or refresh the directory from a CRM export (CSV or JSON)")
    imp.add_argument("file", metavar="FILE", help="CSV or JSON export with card_uid, first_name, loyalty_tier, ...")
    imp.add_argument("--merge", action="store_true", help="only add and update; keep cards that are not in FILE")
    imp.add_argument("--allow-empty", action="store_true",
                     help="accept a FILE that lists nobody (without --merge: remove every card)")
    imp.set_defaults(func=import_customers)

    ls = sub.add_parser("list", help="list the customers and staff cards")
    group = ls.add_mutually_exclusive_group()
    group.add_argument("--staff", action="store_true", help="only staff cards")
    group.add_argument("--customers", action="store_true", help="only customers")
    ls.set_defaults(func=list_customers)

    show = sub.add_parser("show", help="what the mirror knows about one card")
    _card_arguments(show)
    show.set_defaults(func=show_customer)

    forget = sub.add_parser("forget", help='"forget me": delete every look and record tied to a card')
    _card_arguments(forget)
    forget.set_defaults(func=forget_customer)

    for parser in (imp, ls, show, forget):
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--config", help=_CONFIG_HELP)


def _card_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--uid", metavar="HEX", help="the card number (printed on the card or in the CRM export)")
    which.add_argument("--key", metavar="KEY", help="the card key, as `kiosk reader` prints it")


def import_customers(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    export = read_export(Path(args.file), load_keyer(config).key)
    if not export.customers and not args.merge and not args.allow_empty:
        # A failed or cut-off CRM export is a header and nothing else: refreshing from it would
        # drop every customer and staff card.
        raise UsageError(f"{args.file} lists no customers, so importing it would remove every card from the "
                         "directory; check the export, or give --allow-empty if that is what you want")
    with open_directory(config) as directory:
        summary = directory.import_customers(export.customers, merge=args.merge)
    if args.json:
        print(json.dumps({**summary.to_dict(), "ignored_fields": export.ignored_fields}))
        return 0
    s = summary
    print(f"{args.file}: {s.added} added, {s.updated} updated, {s.unchanged} unchanged, {s.removed} removed "
          f"({s.staff} staff {'card' if s.staff == 1 else 'cards'}) in {directory_path(config)}")
    if s.skipped_forgotten:
        print(f"{s.skipped_forgotten} cards were skipped because their owners asked the mirror to forget them")
    if export.ignored_fields:
        print(f"not imported (the mirror keeps only what it shows): {', '.join(export.ignored_fields)}")
    return 0


def list_customers(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    staff = True if args.staff else False if args.customers else None
    people = _read(config, lambda directory: directory.list(staff=staff), [])
    if args.json:
        print(json.dumps([person.to_dict() for person in people], indent=2))
        return 0
    if not people:
        print("no customers imported yet (kiosk customers import FILE)")
    for person in people:
        role = f"staff: {person.staff_role}" if person.is_staff else person.tier or "-"
        print(f"{person.card_key[:12]}  {person.first_name or '(no name)':<20} {role}")
    return 0


def show_customer(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    key = _card_key(config, args)
    person, consents, forgotten = _read(
        config, lambda directory: (directory.get(key), directory.consents(card_key=key), directory.is_forgotten(key)),
        (None, [], False))
    info = {
        "card_key": key,
        "customer": person.to_dict() if person else None,
        "forgotten": forgotten,
        "consents": [{"at": c.at, "decision": c.decision, "wording_version": c.wording_version, "via": c.via}
                     for c in consents],
    }
    if args.json:
        print(json.dumps(info, indent=2))
    elif person:
        print(f"{person.first_name or '(no name)'}: {person.staff_role and 'staff, ' + person.staff_role or person.tier or 'customer'}; "
              f"{len(consents)} consent answers")
    else:
        state = "forgotten at the owner's request" if forgotten else "not in the directory (works as an anonymous card)"
        print(f"card {key[:12]}: {state}; {len(consents)} consent answers")
    return 0


def forget_customer(args: argparse.Namespace) -> int:
    from kiosk.net.privacy import existing_ids, forget_in_folder
    from kiosk.paths import data_dir

    config = load_config(args.config)
    key = _card_key(config, args)
    library = _library_to_forget_in(config)
    with library if library is not None else nullcontext(), open_directory(config) as directory:
        try:
            report = forget_card(key, directory, library)
        except KioskError as exc:  # her looks may be gone already: "nothing was changed" would not be true
            why = str(exc).removesuffix("; nothing was changed").rstrip(".")
            raise KioskError(f"forgetting card {key[:12]} could not finish ({why}); run the same command again "
                             "to finish it: what was deleted so far stays deleted") from None
        # the network side too: outbox entries naming the card, links of the deleted looks
        net = forget_in_folder(data_dir(config), key, existing_ids(library))
    if args.json:
        print(json.dumps({**report.to_dict(), "network": net.to_dict() if net else None}))
    else:
        print(f"forgot card {key[:12]}: {report.looks} looks, {report.consents} consent records, "
              f"{report.customers} directory entries deleted"
              + (f"; {net.outbox_entries} webhook entries and {net.share_links} share links purged" if net else ""))
    return 0


def _library_to_forget_in(config):
    """The look library, opened first (a mistyped ``library.data_dir`` is refused before anything
    is made there); None where there is none yet but the customer directory is there (customers
    imported before the mirror's first start): the person's records are forgotten all the same."""
    from kiosk.library import LibraryMissing
    from kiosk.paths import data_dir

    try:
        return open_library(data_dir(config), "library.data_dir")
    except LibraryMissing:
        if directory_path(config).is_file():
            return None
        raise


def _read(config, read: Callable[[CustomerDirectory], T], empty: T) -> T:
    """What ``read`` finds in the customer directory, or ``empty`` while it has no database yet
    (nobody imported, the mirror never started); never makes one, nor its folder."""
    path = directory_path(config)
    if not path.parent.is_dir():
        setting = "identity.database" if config.identity.database else "library.data_dir"
        raise IdentityError(f"there is no folder {path.parent} for the customer directory; check {setting} "
                            "(the mirror makes it when it first starts, as kiosk customers import does)")
    if not path.exists():
        return empty
    with open_directory(config) as directory:
        return read(directory)


def _card_key(config, args: argparse.Namespace) -> str:
    if args.key is not None:
        key = args.key.strip().lower()
        if len(key) != KEY_HEX_CHARS or any(c not in "0123456789abcdef" for c in key):
            raise UsageError(f"--key: expected the {KEY_HEX_CHARS} hexadecimal digits `kiosk reader` prints")
        return key
    try:
        normalise_uid(args.uid)
    except ValueError:
        raise UsageError("--uid is not a hexadecimal card number") from None
    return load_keyer(config, create=False).key(args.uid)  # no secret yet: nothing was ever stored
