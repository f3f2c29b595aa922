"""How late a Python thread wakes while the pose model runs beside it, in a thread or a process.

``python -m bench._gil_probe {none,thread,process} --video CLIP [--nice 10] [--seconds 8]``
prints one JSON object. A probe thread at normal priority sleeps 2 ms in a loop and records
how late it wakes: waiting for a core and for the GIL. That is what the mirror's own Python
threads (the preview pump, the paint probe's slots on Qt's render thread) go through while the
analysis runs. Run the modes one after the other, twice, and compare them within the same
minutes: the figures move with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

import numpy as np

from kiosk.analysis.pose import PoseSettings
from kiosk.analysis.scheduling import lower_priority


def _analyse(mode: str, nice: int, frames: list[np.ndarray], stop: threading.Event, count: list[int]) -> None:
    if mode == "thread":
        from kiosk.analysis.pose import PoseEstimator

        lower_priority(nice)  # as the thread runner does
        estimator = PoseEstimator(PoseSettings())
    else:
        from kiosk.analysis.pose_process import ProcessPoseEstimator

        estimator = ProcessPoseEstimator(PoseSettings(), nice=nice)
    estimator.start()
    try:
        i = 0
        while not stop.is_set():
            estimator.estimate(frames[i % len(frames)], i / 30)
            i += 1
            count[0] += 1
    finally:
        estimator.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["none", "thread", "process"])
    p.add_argument("--video", required=True, help="a clip with a person (the model's input)")
    p.add_argument("--nice", type=int, default=10, help="the analysis' niceness, as [analysis] nice (default 10)")
    p.add_argument("--seconds", type=float, default=8.0)
    args = p.parse_args()
    from kiosk.analysis.video import read_frames

    stream, _ = read_frames(args.video)
    frames = [pixels for _, pixels in stream][:90]
    stop, count = threading.Event(), [0]
    worker = None
    if args.mode != "none":
        worker = threading.Thread(target=_analyse, args=(args.mode, args.nice, frames, stop, count), name="analysis")
        worker.start()
        deadline = time.monotonic() + 120
        while count[0] < 3 and time.monotonic() < deadline:  # the model has loaded and runs
            time.sleep(0.05)
    first = count[0]
    late: list[float] = []
    began = time.perf_counter()
    while time.perf_counter() - began < args.seconds:
        t = time.perf_counter()
        time.sleep(0.002)
        late.append(time.perf_counter() - t - 0.002)
    analysed = (count[0] - first) / args.seconds
    stop.set()
    if worker is not None:
        worker.join()
    ms = np.asarray(late) * 1000
    print(json.dumps({
        "mode": args.mode, "nice": args.nice, "seconds": args.seconds, "load_avg_1m": round(os.getloadavg()[0], 2),
        "analysed_fps": round(analysed, 1), "wakeups": len(late),
        "late_ms": {"p50": round(float(np.percentile(ms, 50)), 2), "p99": round(float(np.percentile(ms, 99)), 1),
                    "max": round(float(ms.max()), 1), "over_10ms": int((ms > 10).sum())},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
