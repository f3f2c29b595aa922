"""Measure the live mirror as the shopper sees it, in the real window (used by ``kiosk bench preview``)."""

from __future__ import annotations

import os
import time


from bench._figures import summary
from kiosk.core import KioskCore
from ui.app import request_quit, run_mirror


def _percentiles(values: list[float]) -> dict:
    return summary(values, 1000.0)


def measure_preview(core: KioskCore, seconds: float, warmup: float, during=None, after=None, ready=None) -> dict:
    """Run the mirror for ``warmup + seconds`` and return the figures of the measured part.

    ``during`` (optional) is called once when measuring starts, on the UI thread, so a caller
    can add a load (a recording, analysis, downloads) and compare in the same run; ``after``
    (optional) when it ends, before the window closes, to read the load's own counters;
    ``ready`` (optional): measuring starts only once it returns true after the warm-up (the
    load has started), checked every 0.25 s for up to two minutes.
    """
    from PySide6.QtCore import QTimer

    result: dict = {}
    mark: dict = {}

    def begin(pump, probe) -> None:
        probe.reset()
        probe.keep_latencies = True
        pump.handovers = []
        stats = core.camera_status()
        mark.update(
            t=time.monotonic(), cpu=_cpu(), captured=stats.captured, dropped=stats.dropped,
            skipped=pump.subscription.stats.skipped,
        )
        if during is not None:
            during()

    def finish(pump, probe, window) -> None:
        wall = time.monotonic() - mark["t"]
        if after is not None:
            after()
        stats = core.camera_status()
        captured = stats.captured - mark["captured"]
        painted = probe.painted
        result.update(
            fps_painted=round(painted / wall, 2),
            fps_captured=round(captured / wall, 2),
            latency_ms=_percentiles(list(probe.latencies)),
            # The part of that latency spent in our code (capture to the video sink); the rest
            # is Qt's scene graph rendering and presenting the frame.
            handover_ms=_percentiles(list(pump.handovers)),
            dropped={
                "capture": stats.dropped - mark["dropped"],
                "preview": max(0, captured - painted),
                "preview_skipped_by_pump": pump.subscription.stats.skipped - mark["skipped"],
            },
            cpu_percent=round((_cpu() - mark["cpu"]) / wall * 100.0, 1),
            cpu_cores=os.cpu_count(),
            window={"width": window.width(), "height": window.height()},
            frame={"width": core.hub.latest().width if core.hub.latest() else None,
                   "height": core.hub.latest().height if core.hub.latest() else None},
        )
        request_quit()

    def when_ready(pump, probe, window, deadline: float) -> None:
        if ready is not None and not ready() and time.monotonic() < deadline:
            QTimer.singleShot(250, lambda: when_ready(pump, probe, window, deadline))
            return
        begin(pump, probe)
        QTimer.singleShot(int(seconds * 1000), lambda: finish(pump, probe, window))

    def hook(window, pump, probe, *_) -> None:
        core.touch()  # wake the mirror: the benchmark measures the live picture
        QTimer.singleShot(int(warmup * 1000), lambda: when_ready(pump, probe, window, time.monotonic() + warmup + 120))

    run_mirror(core, on_window=hook)
    if not result:
        raise RuntimeError("the benchmark window closed before the measurement finished")
    return result


def _cpu() -> float:
    t = os.times()
    return t.user + t.system
