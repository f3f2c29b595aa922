"""``kiosk discover``: list the mirrors that announce themselves on the LAN (for store IT and tests).

With ``--prometheus FILE`` and/or ``--ansible-inventory FILE`` it writes the store's fleet for
Prometheus (``file_sd``) and Ansible, and keeps running: each change on the LAN rewrites the
files atomically (a reader never sees half a file). ``--once`` writes them after one listening
window and exits, like the plain listing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import tempfile
from pathlib import Path

from kiosk.config import load_config
from kiosk.errors import UsageError

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
    p.set_defaults(func=discover)


def discover(args: argparse.Namespace) -> int:
    if not 0.2 <= args.timeout <= 120:
        raise UsageError("--timeout must be 0.2 – 120 seconds")
    files = FleetFiles(args.prometheus, args.ansible_inventory)
    if args.once and not files.wanted:
        raise UsageError("--once goes with --prometheus FILE or --ansible-inventory FILE")
    files.check()
    from kiosk.net.addresses import host_addresses
    from kiosk.net.discover import async_browse

    # $KIOSK_CONFIG's api.interfaces, when set, keeps the search on those addresses
    interfaces = load_config(None).api.interfaces or host_addresses()
    if not interfaces:
        raise UsageError("this machine has no network address to look for mirrors on")
    if files.wanted and not args.once:
        asyncio.run(_watch(args.timeout, interfaces, files))
        return 0
    mirrors = asyncio.run(async_browse(args.timeout, interfaces))
    if files.wanted:
        count = files.write(mirrors)
        print(f"{count} mirrors written to {', '.join(files.paths())} ({len(mirrors)} seen in {args.timeout:g} s)")
        return 0
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


async def _watch(timeout: float, interfaces: list[str], files: FleetFiles) -> None:
    """Keep browsing; write the files after the first window and on every change, until SIGTERM/SIGINT."""
    from kiosk.net.discover import MirrorDirectory

    loop = asyncio.get_running_loop()
    changed, stop = asyncio.Event(), asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    directory = MirrorDirectory(interfaces, on_change=changed.set)
    await directory.async_start()
    try:
        await _wait_any(stop, timeout)
        while not stop.is_set():
            changed.clear()
            try:
                count = files.write(directory.mirrors())
            except Exception as exc:  # a full disk or a removed folder: say so, try again
                _log.warning("could not write the fleet files, trying again in %g s: %s", RETRY_S, exc)
                await _wait_any(stop, RETRY_S)
                continue
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
        self._fleet: dict | None = None

    @property
    def wanted(self) -> bool:
        return self._prometheus is not None or self._inventory is not None

    def paths(self) -> list[str]:
        return [str(p) for p in (self._prometheus, self._inventory) if p is not None]

    def check(self) -> None:
        """Refuse a file whose folder does not exist, before listening for anything."""
        for path in (self._prometheus, self._inventory):
            if path is not None and not path.resolve().parent.is_dir():
                raise UsageError(f"cannot write {path}: the folder {path.resolve().parent} does not exist")

    def write(self, mirrors: list) -> int:
        """Merge ``mirrors`` into the fleet, rewrite the files that changed; returns the fleet's size."""
        from kiosk.net import fleet

        if self._fleet is None:
            self._fleet = {}
            if self._prometheus is not None and self._prometheus.is_file():
                self._fleet = fleet.parse_prometheus_targets(self._prometheus.read_text(encoding="utf-8"))
        self._fleet = fleet.merge(self._fleet, mirrors)
        if self._prometheus is not None:
            _replace(self._prometheus, fleet.prometheus_targets(self._fleet))
        if self._inventory is not None:
            _replace(self._inventory, fleet.ansible_inventory(self._fleet))
        return len(self._fleet)


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
        raise UsageError(f"cannot write {path} ({exc.strerror or exc})") from None
