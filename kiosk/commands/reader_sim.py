"""``kiosk reader-sim``: a pseudo-terminal that behaves like a card reader, for demos and checks.

Prints the path to open, waits until a program opens it, then taps the ``--uid`` cards in turn.
It then reads commands on standard input, one per line: ``HEX`` or ``tap HEX [SECONDS]``,
``present HEX``, ``remove``, ``unplug``, ``plug``, ``noise [HEX]`` and ``quit``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from kiosk.errors import UsageError
from kiosk.wiring import build_reader_sim


def register(subparsers) -> None:
    p = subparsers.add_parser("reader-sim", help="simulate a card reader on a pseudo-terminal (prints its path)")
    p.add_argument("--protocol", choices=("pn532", "rdm6300", "line"), required=True, help="which reader to behave like")
    p.add_argument("--uid", nargs="+", default=[], metavar="HEX", help="cards to tap once a program opens the port")
    p.add_argument("--link", metavar="PATH", help="also make PATH a symlink to the pty, kept across unplug/plug (like /dev/serial/by-id)")
    p.add_argument("--hold", type=float, default=0.8, metavar="S", help="seconds each card is held on the reader (default 0.8)")
    p.add_argument("--gap", type=float, default=1.0, metavar="S", help="seconds between two cards (default 1.0)")
    p.set_defaults(func=simulate)


def simulate(args: argparse.Namespace) -> int:
    if args.hold <= 0 or args.gap < 0:
        raise UsageError("--hold must be more than 0 and --gap at least 0 seconds")
    sim = build_reader_sim(args.protocol, args.link)
    try:
        uids = [sim.check_uid(uid) for uid in args.uid]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.link and os.path.exists(args.link) and not os.path.islink(args.link):
        raise UsageError(f"--link {args.link} exists and is not a symlink; choose another path")
    if args.link and not os.path.isdir(os.path.dirname(os.path.abspath(args.link))):
        raise UsageError(f"--link {args.link}: its folder does not exist")
    done = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: done.set())
    print(sim.start(), flush=True)
    try:
        print(f"kiosk reader-sim: simulated {args.protocol} reader on {sim.pty_path}", file=sys.stderr, flush=True)
        commands = threading.Thread(target=_read_commands, args=(sim, done), name="reader-sim-stdin", daemon=True)
        commands.start()
        for uid in uids:
            while not sim.connected.wait(0.2):
                if done.is_set():
                    return 0
            sim.tap(uid, args.hold)
            if done.wait(args.hold + args.gap):
                return 0
        while not done.wait(0.5):
            pass
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        sim.stop()


def _read_commands(sim, done: threading.Event) -> None:
    """Commands from standard input; at its end the simulator keeps running until stopped."""
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if _command(sim, words):
                done.set()
                return
        except (ValueError, IndexError) as exc:
            print(f"kiosk reader-sim: {exc or 'missing argument'}", file=sys.stderr, flush=True)


def _command(sim, words: list[str]) -> bool:
    """Carry out one command; True means quit."""
    verb = words[0].lower()
    if verb == "quit":
        return True
    if verb == "tap":
        sim.tap(words[1], float(words[2]) if len(words) > 2 else 0.8)
    elif verb == "present":
        sim.present(words[1])
    elif verb == "remove":
        sim.remove()
    elif verb == "unplug":
        sim.unplug()
    elif verb == "plug":
        print(sim.plug(), flush=True)
    elif verb == "noise":
        sim.noise(bytes.fromhex(words[1]) if len(words) > 1 else os.urandom(32))
    else:
        sim.tap(words[0])  # a bare card number
    return False
