"""``kiosk bench analyze``: the pose model's speed, and the mirror's painted fps with analysis off vs on.

Part 1 runs the pose model on real frames (``--video``, else frames from ``--source``) at each
input size and reports per-frame wall and CPU time (this machine's model time) and the
analysed fps it allows on one core. Part 2 opens the real mirror window (``kiosk bench
preview``'s machinery) in the same process once per phase, with a recording running: analysis
off, then each runner, then off again (so a machine whose load changed during the run shows
it), and reports each phase's painted fps, its ratio to the mean of the two "off" phases, the
analysed fps, the model's time under load, the CPU of the kiosk and of the analysis process,
and the load average around each phase. The machine is often shared: compare ratios within
one run, and read the load figures before trusting any.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from types import SimpleNamespace

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
    p.add_argument("--runner", choices=["thread", "process", "both"],
                   help="where the model runs; both: thread then process in the same run (default: [analysis] runner)")
    p.add_argument("--nice", help="comma-separated [analysis] nice values, or idle ([analysis] idle_priority): "
                                  "each runner is measured at each (default: the configuration's), e.g. 10,0,idle")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per mirror run (default 10)")
    p.add_argument("--warmup", type=float, default=15.0,
                   help="seconds before measuring (default 15: the analysis pacer settles), "
                        "and then until the analysis has analysed a few frames")
    p.add_argument("--no-record", action="store_true", help="measure the mirror without a recording running")
    p.add_argument("--no-mirror", action="store_true", help="only time the model (no window)")
    p.add_argument("--no-off-again", action="store_true", help="skip the second analysis-off phase at the end")
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
    try:
        nices = [n if n == "idle" else int(n) for n in args.nice.split(",")] if args.nice else [None]
    except ValueError:
        raise UsageError(f"--nice {args.nice!r} must be whole numbers or idle, like 10,0,idle") from None
    if not all(n in (None, "idle") or 0 <= n <= 19 for n in nices):
        raise UsageError("--nice values must be 0–19 or idle")
    frames = _sample_frames(args, config)
    result: dict = {
        "machine": {"cpu_cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "model_complexity": cfg.model_complexity,
        "face_check": cfg.face_check,
        "frames": {"source": args.video or args.source, "width": frames[0].shape[1], "height": frames[0].shape[0]},
        "model": [_time_model(frames, size, cfg, args.frames) for size in sizes],
        "mirror": None,
        "mirror_note": None,
    }
    if args.no_mirror:
        result["mirror_note"] = "not measured (--no-mirror)"
    else:
        result["mirror"] = _measure_mirror(args, config, runners, nices)
    result["machine"]["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
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
    from kiosk.analysis.flow import with_flow
    from kiosk.analysis.pose import PoseEstimator, PoseSettings

    estimator = PoseEstimator(PoseSettings(model_complexity=cfg.model_complexity, input_size=size,
                                           crop_to_person=cfg.crop_to_person))
    estimator.start()
    times, cpu, flow, found = [], [], [], 0
    load = os.getloadavg()[0]
    try:
        for i in range(count + 5):
            pixels = frames[i % len(frames)]
            began, cpu0 = time.perf_counter(), time.process_time()
            pose = estimator.estimate(pixels, i / 30)
            if i >= 5:  # the first frames load the graph
                times.append(time.perf_counter() - began)
                cpu.append(time.process_time() - cpu0)  # all threads: the model runs in mediapipe's own
                found += pose is not None
                if pose is not None:  # the torso flow against the frame before (the worker's next step)
                    began = time.perf_counter()
                    with_flow(pose, ((i - 1) / 30, frames[(i - 1) % len(frames)]), pixels)
                    flow.append(time.perf_counter() - began)
    finally:
        estimator.close()
    latency = summary(times, 1000.0)
    cpu_ms = summary(cpu, 1000.0)["mean"]
    return {
        "input_size": size,
        "latency_ms": latency,
        # CPU time is what a busy machine has to find for each analysed frame; wall time also
        # counts waiting for a core, so it grows with the machine's load.
        "cpu_ms": cpu_ms,
        "fps_possible": round(1000 / latency["mean"], 1) if latency["mean"] else None,
        "fps_per_core": round(1000 / cpu_ms, 1) if cpu_ms else None,
        "person_found": round(found / len(times), 2),
        "flow_ms": summary(flow, 1000.0)["mean"] if flow else None,  # the torso flow, per analysed frame
        "load_avg_1m": round(load, 2),
    }


def _measure_mirror(args, config, runners: list[str], nices: list) -> dict:
    on = [(runner, nice) for runner in runners for nice in nices]
    phases: list[tuple[str, int | str | None]] = [("off", None)] + on + ([] if args.no_off_again else [("off", None)])
    with display(check_screen(args.screen)):
        from bench._window import measure_preview

        runs: dict = {}
        with tempfile.TemporaryDirectory(prefix="bench-analyze-") as library:
            for i, (name, nice) in enumerate(phases):
                key = "analysis_off_end" if name == "off" and i > 0 else f"analysis_{name}"
                if len(nices) > 1 and name != "off":
                    key += "_idle" if nice == "idle" else f"_nice{nice}"
                config.analysis.runner = runners[0] if name == "off" else name
                if name != "off" and nice is not None:
                    config.analysis.idle_priority = nice == "idle"
                    config.analysis.nice = 0 if nice == "idle" else nice
                core = _build_core(config, args, library, analysis=name != "off")
                worker = _worker(core)
                mark: dict = {"load": os.getloadavg()[0]}
                figures = measure_preview(core, args.seconds, args.warmup, during=_start_take(core, args.no_record, mark),
                                          after=_end_take(core, mark), ready=_analysing(core))
                figures["load_avg_1m"] = [round(mark["load"], 2), round(os.getloadavg()[0], 2)]
                figures["python_wakeup_late_ms"] = mark.get("python_wakeup_late_ms")
                if worker is not None:
                    figures["analysis"] = _analysis_figures(worker, name, mark, args.seconds)
                    figures["analysis"]["nice"] = config.analysis.nice
                    figures["analysis"]["idle_priority"] = config.analysis.idle_priority
                runs[key] = figures
    offs = [r["fps_painted"] for k, r in runs.items() if k.startswith("analysis_off")]
    off = sum(offs) / len(offs)
    return {
        "source": args.source,
        "recording": not args.no_record,
        "painted_off_fps": round(off, 2),
        "cpu_note": "cpu_percent: the kiosk process (all its threads); analysis.child_cpu_percent: the analysis process",
        **{key: {"fps_painted": r["fps_painted"], "ratio_to_off": round(r["fps_painted"] / off, 3) if off else None,
                 "fps_captured": r["fps_captured"], "latency_ms": r["latency_ms"], "cpu_percent": r["cpu_percent"],
                 "load_avg_1m": r["load_avg_1m"], "python_wakeup_late_ms": r["python_wakeup_late_ms"],
                 "analysis": r.get("analysis")} for key, r in runs.items()},
    }


def _analysis_figures(worker, runner: str, mark: dict, seconds: float) -> dict:
    stats = worker.stats()
    child_cpu = mark.get("child_cpu_end")
    return {
        "runner": runner,
        "fps": round((mark.get("analysed_end", worker.analysed) - mark.get("analysed", 0)) / seconds, 1),
        "target_fps_at_end": stats.target_fps,
        "model_ms": stats.model_ms,
        "model_cpu_ms": stats.model_cpu_ms,
        "latency_ms": stats.latency_ms,
        "skipped": stats.skipped,
        "restarts": stats.restarts,
        "state": stats.state,
        "child_cpu_percent": round((child_cpu - mark["child_cpu"]) / seconds * 100, 1)
        if child_cpu is not None and mark.get("child_cpu") is not None else None,
    }


class _WakeupProbe:
    """A Python thread of the kiosk that sleeps 5 ms at a time and notes how late it wakes.

    Lateness is waiting for a core and for the GIL: what the mirror's own Python threads (the
    preview pump, the paint probe's slots, the UI bridges) wait before they can run. A thread
    runner whose low-priority thread holds the GIL while the kernel has preempted it shows here
    as tens of milliseconds.
    """

    def __init__(self) -> None:
        import threading

        self.late: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-wakeup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        ms = np.asarray(self.late or [0.0]) * 1000
        return {"p50": round(float(np.percentile(ms, 50)), 2), "p99": round(float(np.percentile(ms, 99)), 1),
                "max": round(float(ms.max()), 1), "over_20ms_per_s": None}

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.perf_counter()
            time.sleep(0.005)
            self.late.append(time.perf_counter() - began - 0.005)


def _build_core(config, args, library: str, analysis: bool):
    """The kiosk for one phase. With analysis, but without the self-recording turn: a turn in
    the clip must not start a look whose replay then covers the live picture being measured."""
    from kiosk.core import KioskCore
    from kiosk.wiring import Switches, build_analysis, build_parts

    switches = Switches(source=args.source, library_dir=library, record=not args.no_record, analysis=False, window=True)
    parts = build_parts(config, switches)
    if analysis:
        no_studio = SimpleNamespace(available=False)  # build_analysis then adds no auto-recorder
        worker = build_analysis(config, parts.hub, parts.bus, no_studio, parts.painted.rate)
        parts = dataclasses.replace(parts, analysis=worker)
    return KioskCore(parts)


def _worker(core):
    return getattr(core.parts.analysis, "worker", None)


def _analysing(core):
    """Measure only once the analysis has analysed frames (a busy machine loads the model slowly)."""
    started: dict = {}

    def ready() -> bool:
        worker = _worker(core)
        if worker is None:
            return True
        if worker.state != "running":
            return False
        started.setdefault("analysed", worker.analysed)
        return worker.analysed >= started["analysed"] + 3

    return ready


def _start_take(core, no_record: bool, mark: dict):
    """Called when measuring starts: note the analysis count and the child's CPU, start the recording."""

    def start() -> None:
        worker = _worker(core)
        if worker is not None:
            mark["analysed"] = worker.analysed
            mark["child_cpu"] = _child_cpu(worker)
        mark["wakeup"] = _WakeupProbe()
        mark["wakeup"].start()
        mark["t0"] = time.monotonic()
        if not no_record:
            core.start_recording("bench")

    return start


def _end_take(core, mark: dict):
    """Called when measuring ends, before the window closes."""

    def end() -> None:
        worker = _worker(core)
        if worker is not None:
            mark["analysed_end"] = worker.analysed
            mark["child_cpu_end"] = _child_cpu(worker)
        probe = mark.pop("wakeup")
        wall = time.monotonic() - mark["t0"]
        mark["python_wakeup_late_ms"] = figures = probe.stop()
        figures["over_20ms_per_s"] = round(sum(late > 0.020 for late in probe.late) / wall, 2)

    return end


def _child_cpu(worker) -> float | None:
    """CPU seconds used so far by the analysis process (None with the thread runner)."""
    pid = getattr(worker._estimator, "pid", None)
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _print(result: dict) -> None:
    print(f"pose model (complexity {result['model_complexity']}) on {result['frames']['source']} "
          f"{result['frames']['width']}×{result['frames']['height']}, load {result['machine']['load_avg_1m']}:")
    for m in result["model"]:
        lat = m["latency_ms"]
        print(f"  input {m['input_size']} px: {lat['mean']} ms mean ({m['cpu_ms']} ms CPU), p95 {lat['p95']} ms "
              f"→ up to {m['fps_possible']} fps; person found in {m['person_found']:.0%} of frames; "
              f"torso flow {m['flow_ms']} ms")
    mirror = result["mirror"]
    if mirror is None:
        print(f"mirror: {result['mirror_note']}")
        return
    for key, r in mirror.items():
        if not key.startswith("analysis_"):
            continue
        a = r["analysis"]
        extra = f", analysed {a['fps']} fps ({a['model_ms']} ms a frame)" if a else ""
        load = "–".join(str(x) for x in r["load_avg_1m"])
        late = r["python_wakeup_late_ms"] or {}
        print(f"  mirror {key}: painted {r['fps_painted']} of {r['fps_captured']} fps (×{r['ratio_to_off']} of off), "
              f"CPU {r['cpu_percent']}%{extra}, Python wake-up late p99 {late.get('p99')} ms, load {load}")
    print(f"load average at the end: {result['machine']['load_avg_1m_end']}")
