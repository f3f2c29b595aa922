"""``kiosk bench record``: the recorder's CPU cost and drops, against the ffmpeg command line.

The same frames are encoded twice in one run, both paced at the camera's rate as a real
camera delivers them: first by the kiosk's own pipeline (a paced publisher on a frames hub,
the recorder's encoder thread, a take written to disk), then by ``ffmpeg`` encoding raw BGR
frames from a pipe with libx264 ultrafast and the same settings. Frames come from the chosen
source (default: the synthetic camera at 1080p30), captured once and then cycled, so neither
side pays for drawing them. Our CPU is the process's CPU during the take minus the publisher
thread's own; ffmpeg's is its child-process rusage. ``preview_fps`` is the painted rate of
the mirror during recording, measured by ``kiosk bench preview``'s window when ``--preview``
is given (it needs a display or Xvfb); headless it is null.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from kiosk.config import load_config
from kiosk.errors import UsageError

DEFAULT_SOURCE = "synthetic:?width=1920&height=1080&fps=30"
PREVIEW_SOURCE = "synthetic:?width=1280&height=720&fps=30"
CYCLE_FRAMES = 30


def register(subparsers) -> None:
    p = subparsers.add_parser("record", help="encoder fps, CPU per second of video and drops, against ffmpeg")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds of video per side (default 10)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help=f"where the frames come from (default {DEFAULT_SOURCE})")
    p.add_argument("--config", help="configuration file ([recording] settings apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--preview", action="store_true",
        help="also measure the mirror's painted fps while it records (needs DISPLAY or Xvfb)",
    )
    p.add_argument("--preview-source", default=PREVIEW_SOURCE, help=f"camera for --preview (default {PREVIEW_SOURCE})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.seconds <= 600:
        raise UsageError("--seconds must be 1–600")
    if not shutil.which("ffmpeg"):
        raise UsageError("the ffmpeg command is needed for the comparison; install ffmpeg")
    config = load_config(args.config)
    load = os.getloadavg()[0]
    frames, fps = _capture_frames(config, args.source)
    ours = _measure_ours(config, frames, fps, args.seconds)
    theirs = _measure_ffmpeg(config, frames, fps, args.seconds)
    preview = _measure_preview(config, args.preview_source, args.seconds) if args.preview else None
    result = {
        "source": args.source,
        "width": frames[0].width,
        "height": frames[0].height,
        "camera_fps": fps,
        "seconds": args.seconds,
        **ours,
        "preview_fps": preview["fps_painted"] if preview else None,
        "preview": preview,
        "ffmpeg": theirs,
        "cpu_ratio": round(ours["cpu_s_per_video_s"] / theirs["cpu_s_per_video_s"], 3),
        "cores": os.cpu_count(),
        "load_avg_1m": round(load, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['width']}x{result['height']}@{fps:g} with {ours['codec']}: {ours['fps']:.1f} fps, "
            f"{ours['cpu_s_per_video_s']:.3f} CPU s per video s, {ours['dropped']} dropped; ffmpeg "
            f"{theirs['fps']:.1f} fps, {theirs['cpu_s_per_video_s']:.3f} CPU s per video s; "
            f"ratio {result['cpu_ratio']:.2f} (load {load:.2f} on {os.cpu_count()} cores)"
        )
    return 0


def _capture_frames(config, spec: str):
    """CYCLE_FRAMES consecutive frames from the source, and its frame rate."""
    from kiosk.events import EventBus
    from kiosk.hub import FrameHub
    from kiosk.wiring import build_capture

    hub = FrameHub()
    capture = build_capture(config, hub, EventBus(), spec)
    sub = hub.subscribe("bench")
    frames = []
    capture.start()
    try:
        deadline = time.monotonic() + 30
        while len(frames) < CYCLE_FRAMES:
            frame = sub.next(timeout=1.0)
            if frame is not None:
                frames.append(frame)
            if time.monotonic() > deadline:
                raise UsageError(f"the source {spec} gave {len(frames)} frames in 30 s")
    finally:
        capture.stop()
    return frames, float(capture.fps or 30.0)


class _Publisher:
    """A paced 'camera' thread: publishes the cycled frames at ``fps`` with fresh times."""

    def __init__(self, frames, fps: float, count: int, emit) -> None:
        self.frames, self.fps, self.count, self.emit = frames, fps, count, emit
        self.cpu_s = 0.0
        self.late = 0
        self.thread = threading.Thread(target=self._run, name="capture:bench", daemon=True)

    def _run(self) -> None:
        cpu0 = time.thread_time()
        start = time.monotonic()
        for i in range(self.count):
            due = start + i / self.fps
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif -wait > 1 / self.fps:
                self.late += 1
            frame = self.frames[i % len(self.frames)]
            self.emit(dataclasses.replace(frame, ts=time.monotonic(), seq=i + 1), i)
        self.cpu_s = time.thread_time() - cpu0


def _measure_ours(config, frames, fps: float, seconds: float) -> dict:
    from kiosk.events import EventBus
    from kiosk.hub import FrameHub
    from kiosk.recording.recorder import Recorder
    from kiosk.recording.settings import recorder_settings
    from kiosk.recording.sinks import FileSink

    count = round(seconds * fps)
    warmup = round(fps)  # one second to open the encoder and fill the ring
    hub, bus = FrameHub(), EventBus()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        settings = recorder_settings(config, preroll_s=0.0, max_s=seconds + 60, min_s=0.0, min_free_bytes=0)
        recorder = Recorder(hub, FileSink(Path(tmp) / "bench.mp4"), bus, settings, fps=fps)
        recorder.start()
        mark: dict = {}

        def emit(frame, index: int) -> None:
            if index == warmup:
                recorder.begin("benchmark", preroll_s=0.0)
                mark.update(t=time.monotonic(), cpu=_process_cpu(), encoded=recorder.stats.encoded,
                            skipped=recorder.dropped)
            hub.publish(frame)

        publisher = _Publisher(frames, fps, warmup + count, emit)
        try:
            publisher.thread.start()
            publisher.thread.join()
            # The last frame may still be in the encoder; a skipped one never will be.
            _wait_for(lambda: recorder.stats.encoded - mark["encoded"] + recorder.dropped - mark["skipped"] >= count, 5.0)
            wall = time.monotonic() - mark["t"]
            cpu = _process_cpu() - mark["cpu"] - publisher.cpu_s * count / (warmup + count)
            encoded = recorder.stats.encoded - mark["encoded"]
            recorder.end("benchmark done")
        finally:
            recorder.stop()
        dropped = max(0, count - encoded)
    return {
        "codec": recorder.codec,
        "frames": count,
        "fps": round(encoded / wall, 2),
        "cpu_s_per_video_s": round(cpu / seconds, 4),
        "dropped": dropped,
        "camera_late": publisher.late,
    }


def _measure_ffmpeg(config, frames, fps: float, seconds: float) -> dict:
    rec = config.recording
    width, height = frames[0].width & ~1, frames[0].height & ~1
    count = round(seconds * fps)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        command = [
            "ffmpeg", "-v", "error", "-nostdin", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}", "-r", f"{fps:g}", "-i", "pipe:0",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-crf", str(rec.crf),
            "-maxrate", f"{rec.max_bitrate_kbps}k", "-bufsize", f"{2 * rec.max_bitrate_kbps}k",
            "-g", str(max(1, round(fps * rec.keyframe_interval_s))), "-bf", "0",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(Path(tmp) / "ffmpeg.mp4"),
        ]
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        pictures = [f.pixels[:height, :width].tobytes() for f in frames]
        start = time.monotonic()
        late = 0
        try:
            for i in range(count):
                wait = start + i / fps - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                elif -wait > 1 / fps:
                    late += 1  # ffmpeg did not take the previous frame in time
                proc.stdin.write(pictures[i % len(pictures)])
            proc.stdin.close()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        except BrokenPipeError:
            proc.wait()
        wall = time.monotonic() - start
        if proc.returncode != 0:
            raise UsageError(f"ffmpeg failed: {proc.stderr.read().decode(errors='replace').strip()[:200]}")
        proc.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    return {"fps": round(count / wall, 2), "cpu_s_per_video_s": round(cpu / seconds, 4), "late": late}


def _measure_preview(config, spec: str, seconds: float) -> dict:
    """The real mirror window's figures while a take is recorded (``kiosk bench preview``'s probe)."""
    from bench._xserver import display
    from kiosk.wiring import build_core

    config.recording.max_s = max(config.recording.max_s, seconds + 10)
    config.display.fullscreen = True
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp, display():
        from bench._window import measure_preview

        core = build_core(config, spec, library_dir=tmp, record=True, analysis=False, window=True)
        figures = measure_preview(core, seconds, 2.0, during=lambda: core.start_recording("benchmark"))
        recorder_dropped = core.parts.studio.dropped
    return {"source": spec, "fps_painted": figures["fps_painted"], "fps_captured": figures["fps_captured"],
            "dropped": figures["dropped"], "recorder_dropped": recorder_dropped, "cpu_percent": figures["cpu_percent"]}


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
