"""``kiosk bench WHAT``: benchmarks, discovered from the modules in ``kiosk/bench/``."""

from __future__ import annotations

import importlib
import pkgutil


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="measure performance (prints figures; --json for scripts)")
    sub = p.add_subparsers(dest="bench_command", metavar="WHAT", required=True)
    import kiosk.bench as benches

    for info in sorted(pkgutil.iter_modules(benches.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"kiosk.bench.{info.name}").register(sub)
