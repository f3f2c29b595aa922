"""``kiosk discover``: list the mirrors that announce themselves on the LAN (for store IT and tests)."""

from __future__ import annotations

import argparse
import asyncio
import json

from kiosk.config import load_config
from kiosk.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("discover", help="list the mirrors on the LAN (zeroconf _smartmirror._tcp)")
    p.add_argument("--timeout", type=float, default=3.0, metavar="S", help="seconds to listen (default 3)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=discover)


def discover(args: argparse.Namespace) -> int:
    if not 0.2 <= args.timeout <= 120:
        raise UsageError("--timeout must be 0.2 – 120 seconds")
    from kiosk.net.addresses import host_addresses
    from kiosk.net.discover import async_browse

    # $KIOSK_CONFIG's api.interfaces, when set, keeps the search on those addresses
    interfaces = load_config(None).api.interfaces or host_addresses()
    if not interfaces:
        raise UsageError("this machine has no network address to look for mirrors on")
    mirrors = asyncio.run(async_browse(args.timeout, interfaces))
    if args.json:
        print(json.dumps([m.as_dict() for m in mirrors], indent=2))
        return 0
    if not mirrors:
        print(f"no mirrors found in {args.timeout:g} s on {', '.join(interfaces)}")
        return 0
    for m in mirrors:
        txt = m.txt
        where = ", ".join(f"{a}:{m.port}" for a in m.addresses) or "no address"
        print(f"{m.name}  room {txt.get('room') or '-'}  {txt.get('state', '?')}  {where}  ({m.host}, id {txt.get('id', '?')}, ver {txt.get('ver', '?')})")
    return 0
