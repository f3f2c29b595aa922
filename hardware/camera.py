"""Build a camera source from a parsed spec."""

from __future__ import annotations

from hardware.camera_base import CameraSource, WatchdogPolicy
from hardware.camera_replay import FileSource
from hardware.camera_synthetic import SyntheticSource
from hardware.camera_v4l2 import V4L2Source


def create_source(spec, watchdog: WatchdogPolicy | None = None) -> CameraSource:
    """Return an unstarted source for ``spec`` (``kind``, ``target``, ``options``); opening happens on ``start()``."""
    o = spec.options
    if spec.kind == "synthetic":
        return SyntheticSource(
            width=o.get("width", 1280),
            height=o.get("height", 720),
            fps=o.get("fps", 30.0),
            stall_at=o.get("stall_at", 0.0),
            stall_for=o.get("stall_for", 0.0),
            watchdog=watchdog,
        )
    if spec.kind == "file":
        return FileSource(spec.target, loop=o.get("loop", True), realtime=o.get("realtime", True), watchdog=watchdog)
    if spec.kind == "v4l2":
        return V4L2Source(
            spec.target, o.get("width"), o.get("height"), o.get("fps"), o.get("fourcc"), watchdog=watchdog
        )
    raise ValueError(f"no camera for source kind {spec.kind!r}")
