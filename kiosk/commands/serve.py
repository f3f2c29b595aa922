"""``kiosk serve``: the network services alone (API, share pages, console, zeroconf), headless."""

from __future__ import annotations

import argparse
import logging

from kiosk.commands._stop_signals import InterruptEndsStop, StopSignals
from kiosk.config import load_config
from kiosk.errors import UsageError

_log = logging.getLogger(__name__)


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the HTTP API, share pages, console and zeroconf without camera or screen")
    p.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    p.add_argument("--library", metavar="DIR", help="look library folder (default: library.data_dir)")
    p.add_argument("--port", type=int, metavar="N", help="HTTP port, overriding api.port (0: any free port)")
    p.add_argument("--name", help="name announced on the LAN, overriding api.name")
    p.add_argument(
        "--interface", action="append", metavar="ADDR", help="IPv4 address to announce on (repeatable), overriding api.interfaces"
    )
    p.set_defaults(func=serve)


def apply_overrides(config, args: argparse.Namespace) -> None:
    """Put the command-line overrides into the configuration (checked like the file)."""
    from pydantic import ValidationError

    from kiosk.config import describe_error
    from kiosk.net.addresses import check_interfaces

    try:
        if args.port is not None:
            config.api.port = args.port
        if args.name is not None:
            config.api.name = args.name
        if args.interface:
            try:
                config.api.interfaces = check_interfaces(args.interface)
            except ValueError as exc:
                raise UsageError(f"--interface: {exc}") from None
    except ValidationError as exc:  # a value given on the command line, not the file's: a usage error
        raise UsageError(f"command line: {describe_error(exc)}") from None


def serve(args: argparse.Namespace) -> int:
    from kiosk.core import KioskCore
    from kiosk.wiring import Switches, build_parts

    config = load_config(args.config)
    apply_overrides(config, args)
    # The same kiosk as ``kiosk run``, without camera, screen, recorder or analysis.
    switches = Switches(camera=False, record=False, analysis=False, library=True, network=True,
                        library_dir=args.library, optional=(), watchdog=True)
    core = KioskCore(build_parts(config, switches))
    # not a threading.Event set by a handler: a stop taken by another thread would never wake it
    with StopSignals() as stop:
        core.start()
        try:
            service = core.parts.network
            # one line on stdout for people and scripts (the port matters with --port 0)
            print(f"kiosk serve: {service.ctx.name!r} on port {service.port} (console at /console)", flush=True)
            stop.wait()
        finally:
            # a second Ctrl-C ends a slow stop at once (status 130); SIGTERM's stop stays clean
            with InterruptEndsStop("the network and the library to close"):
                core.stop()
    return 0
