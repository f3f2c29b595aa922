"""``kiosk doctor``: check the mirror — configuration, camera, display, reader, storage, clock, time zone, network, power."""

from __future__ import annotations

import argparse
import logging

from kiosk.errors import ConfigError, UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "doctor", help="check this mirror and say what is wrong in plain words (exit status 1 when a check fails, 2 when called wrongly)",
        description="Each check answers ok, warning or fail with one sentence and a hint. Changes nothing.",
    )
    p.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    p.add_argument("--json", action="store_true", help="print one JSON object with every check")
    p.add_argument("--camera-seconds", type=float, default=3.0, metavar="S",
                   help="seconds the camera's real frame rate is measured (default 3)")
    p.set_defaults(func=doctor)


def doctor(args: argparse.Namespace) -> int:
    from kiosk.config import Config, load_config
    from kiosk.doctor import Context, exit_code, run_checks
    from kiosk.doctor.printer import as_json, as_text
    from kiosk.paths import data_dir

    if not 0.5 <= args.camera_seconds <= 60:
        raise UsageError("--camera-seconds must be 0.5 – 60")
    try:
        config, error = load_config(args.config), ""
    except ConfigError as exc:
        config, error = Config(), str(exc)
    ctx = Context(config=config, config_error=error, data_dir=data_dir(config), camera_s=args.camera_seconds)
    if not args.verbose:
        # The parts the checks drive (the camera, the reader) log their troubles as the kiosk
        # would; the report says each in its own words, so their lines only repeat it (-v keeps them).
        logging.getLogger().setLevel(logging.ERROR)
    results = run_checks(ctx)
    print(as_json(results) if args.json else as_text(results), flush=True)
    return exit_code(results)
