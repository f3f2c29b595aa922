"""``kiosk bench reader``: tap-to-event latency of each card reader type over a real pty."""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import tempfile
import time

from bench._figures import summary
from kiosk.config import load_config
from kiosk.errors import UsageError
from kiosk.identity.errors import ReaderError
from kiosk.wiring import build_card_reader, build_reader_sim

UIDS = {"pn532": "0416C6C2D73881", "rdm6300": "67003B51C6", "line": "04A1B2C3D4"}


def register(subparsers) -> None:
    p = subparsers.add_parser("reader", help="tap-to-event latency of the simulated card readers (pty)")
    p.add_argument("--taps", type=int, default=20, help="taps per reader type (default 20)")
    p.add_argument("--protocol", choices=("pn532", "rdm6300", "line"), action="append",
                   help="reader type to measure (default: all three)")
    p.add_argument("--config", help="configuration file ([reader] timings apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.taps <= 1000:
        raise UsageError("--taps must be 1–1000")
    config = load_config(args.config)
    results = {p: _measure(config, p, args.taps) for p in (args.protocol or list(UIDS))}
    if args.json:
        print(json.dumps({"taps": args.taps, "removal_s": config.reader.removal_s, "protocols": results}))
        return 0
    for protocol, r in results.items():
        print(f"{protocol:8} tap→event p50 {r['tap_ms']['p50']} ms, p95 {r['tap_ms']['p95']} ms, "
              f"max {r['tap_ms']['max']} ms; removal→event p50 {r['removal_ms']['p50']} ms; "
              f"CPU while idle {r['idle_cpu_percent']}%")
    return 0


def _measure(config, protocol: str, taps: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-reader-") as folder:
        sim = build_reader_sim(protocol, os.path.join(folder, "reader"))
        sim.start()
        reader = build_card_reader(config, port=sim.path, protocol=protocol)
        events: queue.Queue = queue.Queue()
        reader.start(events.put)
        try:
            if not sim.connected.wait(10):
                raise ReaderError(f"the simulated {protocol} reader was not opened within 10 s")
            cpu = _idle_cpu(2.0)
            tap_ms, removal_ms = [], []
            for _ in range(taps):
                time.sleep(random.uniform(0, 0.2))  # cards arrive at any point of the poll cycle
                t0 = time.monotonic()
                sim.present(UIDS[protocol])
                tap_ms.append(_wait(events, "tap", t0))
                t1 = time.monotonic()
                sim.remove()
                removal_ms.append(_wait(events, "removed", t1))
        finally:
            reader.stop()
            sim.stop()
    return {"tap_ms": _summary(tap_ms), "removal_ms": _summary(removal_ms), "idle_cpu_percent": cpu}


def _wait(events: queue.Queue, kind: str, since: float) -> float:
    deadline = since + 10
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.5)
        except queue.Empty:
            continue
        if getattr(event, "kind", None) == kind:
            return (event.at - since) * 1000
    raise ReaderError(f"no card {kind} event within 10 s")


def _idle_cpu(seconds: float) -> float:
    """CPU of this process (reader and simulator threads) while no card is on the reader."""
    start, wall = os.times(), time.monotonic()
    time.sleep(seconds)
    end = os.times()
    used = (end.user - start.user) + (end.system - start.system)
    return round(100 * used / (time.monotonic() - wall), 1)


def _summary(values: list[float]) -> dict:
    return summary(values)
