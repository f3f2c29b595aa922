"""``kiosk discover``: list the mirrors that announce themselves on the LAN (for store IT and tests).

With ``--prometheus FILE`` and/or ``--ansible-inventory FILE`` it writes the store's fleet for
Prometheus (``file_sd``) and Ansible, and keeps running: each change on the LAN rewrites the
files atomically (a reader never sees half a file). ``--once`` writes them after one listening
window and exits, like the plain listing.

The fleet files take only mirrors that prove they belong to the store (``kiosk.net.fleet_proof``):
the inventory is where the Ansible play sends the store's secrets, so a device announcing a
mirror's id, or one of its own, must not get into it. That needs the store secret: ``--store-secret
FILE``, else the one this machine's configuration names when it exists. Without one the command
refuses to write the files, unless ``--unverified`` (Prometheus only) lets announced devices in
as they are, never in place of a mirror the file already has. The plain listing shows what is
announced, proven or not: it is for looking, not for trusting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import tempfile
import uuid
from pathlib import Path

from kiosk.config import load_config
from kiosk.errors import KioskError, NetworkError, UsageError
from kiosk.words import printable

_log = logging.getLogger(__name__)

# Announcements arrive in bursts (a mirror's A record, then its service); write once they settle.
SETTLE_S = 1.0
RETRY_S = 10.0


def register(subparsers) -> None:
    p = subparsers.add_parser("discover", help="list the mirrors on the LAN (zeroconf _smartmirror._tcp)")
    p.add_argument("--timeout", type=float, default=3.0, metavar="S", help="seconds to listen (default 3)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--prometheus", metavar="FILE", help="write the mirrors as a Prometheus file_sd target file")
    p.add_argument("--ansible-inventory", metavar="FILE", help="write the mirrors as an Ansible inventory (by store and room)")
    p.add_argument(
        "--once", action="store_true", help="with --prometheus/--ansible-inventory: write after --timeout seconds and exit"
    )
    p.add_argument(
        "--store-secret", metavar="FILE",
        help="the store secret (hex) the mirrors must prove they hold to enter the files "
        "(default: the one the configuration names, when it exists)",
    )
    p.add_argument(
        "--unverified", action="store_true",
        help="with --prometheus and no store secret: write every announced mirror, unproven "
        "(a new announcement never moves a mirror already in the file)",
    )
    p.set_defaults(func=discover)


def discover(args: argparse.Namespace) -> int:
    if not 0.2 <= args.timeout <= 120:
        raise UsageError("--timeout must be 0.2 – 120 seconds")
    files = FleetFiles(args.prometheus, args.ansible_inventory)
    if args.once and not files.wanted:
        raise UsageError("--once goes with --prometheus FILE or --ansible-inventory FILE")
    if (args.store_secret or args.unverified) and not files.wanted:
        raise UsageError("--store-secret and --unverified go with --prometheus FILE or --ansible-inventory FILE")
    if args.unverified and args.store_secret:
        raise UsageError("--unverified writes unproven mirrors and --store-secret proven ones: choose one")
    if args.unverified and args.ansible_inventory:
        raise UsageError("--unverified cannot write an inventory: the Ansible play sends the store's secrets to "
                         "every host in it, so it takes only mirrors that prove they hold the store secret")
    files.check()
    from kiosk.net.addresses import host_addresses
    from kiosk.net.discover import async_browse

    config = load_config(None)
    trust = _store_trust(args.store_secret, config) if files.wanted and not args.unverified else None
    # $KIOSK_CONFIG's api.interfaces, when set, keeps the search on those addresses
    interfaces = config.api.interfaces or host_addresses()
    if not interfaces:
        raise NetworkError("this machine has no network address to look for mirrors on")
    if files.wanted and not args.once:
        asyncio.run(_watch(args.timeout, interfaces, files, trust))
        return 0
    if files.wanted:
        mirrors, count, left_out = asyncio.run(_once(args.timeout, interfaces, files, trust))
        for sentence in left_out:
            print(f"kiosk discover: {printable(sentence)}", file=sys.stderr)
        print(f"{count} mirrors written to {', '.join(files.paths())} ({len(mirrors)} seen in {args.timeout:g} s)")
        return 0
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
        # every word here comes from the LAN, unproven: written out, never sent to the terminal as it is
        print(printable(f"{m.name}  room {txt.get('room') or '-'}  {txt.get('state', '?')}  {where}  "
                        f"({m.host}, id {txt.get('id', '?')}, ver {txt.get('ver', '?')}, rel {txt.get('rel') or '?'})"))
    return 0


def _store_trust(path: str | None, config):
    """Peer trust over the store secret: ``path``, else the configuration's when it exists (never created)."""
    from kiosk.identity.cardkey import load_secret
    from kiosk.identity.errors import IdentityError
    from kiosk.net.trust import PeerTrust, secret_path
    from kiosk.paths import data_dir

    chosen = Path(path).expanduser() if path else secret_path(config, data_dir(config))
    if chosen is None or (not path and not chosen.exists()):
        raise UsageError(
            "the fleet files take only mirrors that prove they hold the store secret, and this machine has "
            "none: pass --store-secret FILE (or --unverified with --prometheus alone)"
        )
    try:
        secret = load_secret(chosen)
    except IdentityError as exc:
        if not path:  # the mirror's own secret, unreadable: a failure, not how the command was called
            raise
        raise UsageError(str(exc)) from None
    return PeerTrust(secret, str(uuid.uuid4()))  # an id of our own for the hellos


def _directory(interfaces: list[str], peers, on_change=None):
    from kiosk.net.discover import MirrorDirectory

    return MirrorDirectory(interfaces, on_change=on_change, proven=peers.is_proven)


async def _once(timeout: float, interfaces: list[str], files: FleetFiles, trust) -> tuple[list, int, list[str]]:
    """One listening window, then the files: (records seen, mirrors written, devices left out in words)."""
    from kiosk.net.peers import PeerBook

    peers = PeerBook()
    directory = _directory(interfaces, peers)
    await directory.async_start()
    try:
        await asyncio.sleep(timeout)
        records = directory.mirrors()
    finally:
        await directory.async_stop()
    count, left_out = await files.update(records, _prover(trust, peers))
    return records, count, left_out


def _prover(trust, peers):
    from kiosk.net.fleet_proof import FleetProof

    return FleetProof(trust, peers) if trust is not None else None


async def _watch(timeout: float, interfaces: list[str], files: FleetFiles, trust) -> None:
    """Keep browsing; write the files after the first window and on every change, until SIGTERM/SIGINT."""
    from kiosk.log import QuietLogger
    from kiosk.net.peers import PeerBook

    loop = asyncio.get_running_loop()
    changed, stop = asyncio.Event(), asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    peers = PeerBook()
    prover = _prover(trust, peers)
    directory = _directory(interfaces, peers, on_change=changed.set)
    told: set[str] = set()  # devices left out already reported (each once, while it stays out)
    await directory.async_start()
    quiet = QuietLogger(_log)
    try:
        await _wait_any(stop, timeout)
        while not stop.is_set():
            changed.clear()
            try:
                count, left_out = await files.update(directory.mirrors(), prover)
            except Exception as exc:  # a full disk, a removed folder, anything: say so, try again
                quiet.warning("could not write the fleet files, trying again in %g s: %s", RETRY_S, exc)
                await _wait_any(stop, RETRY_S)
                continue
            quiet.clear()
            for sentence in sorted(set(left_out) - told):
                _log.warning("%s", printable(sentence))
            told = set(left_out)
            _log.info("%d mirrors in %s", count, ", ".join(files.paths()))
            await _wait_any(stop, None, changed)
            await _wait_any(stop, SETTLE_S)
    finally:
        await directory.async_stop()


async def _wait_any(stop: asyncio.Event, timeout: float | None, other: asyncio.Event | None = None) -> None:
    """Return when ``stop`` or ``other`` is set, or after ``timeout`` seconds."""
    waits = [asyncio.ensure_future(stop.wait())]
    if other is not None:
        waits.append(asyncio.ensure_future(other.wait()))
    _, pending = await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


class FleetFiles:
    """The target file and inventory being kept; the fleet starts from the target file's mirrors."""

    def __init__(self, prometheus: str | None, inventory: str | None) -> None:
        self._prometheus = Path(prometheus) if prometheus else None
        self._inventory = Path(inventory) if inventory else None
        self._fleet: dict | None = None  # the target file's mirrors
        self._present: dict = {}  # the mirrors proven while this command runs: the inventory's

    @property
    def wanted(self) -> bool:
        return self._prometheus is not None or self._inventory is not None

    def paths(self) -> list[str]:
        return [str(p) for p in (self._prometheus, self._inventory) if p is not None]

    def check(self) -> None:
        """Refuse a file whose folder does not exist, or a target file this command did not
        write (rewriting it would drop what it holds), before listening for anything.

        A missing folder or an unreadable file is a failure (status 1), not a wrong call: a
        service started before its mount is there is restarted and finds it later.
        """
        for path in (self._prometheus, self._inventory):
            if path is not None and not path.resolve().parent.is_dir():
                raise KioskError(f"cannot write {path}: the folder {path.resolve().parent} does not exist")
            if path is not None and path.is_dir():
                raise UsageError(f"cannot write {path}: it is a folder")
        if self._prometheus is not None and self._prometheus.exists():
            self._fleet = _read_targets(self._prometheus)

    async def update(self, records: list, prover) -> tuple[int, list[str]]:
        """Prove ``records`` (``prover`` None: ``--unverified``), merge, rewrite the files that changed.

        Returns the number of mirrors written and, one sentence each, the devices left out.
        """
        if prover is None:
            return self.write([], records)
        roll = await prover.check(records)
        count, refused = self.write(roll.proven)
        return count, [*refused, *(d.sentence() for d in roll.left_out)]

    def write(self, proven: list, unproven: list = ()) -> tuple[int, list[str]]:
        """Merge proven mirrors (and, ``--unverified``, announced records) into the fleet; rewrite the files.

        The target file keeps every mirror it had; the inventory holds the mirrors proven while
        this command runs, since the play sends each of its hosts the store's secrets.
        Returns the number of mirrors written and the announcements refused, in words.
        """
        from kiosk.net import fleet

        if self._fleet is None:
            self._fleet = _read_targets(self._prometheus) if self._prometheus is not None and self._prometheus.exists() else {}
        self._fleet = fleet.merge(self._fleet, proven)
        self._present = fleet.merge(self._present, proven)
        refused: list[str] = []
        if unproven:
            self._fleet, refused = fleet.merge_unproven(self._fleet, list(unproven))
        if self._prometheus is not None:
            _replace(self._prometheus, fleet.prometheus_targets(self._fleet))
        if self._inventory is not None:
            _replace(self._inventory, fleet.ansible_inventory(self._present))
        return len(self._fleet if self._prometheus is not None else self._present), refused


def _read_targets(path: Path) -> dict:
    """The mirrors of an existing target file; one sentence, and the file left alone, when it is
    not one this command wrote."""
    from kiosk.net import fleet

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = None
    except OSError as exc:
        raise KioskError(f"cannot read {path} ({exc.strerror or exc})") from None  # EIO, permissions: a failure
    try:
        if text is None:
            raise ValueError("it is not UTF-8 text")
        return fleet.read_prometheus_targets(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not a target file kiosk discover wrote: {exc}; it is left as it is "
                         "(fix it, move it aside or name another file)") from None


def _replace(path: Path, text: str) -> None:
    """Write ``path`` atomically (temporary file, fsync, rename); untouched when already ``text``."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.resolve().parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # Prometheus and Ansible run as other users
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise KioskError(f"cannot write {path} ({exc.strerror or exc})") from None  # a full disk: a failure, not a usage error
