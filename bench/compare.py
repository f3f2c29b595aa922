"""``kiosk bench compare``: looks side by side in the real mirror window — painted fps, drag latency, memory.

Two (``--looks`` up to four) 720p looks made for the benchmark (``bench._turning``: a figure
turning once, with the yaw track the mirror would have stored) land in a session of the real
kiosk, which runs with its camera and recorder as on a fitting-room mirror (``--analysis``:
and its body analysis); the shopper's intents then go through the core exactly as the screen sends them: pick the looks, open them
side by side. Measured, in the real window under Xvfb (or ``$DISPLAY``):

- the live mirror's painted fps in the same run, before the looks land (``fps_live_painted``):
  what the comparison's painting compares with;
- memory: the process's resident size before opening and once every pane's frames are
  decoded, and its peak while the comparison plays;
- the slow turn: frames painted per second that show new pane content (``fps_painted``), beside
  how many new frames the pump handed over (``fps_handed``) and how many the angle's pace calls
  for (``fps_content``: slots per second of the turn);
- dragging: mouse drags injected into the window one move at a time (the real QML handler
  takes them); for each move, the time until every pane's sink held its frame for the new
  angle (``drag_ms``) and until the next frame was swapped onto the screen
  (``drag_painted_ms``), p50/p95.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

from bench._figures import summary
from bench._xserver import check_screen, display
from kiosk.config import load_config
from kiosk.errors import UsageError
from kiosk.wiring import build_core

DEFAULT_SOURCE = "synthetic:?width=1280&height=720&fps=30"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "smartmirror" / "bench-compare"
DRAG_STEP = 0.03  # of the window's width per move: about 11° of body angle
DRAG_GAP_S = 0.12  # between moves: each is measured on its own


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="looks side by side in the real window: painted fps, drag latency, memory")
    p.add_argument("--looks", type=int, default=2, help="how many looks side by side, 2–4 (default 2)")
    p.add_argument("--size", default="720x1280", metavar="WxH", help="the looks' size (default 720x1280: 720p, portrait)")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds of the slow turn (default 10)")
    p.add_argument("--drags", type=int, default=40, help="drag moves to time (default 40)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help=f"camera source spec (default {DEFAULT_SOURCE})")
    p.add_argument("--screen", default="1080x1920", metavar="WxH", help="the window (Xvfb screen) size, default 1080x1920")
    p.add_argument("--config", help="configuration file (display settings apply)")
    p.add_argument("--analysis", action="store_true",
                   help="run the body analysis too, as a mirror does; needs a --source showing a person, "
                        "or the visit ends (default off)")
    p.add_argument("--screenshot", metavar="PNG", help="save the window while the looks turn")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 2 <= args.looks <= 4:
        raise UsageError("--looks must be 2, 3 or 4")
    if not 1 <= args.seconds <= 600 or not 1 <= args.drags <= 1000:
        raise UsageError("--seconds must be 1–600 and --drags 1–1000")
    width, height = (int(v) for v in check_screen(args.size).split("x"))
    config = load_config(args.config)
    config.display.fullscreen = True
    config.analysis.enabled = args.analysis
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-compare-") as tmp:
        config.library.data_dir = tmp
        made = _made_looks(args.looks, width, height)
        core = build_core(config, args.source, analysis=args.analysis, window=True)
        with display(check_screen(args.screen)):
            result = _Measure(core, made, args).run()
    result = {"looks": args.looks, "look_size": args.size, "source": args.source, "analysis": args.analysis, **result}
    if args.json:
        print(json.dumps(result))
    else:
        drag = result["drag_ms"]
        print(f"{args.looks} looks of {args.size}: painted {result['fps_painted']} fps (content {result['fps_content']}), "
              f"drag → panes p50 {drag['p50']} / p95 {drag['p95']} ms, memory +{result['rss_delta_mb']} MB "
              f"(peak +{result['rss_peak_delta_mb']} MB)")
    return 0


def _made_looks(count: int, width: int, height: int):
    """The benchmark's looks: different speeds, directions and starts, as real shoppers turn."""
    from bench._turning import Turn, make_look

    turns = [Turn(start_s=1.0, turn_s=4.6), Turn(start_s=1.6, turn_s=4.0, direction=-1, start_yaw=20.0),
             Turn(start_s=0.8, turn_s=4.4, start_yaw=-15.0), Turn(start_s=1.2, turn_s=3.8, direction=-1)]
    CACHE.mkdir(parents=True, exist_ok=True)
    return [make_look(CACHE, f"look{i}", width, height, turn, seed=i + 1) for i, turn in enumerate(turns[:count])]


class _Measure:
    """Drives one run: the steps wait on a worker thread, anything touching Qt runs on the UI thread."""

    def __init__(self, core, made, args) -> None:
        self.core, self.made, self.args = core, made, args
        self.result: dict = {}
        self.error: BaseException | None = None

    def run(self) -> dict:
        from ui.app import run_mirror

        run_mirror(self.core, on_window=self._hook)
        if self.error is not None:
            raise self.error
        if not self.result:
            raise RuntimeError("the benchmark window closed before the measurement finished")
        return self.result

    def _hook(self, window, pump, probe, compare_pump) -> None:
        from PySide6.QtCore import QObject, Qt, Signal

        class Caller(QObject):
            call = Signal(object)

        self.window = window
        self.live_probe = probe
        self.compare_pump = compare_pump
        self.caller = Caller()
        self.caller.call.connect(lambda job: job(), Qt.ConnectionType.QueuedConnection)
        self.swaps: list[float] = []
        self._swap_lock = threading.Lock()
        window.frameSwapped.connect(self._swapped, Qt.ConnectionType.DirectConnection)
        threading.Thread(target=self._steps, name="bench-compare", daemon=True).start()

    def _swapped(self) -> None:  # render thread
        with self._swap_lock:
            self.swaps.append(time.monotonic())

    def on_ui(self, fn, timeout: float = 30.0):
        """Run ``fn`` on the UI thread and return its result."""
        done, box = threading.Event(), {}

        def job() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                box["error"] = exc
            done.set()

        self.caller.call.emit(job)
        if not done.wait(timeout):
            raise RuntimeError("the window stopped answering")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def _steps(self) -> None:
        from ui.app import request_quit

        try:
            self._measure()
        except BaseException as exc:  # noqa: BLE001 - reported by run()
            self.error = exc
        finally:
            self.on_ui(lambda: self.window.frameSwapped.disconnect(self._swapped), 10)
            request_quit()

    def _measure(self) -> None:  # noqa: C901 - one measurement, read top to bottom
        from bench._turning import store_look
        from kiosk.compare.events import ComparisonClosed, ComparisonOpened
        from kiosk.events import TrayChanged
        from kiosk.recording.events import LookRecorded
        from ui.paint_probe import PaintProbe

        core = self.core
        seen: list = []
        kinds = (TrayChanged, ComparisonOpened, ComparisonClosed)
        unsubscribe = core.bus.subscribe(lambda e: seen.append(e) if isinstance(e, kinds) else None)
        _wait(lambda: core.hub.latest() is not None, "the camera (the kiosk started)")  # the camera starts last
        core.touch()
        _wait(lambda: core.session.session_id is not None, "a session")
        sid = core.session.session_id
        # The live mirror first, in the same process and conditions: the ratio to compare with.
        time.sleep(2.0)
        self.on_ui(self.live_probe.reset)
        t0 = time.monotonic()
        time.sleep(self.args.seconds)
        live_fps = self.live_probe.painted / (time.monotonic() - t0)
        ids = []
        for made in self.made:
            look_id = store_look(core.parts.library, made, session_id=sid)
            core.bus.emit(LookRecorded(look_id=look_id, path="", duration_s=made.turn.seconds, session_id=sid))
            ids.append(look_id)
        _wait(lambda: any(isinstance(e, TrayChanged) and len(e.looks) == len(ids) for e in seen), "the looks in the tray")
        compare_pump = self.compare_pump
        core.start_picking()
        for look_id in ids:
            core.pick_look(look_id)
        core.flush()
        area = self.on_ui(lambda: _area(self.window))
        time.sleep(1.0)  # the replay of the last look opened; let it settle
        rss_before = _rss_mb()
        core.open_comparison(*area)
        _wait(lambda: any(isinstance(e, ComparisonOpened) for e in seen), "the comparison")
        opened = next(e for e in seen if isinstance(e, ComparisonOpened))
        started = time.monotonic()
        opened.session.wait(300)
        decode_s = time.monotonic() - started
        rss_ready = _rss_mb()
        time.sleep(1.5)  # the turn starts once every pane is ready

        probe = self.on_ui(lambda: PaintProbe(self.window, compare_pump))
        cpu0, handed0, t0 = _cpu(), compare_pump.handed_over, time.monotonic()
        peak = rss_ready
        while time.monotonic() - t0 < self.args.seconds:
            time.sleep(0.25)
            peak = max(peak, _rss_mb())
        wall = time.monotonic() - t0
        painted, handed = probe.painted, compare_pump.handed_over - handed0
        cpu = (_cpu() - cpu0) / wall * 100.0
        self.on_ui(probe.detach)
        if self.args.screenshot:
            _screenshot(self.args.screenshot)

        latencies, painted_latencies, changed = self._drags(compare_pump, area)
        peak = max(peak, _rss_mb())
        unsubscribe()
        if any(isinstance(e, ComparisonClosed) for e in seen):
            raise RuntimeError("the comparison closed while it was measured: the visit ended "
                               "(with --analysis, the camera must show a person: --source file:CLIP?loop=1&realtime=1)")
        session = opened.session
        proxy = session.proxies[0]
        fps_content = proxy.slots / session.seconds
        core.close_comparison()
        core.flush()
        self.result.update(
            window=self.on_ui(lambda: {"width": self.window.width(), "height": self.window.height()}),
            pane={"width": proxy.size[0], "height": proxy.size[1]},
            slots=proxy.slots,
            turn_s=round(session.seconds, 2),
            decode_s=round(decode_s, 2),
            fps_live_painted=round(live_fps, 2),
            fps_painted=round(painted / wall, 2),
            fps_handed=round(handed / wall, 2),
            fps_content=round(fps_content, 2),
            drag_ms=summary(latencies, 1000.0),
            drag_painted_ms=summary(painted_latencies, 1000.0),
            drags=len(latencies),
            drags_changing_every_pane=changed,
            rss_before_mb=round(rss_before, 1),
            rss_delta_mb=round(rss_ready - rss_before, 1),
            rss_peak_delta_mb=round(peak - rss_before, 1),
            proxy_mb=round(session.nbytes / 1e6, 1),
            cpu_percent=round(cpu, 1),
            cpu_cores=os.cpu_count(),
            load_average=[round(v, 2) for v in os.getloadavg()],
        )

    def _drags(self, compare_pump, area) -> tuple[list[float], list[float], int]:
        """Inject mouse drags one move at a time; per move, until every pane shows it and until it is on screen."""
        from PySide6.QtCore import QEvent, QPointF, Qt
        from PySide6.QtGui import QGuiApplication, QMouseEvent

        window = self.window
        x0, y0 = self.on_ui(lambda: _area_centre(window))
        width = self.on_ui(window.width)

        def send(kind, x) -> None:
            button = Qt.MouseButton.LeftButton
            buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
            point = QPointF(x, y0)
            event = QMouseEvent(kind, point, point, window.mapToGlobal(point), button, buttons,
                                Qt.KeyboardModifier.NoModifier)
            QGuiApplication.sendEvent(window, event)

        compare_pump.drag_done = []
        self.on_ui(lambda: send(QEvent.Type.MouseButtonPress, x0))
        time.sleep(0.3)
        moves: list[tuple[int, float]] = []
        changed = 0
        x = x0
        step = DRAG_STEP * width
        for k in range(self.args.drags):
            x += step if (k // 8) % 2 == 0 else -step  # back and forth, about 90° each way
            before = compare_pump.showing()

            def move(x=x) -> tuple[int, float]:
                t = time.monotonic()
                send(QEvent.Type.MouseMove, x)
                return compare_pump.drag_seq, t

            seq, t = self.on_ui(move)
            moves.append((seq, t))
            time.sleep(DRAG_GAP_S)
            after = compare_pump.showing()
            if all(a is not b for a, b in zip(before, after)):
                changed += 1
        self.on_ui(lambda: send(QEvent.Type.MouseButtonRelease, x))
        done = list(compare_pump.drag_done)
        compare_pump.drag_done = None
        with self._swap_lock:
            swaps = list(self.swaps)
        latencies, painted = [], []
        for seq, t in moves:
            finished = next((when for s, when in done if s >= seq and when >= t), None)
            if finished is None:
                continue
            latencies.append(finished - t)
            swap = next((when for when in swaps if when >= finished), None)
            if swap is not None:
                painted.append(swap - t)
        return latencies, painted, changed


def _area(window) -> tuple[int, int]:
    from PySide6.QtCore import QObject

    area = window.findChild(QObject, "compareArea")
    return int(area.width()), int(area.height())


def _area_centre(window) -> tuple[float, float]:
    from PySide6.QtCore import QObject, QPointF

    area = window.findChild(QObject, "compareArea")
    point = area.mapToScene(QPointF(area.width() / 2, area.height() / 2))
    return point.x(), point.y()


def _screenshot(path: str) -> None:
    """The screen as the X server shows it (``grabWindow`` would wait for the render thread holding the GIL)."""
    import subprocess

    subprocess.run(["import", "-window", "root", f"png:{path}"], check=True, capture_output=True, timeout=60)


def _wait(predicate, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def _cpu() -> float:
    t = os.times()
    return t.user + t.system
