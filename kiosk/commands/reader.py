"""``kiosk reader``: read cards from a serial reader and print each tap (store IT's check).

A card number is personal data that journald would keep: the command never prints it. Each tap
shows the card key (the keyed hash the customer directory uses, for ``kiosk customers show
--key``) when the store secret is readable, and always a masked number (its length and last two
digits) that tells cards apart at a glance.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import signal
import sys
import time

from kiosk.config import load_config
from kiosk.identity.errors import ReaderError
from kiosk.wiring import build_card_reader

ONCE_TIMEOUT_S = 60.0


def register(subparsers) -> None:
    p = subparsers.add_parser("reader", help="read loyalty cards from a serial card reader and print each tap")
    p.add_argument("--port", required=True, help="pyserial URL: /dev/ttyUSB0, /dev/serial/by-id/..., socket://host:port")
    p.add_argument("--protocol", choices=("auto", "pn532", "rdm6300", "line"), default="auto", help="reader type (default: auto)")
    p.add_argument("--once", action="store_true", help="exit after the first card (non-zero if none is read in time)")
    p.add_argument("--json", action="store_true", help='one JSON line per tap: {"card", "card_key", "protocol", "port"}')
    p.add_argument("--timeout", type=float, metavar="S", help=f"with --once: seconds to wait for a card (default {ONCE_TIMEOUT_S:g})")
    p.add_argument("--config", help="configuration file for the [reader] timings (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    p.set_defaults(func=read_cards)


def read_cards(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not args.verbose:  # this command reports the reader's problems itself, in one sentence
        logging.getLogger("hardware.card_reader_serial").setLevel(logging.ERROR)
    reader = build_card_reader(config, port=args.port, protocol=args.protocol)
    args.keyer = _keyer(config)
    events: queue.Queue = queue.Queue()
    timeout = args.timeout if args.timeout is not None else ONCE_TIMEOUT_S
    deadline = time.monotonic() + timeout if args.once else None
    previous = signal.signal(signal.SIGTERM, _exit_quietly)
    reader.start(events.put)
    try:
        return _print_taps(args, events, deadline, timeout)
    finally:
        reader.stop()
        signal.signal(signal.SIGTERM, previous)


def _print_taps(args: argparse.Namespace, events: queue.Queue, deadline: float | None, timeout: float) -> int:
    connected, last_problem = False, ""
    while True:
        wait = 0.5 if deadline is None else deadline - time.monotonic()
        if wait <= 0:
            detail = f" (last problem: {last_problem})" if last_problem else ""
            if not connected:
                raise ReaderError(f"nothing answered on {args.port} within {timeout:g} s{detail}")
            raise ReaderError(f"no card was read from {args.port} within {timeout:g} s (was a card tapped?)")
        try:
            event = events.get(timeout=wait)
        except queue.Empty:
            continue
        if getattr(event, "kind", None) == "tap":
            _print_tap(args, event)
            if args.once:
                return 0
        elif getattr(event, "kind", None) == "removed":
            if not args.json:
                print(f"card {mask_uid(event.uid)} removed", flush=True)
        elif event.state == "connected":
            connected = True
            print(f"kiosk reader: {event.reason}", file=sys.stderr, flush=True)
        elif event.state == "unavailable":
            if event.cause == "open" and not connected:
                raise ReaderError(event.reason)
            if event.cause == "silent" and args.once:
                raise ReaderError(f"{event.reason}; check the wiring and that the module is set to HSU/UART")
            if event.reason != last_problem:
                print(f"kiosk reader: {event.reason}; retrying", file=sys.stderr, flush=True)
            last_problem = event.reason


def mask_uid(uid: str) -> str:
    """``••••••81 (7 bytes)``: enough to tell two cards apart, not enough to copy one."""
    digits = "".join(c for c in uid if c.isalnum()).upper()
    return f"{'•' * max(0, len(digits) - 2)}{digits[-2:]} ({len(digits) // 2} bytes)"


def _keyer(config):
    """The card keyer with the store secret, or None when there is none to read (never created here)."""
    from kiosk.identity.errors import IdentityError
    from kiosk.identity.setup import load_keyer

    try:
        return load_keyer(config, create=False)
    except IdentityError:
        return None


def _card_key(args: argparse.Namespace, uid: str) -> str | None:
    if args.keyer is None:
        return None
    try:
        return args.keyer.key(uid)
    except ValueError:  # not hexadecimal (a line reader may send anything): no key
        return None


def _print_tap(args: argparse.Namespace, event) -> None:
    key = _card_key(args, event.uid)
    if args.json:
        print(json.dumps({"card": mask_uid(event.uid), "card_key": key, "protocol": event.protocol, "port": event.port}),
              flush=True)
    else:
        shown = f"key {key}" if key else "(no store secret here to compute its key)"
        print(f"card {mask_uid(event.uid)} {shown} ({event.protocol} on {event.port})", flush=True)


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)
