"""``kiosk bench preview``: the real mirror window's painted frame rate, latency, drops and CPU."""

from __future__ import annotations

import argparse
import json

from bench._xserver import add_display_args, check_screen, display
from kiosk.config import load_config
from kiosk.errors import UsageError
from kiosk.wiring import build_core

DEFAULT_SOURCE = "synthetic:?width=1920&height=1080&fps=30"


def register(subparsers) -> None:
    p = subparsers.add_parser("preview", help="painted fps, capture-to-screen latency, drops and CPU of the live mirror")
    p.add_argument("--source", default=DEFAULT_SOURCE, help=f"camera source spec (default {DEFAULT_SOURCE})")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring (default 2)")
    p.add_argument("--config", help="configuration file (display settings apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_display_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.seconds <= 3600 or not 0 <= args.warmup <= 60:
        raise UsageError("--seconds must be 1–3600 and --warmup 0–60")
    config = load_config(args.config)
    config.display.fullscreen = True
    core = build_core(config, args.source, record=False, window=True)  # the bare mirror; bench record adds a take
    with display(check_screen(args.screen)):
        from bench._window import measure_preview

        result = measure_preview(core, args.seconds, args.warmup)
    result = {"source": args.source, "seconds": args.seconds, **result}
    if args.json:
        print(json.dumps(result))
    else:
        lat = result["latency_ms"]
        print(
            f"painted {result['fps_painted']:.1f} fps of {result['fps_captured']:.1f} captured; "
            f"latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms; "
            f"dropped {result['dropped']}; CPU {result['cpu_percent']:.0f}%"
        )
    return 0
