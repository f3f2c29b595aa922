"""``kiosk run``: the mirror on the screen."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import threading

from kiosk.commands._stop_signals import InterruptEndsStop
from kiosk.config import Config, load_config
from kiosk.errors import KioskError

_log = logging.getLogger(__name__)

#: ``kiosk run``'s status when a plain mirror's data folder can be written again: a failure to
#: systemd (``Restart=on-failure``), which starts the full kiosk in its place.
RESTART_FULL = 1


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="show the mirror (full screen; --windowed for development)")
    p.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    p.add_argument("--source", help="camera source spec, overriding the configuration (e.g. file:clip.mp4)")
    p.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    p.add_argument("--library", metavar="DIR", help="look library folder, overriding library.data_dir")
    p.add_argument("--rotation", type=int, choices=(0, 90, 180, 270), help="override display.rotation")
    status = p.add_mutually_exclusive_group()
    status.add_argument("--status", action="store_true",
                        help="show the status line (camera and screen fps, camera state) for setting up")
    status.add_argument("--no-status", action="store_true", help="hide the status line")
    p.add_argument(
        "--no-network", action="store_true", help="no HTTP API, share links, console or zeroconf (development)"
    )
    p.add_argument("--quit-after", type=float, metavar="S", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # A crash or the watchdog's SIGABRT (kiosk.sdrelay) writes every thread's stack to stderr, the journal.
    faulthandler.enable()
    from kiosk.core import KioskCore
    from kiosk.plain_mirror import DataFolderWritable
    from kiosk.wiring import build_parts

    from ui.app import request_quit, run_mirror, screen_missing  # the UI is only loaded by the commands that show it

    config = load_config(args.config)
    problem = screen_missing()
    if problem:  # refuse before anything starts: Qt would abort the process, traceback and all
        raise KioskError(problem)  # where it runs, not how it was called: a failure (1), not a usage error (2)
    if args.windowed:
        config.display.fullscreen = False
    if args.rotation is not None:
        config.display.rotation = args.rotation
    if args.status or args.no_status:
        config.display.show_status = args.status
    if args.library:
        config.library.data_dir = args.library  # the identity files live beside the looks
    core = KioskCore(build_parts(config, mirror_switches(config, args)))
    writable = threading.Event()  # a plain mirror's data folder can be written again

    def restart_full(event) -> None:
        if isinstance(event, DataFolderWritable) and not writable.is_set():
            writable.set()
            _log.warning("the data folder %s can be written again: the plain mirror exits (status %d) so that "
                         "systemd starts the full kiosk", event.folder, RESTART_FULL)
            request_quit()

    core.bus.subscribe(restart_full)
    # a second Ctrl-C ends a slow stop at once (status 130); SIGTERM's stop stays clean
    waiting_for = "the mirror's parts to stop (the next start finishes a take its shopper agreed to keep)"
    code = run_mirror(core, quit_after=args.quit_after, stopping=lambda: InterruptEndsStop(waiting_for))
    return RESTART_FULL if writable.is_set() else code


def mirror_switches(config: Config, args: argparse.Namespace):
    """The parts ``kiosk run`` wants: all of them, or a plain mirror where the data folder cannot be
    written (an SD card the kernel remounted read-only): a mirror without recording beats a dark one."""
    from kiosk.paths import data_dir
    from kiosk.plain_mirror import started_plain
    from kiosk.storage.writable import unwritable
    from kiosk.wiring import Switches, plain_mirror

    switches = Switches(source=args.source, library_dir=args.library, network=not args.no_network, window=True,
                        watchdog=True)
    folder = data_dir(config, args.library)
    why = unwritable(folder)
    if not why:
        return switches
    _log.error("%s", started_plain(folder, why))
    return plain_mirror(switches, config, why)
