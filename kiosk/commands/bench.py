"""``kiosk bench WHAT``: benchmarks, one module each in the top-level ``bench`` package.

The benchmark harness is not part of the core: ``kiosk bench`` only lists the modules'
names (without importing them) and imports the one asked for when the command runs, so no
other command pays for it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil

from kiosk.errors import UsageError


def _names() -> list[str]:
    spec = importlib.util.find_spec("bench")
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(m.name for m in pkgutil.iter_modules(spec.submodule_search_locations) if not m.name.startswith("_"))


def register(subparsers) -> None:
    names = _names()
    p = subparsers.add_parser(
        "bench", help="measure performance (prints figures; --json for scripts)",
        description="Benchmarks; `kiosk bench WHAT --help` describes each.",
    )
    p.add_argument("what", metavar="WHAT", choices=names, help=", ".join(names))
    # what follows WHAT is the benchmark's own; none is fine ("required: WHAT, args" named an internal)
    p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS).required = False
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.cli import Parser, parse

    module = importlib.import_module(f"bench.{args.what}")
    parser = Parser(prog="kiosk bench")
    module.register(parser.add_subparsers(dest="what", required=True, parser_class=Parser))
    inner = parse(parser, [args.what, *args.args], lambda inner: [inner.what])
    if not hasattr(inner, "func"):
        raise UsageError(f"kiosk bench {args.what} cannot run")
    return inner.func(inner)
