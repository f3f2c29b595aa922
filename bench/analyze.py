"""``kiosk bench analyze``: the pose model's speed, and the mirror's painted fps with analysis off vs on.

Part 1 runs the pose model on real frames (``--video``, else frames from ``--source``) at each
input size and reports per-frame latency and the analysed fps it allows on one core. Part 2
opens the real mirror window (``kiosk bench preview``'s machinery) twice in the same process,
with a recording running, first without and then with the live analysis, and reports the
painted fps of both, the analysed fps and how many frames the analysis skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np

from bench._figures import summary
from bench._xserver import add_display_args, check_screen, display
from kiosk.config import load_config
from kiosk.errors import UsageError

DEFAULT_SOURCE = "synthetic:?width=1280&height=720&fps=30"


def register(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="pose model speed, and the mirror's painted fps with analysis off vs on")
    p.add_argument("--video", help="clip with a person for the model timings (default: frames from --source)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help=f"camera source for the mirror (default {DEFAULT_SOURCE})")
    p.add_argument("--sizes", help="comma-separated model input sizes to time (default: [analysis] input_size)")
    p.add_argument("--frames", type=int, default=150, help="frames timed per input size (default 150)")
    p.add_argument("--runner", choices=["thread", "process", "both"], help="where the model runs (default: [analysis] runner)")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per mirror run (default 10)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring (default 5; the model loads)")
    p.add_argument("--no-record", action="store_true", help="measure the mirror without a recording running")
    p.add_argument("--no-mirror", action="store_true", help="only time the model (no window)")
    p.add_argument("--config", help="configuration file ([analysis] and [display] apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_display_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.seconds <= 600 or not 0 <= args.warmup <= 60 or not 10 <= args.frames <= 10000:
        raise UsageError("--seconds must be 1–600, --warmup 0–60 and --frames 10–10000")
    config = load_config(args.config)
    cfg = config.analysis
    try:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [cfg.input_size]
    except ValueError:
        raise UsageError(f"--sizes {args.sizes!r} must be whole numbers like 256,320,480") from None
    if not all(128 <= s <= 1920 for s in sizes):
        raise UsageError("--sizes must be 128–1920 pixels")
    runners = ["thread", "process"] if args.runner == "both" else [args.runner or cfg.runner]
    frames = _sample_frames(args, config)
    result: dict = {
        "machine": {"cpu_cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "model_complexity": cfg.model_complexity,
        "frames": {"source": args.video or args.source, "width": frames[0].shape[1], "height": frames[0].shape[0]},
        "model": [_time_model(frames, size, cfg, args.frames) for size in sizes],
        "mirror": None,
        "mirror_note": None,
    }
    if args.no_mirror:
        result["mirror_note"] = "not measured (--no-mirror)"
    else:
        result["mirror"] = _measure_mirror(args, config, runners)
    if args.json:
        print(json.dumps(result))
    else:
        _print(result)
    return 0


def _sample_frames(args, config) -> list[np.ndarray]:
    """Frames to time the model on: from the clip, else captured from the source."""
    if args.video:
        from kiosk.analysis.video import read_frames

        stream, _ = read_frames(args.video)
        frames = [pixels for _, pixels in stream][: args.frames]
        if not frames:
            raise UsageError(f"{args.video} has no frames")
        return frames
    from kiosk.wiring import build_core

    core = build_core(config, args.source, record=False, analysis=False)
    sub = core.hub.subscribe("bench")
    frames: list[np.ndarray] = []
    core.start()
    try:
        deadline = time.monotonic() + 30
        while len(frames) < min(args.frames, 60) and time.monotonic() < deadline:
            frame = sub.next(timeout=1.0)
            if frame is not None:
                frames.append(frame.pixels)
    finally:
        sub.close()
        core.stop()
    if not frames:
        raise UsageError(f"no frames came from {args.source}")
    return frames


def _time_model(frames: list[np.ndarray], size: int, cfg, count: int) -> dict:
    from kiosk.analysis.pose import PoseEstimator, PoseSettings

    estimator = PoseEstimator(PoseSettings(model_complexity=cfg.model_complexity, input_size=size,
                                           crop_to_person=cfg.crop_to_person))
    estimator.start()
    times, found = [], 0
    try:
        for i in range(count + 5):
            pixels = frames[i % len(frames)]
            began = time.perf_counter()
            pose = estimator.estimate(pixels, i / 30)
            if i >= 5:  # the first frames load the graph
                times.append(time.perf_counter() - began)
                found += pose is not None
    finally:
        estimator.close()
    latency = summary(times, 1000.0)
    return {
        "input_size": size,
        "latency_ms": latency,
        "fps_possible": round(1000 / latency["mean"], 1) if latency["mean"] else None,
        "person_found": round(found / len(times), 2),
    }


def _measure_mirror(args, config, runners: list[str]) -> dict:
    from kiosk.wiring import build_core

    with display(check_screen(args.screen)):
        from bench._window import measure_preview

        runs = {}
        with tempfile.TemporaryDirectory(prefix="bench-analyze-") as library:
            for name in ["off"] + runners:
                config.analysis.runner = runners[0] if name == "off" else name
                core = build_core(config, args.source, library_dir=library, record=not args.no_record,
                                  analysis=name != "off")
                mark: dict = {}
                figures = measure_preview(core, args.seconds, args.warmup, during=_start_take(core, args.no_record, mark))
                worker = getattr(core.parts.analysis, "worker", None)
                if worker is not None:
                    figures["analysis"] = {
                        "runner": name,
                        "fps": round((worker.analysed - mark.get("analysed", 0)) / args.seconds, 1),
                        "model_ms": worker.stats().model_ms,
                        "latency_ms": worker.stats().latency_ms,
                        "skipped": worker.stats().skipped,
                    }
                runs["analysis_off" if name == "off" else f"analysis_{name}"] = figures
    return {
        "source": args.source,
        "recording": not args.no_record,
        "cpu_note": "cpu_percent is the kiosk process only; with runner process the model's CPU is not in it",
        **{key: {"fps_painted": r["fps_painted"], "fps_captured": r["fps_captured"], "latency_ms": r["latency_ms"],
                 "cpu_percent": r["cpu_percent"], "analysis": r.get("analysis")} for key, r in runs.items()},
    }


def _start_take(core, no_record: bool, mark: dict):
    """Called when measuring starts: note the analysis count, start the recording."""

    def start() -> None:
        worker = getattr(core.parts.analysis, "worker", None)
        if worker is not None:
            mark["analysed"] = worker.analysed
        if not no_record:
            core.start_recording("bench")

    return start


def _print(result: dict) -> None:
    print(f"pose model (complexity {result['model_complexity']}) on {result['frames']['source']} "
          f"{result['frames']['width']}×{result['frames']['height']}, load {result['machine']['load_avg_1m']}:")
    for m in result["model"]:
        lat = m["latency_ms"]
        print(f"  input {m['input_size']} px: {lat['mean']} ms mean, p95 {lat['p95']} ms → up to {m['fps_possible']} fps; "
              f"person found in {m['person_found']:.0%} of frames")
    mirror = result["mirror"]
    if mirror is None:
        print(f"mirror: {result['mirror_note']}")
        return
    for key, r in mirror.items():
        if not key.startswith("analysis_"):
            continue
        a = r["analysis"]
        extra = f", analysed {a['fps']} fps ({a['model_ms']} ms in the model)" if a else ""
        print(f"  mirror {key}: painted {r['fps_painted']} of {r['fps_captured']} fps, CPU {r['cpu_percent']}%{extra}")
