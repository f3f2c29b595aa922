"""``kiosk bench wake``: how long from a person stepping into view until the dark screen lights up.

The clip: ``--empty`` seconds of the room without anyone, then ``--person`` seconds of a clip
with a person in view (``--clip``), played as a looping ``file:`` camera in real time. The
empty room is made from the clip itself: each row of its first frame is filled in from the
colours at its left and right edges, which a studio or fitting-room background shows and a
person standing in the middle does not (the bench checks that the analysis finds nobody in it:
every screen-on during the empty part is counted as a false wake).

The kiosk is the product's own wiring (camera, analysis, core, screen part) with a simulated
panel that notes when it was told to light up; ``display.sleep_after_s`` and
``session.end_after_s`` are shortened so the screen is dark again before each new arrival.
For every cycle: person-in-view is the capture time of the first frame of the person part
(told from the empty room by its pixels), screen-on is when the screen part switched the
panel on. The figures are those of the wake path (dark-rate analysis, presence, the core's
decision, the screen thread); a real panel adds its own power-up time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench._figures import summary
from kiosk import native
from kiosk.config import load_config
from kiosk.errors import UsageError

MAX_SIDE = 960  # the composite clip's longest side: a camera-sized picture, cheap to decode


def register(subparsers) -> None:
    p = subparsers.add_parser("wake", help="person-in-view → screen-on latency of the dark mirror (file clip)")
    p.add_argument("--clip", required=True, help="a clip with a person in view whose edges show the empty room")
    p.add_argument("--cycles", type=int, default=10, help="arrivals measured (default 10)")
    p.add_argument("--empty", type=float, default=5.0, help="seconds of empty room before each arrival (default 5)")
    p.add_argument("--person", type=float, default=4.0, help="seconds the person stays in view (default 4)")
    p.add_argument("--sleep-after", type=float, default=1.0, help="display.sleep_after_s for the run (default 1)")
    p.add_argument("--dark-fps", help="comma-separated dark analysis rates to measure in turn, in one run "
                   "(default: display.dark_analysis_fps)")
    p.add_argument("--config", help="configuration file ([analysis] and display.dark_analysis_fps apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.cycles <= 200 or not 3 <= args.empty <= 60 or not 1 <= args.person <= 60:
        raise UsageError("--cycles must be 1–200, --empty 3–60 s and --person 1–60 s")
    if not 0.5 <= args.sleep_after <= args.empty - 1:
        raise UsageError("--sleep-after must be at least 0.5 s and 1 s shorter than --empty")
    if not os.path.isfile(args.clip):
        raise UsageError(f"--clip {args.clip}: no such file")
    config = load_config(args.config)
    try:
        rates = [float(v) for v in args.dark_fps.split(",")] if args.dark_fps else [config.display.dark_analysis_fps]
    except ValueError:
        raise UsageError(f"--dark-fps {args.dark_fps!r} must be numbers like 2,4,8") from None
    if not all(1 <= r <= 30 for r in rates):
        raise UsageError("--dark-fps must be 1 – 30 frames a second")
    config.display.sleep_after_s = args.sleep_after
    config.display.opening_hours = ""
    config.session.end_after_s = 1.0
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-wake-") as folder:
        clip = Path(folder) / "wake.mp4"
        background, fps = build_wake_clip(Path(args.clip), clip, args.empty, args.person)
        result = _measure(config, clip, background, args, rates)
    result["clip"] = {"source": args.clip, "empty_s": args.empty, "person_s": args.person, "fps": round(fps, 2)}
    if args.json:
        print(json.dumps(result))
    else:
        for run in result["runs"]:
            w = run["wake_ms"]
            print(f"dark analysis at {run['dark_analysis_fps']:g} fps: person in view → screen on p50 {w['p50']} ms, "
                  f"p95 {w['p95']} ms, max {w['max']} ms over {run['arrivals']} arrivals "
                  f"({run['not_dark']} found it lit, {run['false_wakes']} false wakes)")
        print(f"pose model {result['model_ms']} ms a frame; load average {result['machine']['load_avg_1m']}")
    return 0


def empty_room(frame: np.ndarray) -> np.ndarray:
    """The room without the person: each row blended from the median colours at its two edges."""
    width = frame.shape[1]
    band = max(8, width // 12)
    left = np.median(frame[:, :band], axis=1)
    right = np.median(frame[:, -band:], axis=1)
    blend = np.linspace(0.0, 1.0, width)[None, :, None]
    return (left[:, None, :] * (1 - blend) + right[:, None, :] * blend).astype(np.uint8)


def build_wake_clip(source: Path, out: Path, empty_s: float, person_s: float) -> tuple[np.ndarray, float]:
    """Write ``empty_s`` of empty room then ``person_s`` of ``source`` (H.264); returns the room and the fps."""
    from kiosk.analysis.video import read_frames

    av, cv2 = native.av(), native.cv2()
    stream, _ = read_frames(str(source))
    frames, times = [], []
    for t, pixels in stream:
        frames.append(_fit(pixels, cv2))
        times.append(t)
        fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 30.0
        if len(frames) >= person_s * fps:
            break
    if not frames:
        raise UsageError(f"{source} has no frames")
    while len(frames) < person_s * fps:  # a short clip plays again, back and forth
        frames += frames[::-1][: int(person_s * fps) - len(frames)]
    room = empty_room(frames[0])
    height, width = room.shape[:2]
    with av.open(str(out), "w") as container:
        video = container.add_stream("libx264", rate=round(fps))
        video.width, video.height, video.pix_fmt = width - width % 2, height - height % 2, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "20"}
        for pixels in [room] * int(empty_s * fps) + frames:
            image = np.ascontiguousarray(pixels[: video.height, : video.width])
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(video.encode(None))
    return room[: height - height % 2, : width - width % 2], float(round(fps))


def _fit(pixels: np.ndarray, cv2) -> np.ndarray:
    height, width = pixels.shape[:2]
    scale = MAX_SIDE / max(height, width)
    if scale >= 1:
        return pixels
    return cv2.resize(pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


class _Arrivals:
    """Tells person frames from empty-room frames as they reach the hub; notes when each person part begins and ends."""

    def __init__(self, room: np.ndarray, cv2) -> None:
        self._room = cv2.resize(room, (32, 32), interpolation=cv2.INTER_AREA).astype(np.int16)
        self._cv2 = cv2
        self.times: list[float] = []  # capture time of each arrival's first frame
        self.left: list[float] = []  # capture time of the first empty frame after each arrival
        self.person = False
        self._skip_leave = False

    def see(self, frame) -> None:
        small = self._cv2.resize(frame.pixels, (32, 32), interpolation=self._cv2.INTER_AREA).astype(np.int16)
        person = float(np.abs(small - self._room).mean()) > 6.0
        if person and not self.person:
            self.times.append(frame.ts)
        elif self.person and not person:
            if self._skip_leave:  # the part began before the reset: it has no start here
                self._skip_leave = False
            else:
                self.left.append(frame.ts)
        self.person = person

    def reset(self) -> None:
        self.times.clear()
        self.left.clear()
        self._skip_leave = self.person


def _measure(config, clip: Path, room: np.ndarray, args, rates: list[float]) -> dict:
    """One kiosk; ``args.cycles`` arrivals at each dark analysis rate of ``rates``, in turn."""
    from kiosk.analysis.events import PresenceSample
    from kiosk.core import KioskCore
    from kiosk.wiring import Switches, build_parts, build_screen, simulated_display

    spec = f"file:{clip}?loop=1&realtime=1"
    parts = build_parts(config, Switches(source=spec, record=False, analysis=True))
    panel = simulated_display()
    parts = dataclasses.replace(parts, screen=build_screen(config, parts.bus, backend=panel))
    core = KioskCore(parts)
    arrivals = _Arrivals(room, native.cv2())
    analysing = threading.Event()  # the model has loaded: arrivals from now on count
    core.bus.subscribe(lambda e: analysing.set() if isinstance(e, PresenceSample) else None)
    sub = core.hub.subscribe("bench-wake")
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            frame = sub.next(timeout=0.5)
            if frame is not None:
                arrivals.see(frame)

    watcher = threading.Thread(target=watch, name="bench-wake", daemon=True)
    started = time.monotonic()
    core.start()
    watcher.start()
    cycle_s = args.empty + args.person
    runs = []
    try:
        deadline = time.monotonic() + 120
        while not analysing.wait(0.5) and time.monotonic() < deadline:
            arrivals.reset()
        for rate in rates:
            # The screen is lit (a person) or dark with the old rate: the new one applies from the next dark.
            config.display.dark_analysis_fps = rate
            arrivals.reset()  # a person already in view counts as no arrival
            calls_from = max(0, len(panel.calls) - 1)  # the last switch before: was the screen dark?
            deadline = time.monotonic() + cycle_s * (args.cycles + 3)
            while time.monotonic() < deadline and len(_wakes(arrivals, panel.calls[calls_from:])[0]) < args.cycles + 1:
                time.sleep(0.5)
            wakes, not_dark, false_wakes = _wakes(arrivals, panel.calls[calls_from:])
            # The first arrival may have found the screen dark at the previous rate: not counted.
            runs.append({"dark_analysis_fps": rate, "arrivals": len(wakes[1:]), "not_dark": not_dark,
                         "false_wakes": false_wakes, "wake_ms": summary(wakes[1:args.cycles + 1], 1000.0)})
        stats = parts.analysis.worker.stats()
    finally:
        stop.set()
        watcher.join(2)
        sub.close()
        core.stop()
    if not any(run["arrivals"] for run in runs):
        raise UsageError("no arrival woke the screen: is there a person in --clip, and does the analysis run?")
    return {
        "machine": {"cpu_cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "sleep_after_s": config.display.sleep_after_s,
        "model_ms": stats.model_ms,
        "runs": runs,
        "seconds": round(time.monotonic() - started, 1),
    }


def _wakes(arrivals: _Arrivals, calls: list[tuple[float, bool]]) -> tuple[list[float], int, int]:
    """Latency of each arrival that found the screen dark; arrivals it was not dark for; lit with nobody there."""
    calls, starts, ends = list(calls), list(arrivals.times), list(arrivals.left)
    wakes, not_dark = [], 0
    for t_in in starts:
        before = [on for t, on in calls if t <= t_in]
        if not before or before[-1]:
            not_dark += 1
            continue
        after = [t for t, on in calls if t > t_in and on]
        if after:
            wakes.append(after[0] - t_in)
    # A person part lasts from its first frame to the first empty one (plus a second for the
    # analysis to catch up); a screen lit outside every such span was lit for nobody.
    spans = [(start, (ends[i] if i < len(ends) else float("inf")) + 1.0) for i, start in enumerate(starts)]
    first_off = next((t for t, on in calls if not on), None)
    false_wakes = sum(1 for t, on in calls if on and first_off is not None and t > first_off
                      and not any(a < t <= b for a, b in spans))
    return wakes, not_dark, false_wakes
