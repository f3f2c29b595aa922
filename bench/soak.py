"""``kiosk bench soak``: the whole mirror for N minutes of visits, watched for growth.

The real window (Xvfb when no display is set) runs the kiosk in this process with a ``file:``
camera looping one visit (a person turning, then the empty room, ``bench._visit_clip``), body
analysis and the self-recording turn on, and the network services on loopback. Every visit wakes
the mirror, records its turn (the replay plays it until the visit ends) and ends; every
``--share-every`` seconds the bench, as the shopper, keeps and shares the newest look of the
visit (consent yes, then the QR code). ``--clients`` API clients in a process of their own poll
status, list looks and download kept videos with the token (``bench._soak_clients``).

Once a minute it samples the process (RSS, open files, threads), the frames painted per second
of live picture, and the recordings, sessions and shares so far. The result is one JSON object
with the samples and, for each measure, the least-squares slope per hour over the samples from
the second minute on (the first holds one-time start-up costs: models loading, the media
player's first use): growth beyond noise there is a leak.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kiosk.config import load_config
from kiosk.errors import KioskError, UsageError

TURNING = "ubc_91-3003CN5S_mint_dress_turn.mp4"
MEASURES = ("rss_mb", "open_files", "threads", "fps_painted_live", "recordings")


def register(subparsers) -> None:
    p = subparsers.add_parser("soak", help="the mirror for N minutes of visits, recordings, shares and API clients: growth per hour")
    p.add_argument("--minutes", type=float, default=60.0, help="minutes to run (default 60)")
    p.add_argument("--video", help=f"clip of a person turning (default: {TURNING} in $KIOSK_FOOTAGE or ../shared/footage)")
    p.add_argument("--clients", type=int, default=20, help="API clients polling the mirror (default 20, at most 100)")
    p.add_argument("--share-every", type=float, default=60.0, metavar="S", help="seconds between shares (default 60)")
    p.add_argument("--sample-s", type=float, default=60.0, help=argparse.SUPPRESS)
    p.add_argument("--no-analysis", action="store_true",
                   help="no body analysis: one touch wakes the mirror, nothing records or ends by itself")
    p.add_argument("--screen", default="720x960", metavar="WxH", help="Xvfb screen when no DISPLAY is set (default 720x960)")
    p.add_argument("--config", help="configuration file (display and analysis settings apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def slope_per_hour(minutes: list[float], values: list[float]) -> float | None:
    """Least-squares slope of ``values`` against time, per hour (None with fewer than two points)."""
    n = len(values)
    if n < 2:
        return None
    mx, my = sum(minutes) / n, sum(values) / n
    sxx = sum((x - mx) ** 2 for x in minutes)
    if sxx == 0:
        return None
    return round(sum((x - mx) * (y - my) for x, y in zip(minutes, values)) / sxx * 60.0, 3)


def _footage(path: str | None) -> Path:
    if path:
        found = Path(path)
    else:
        root = Path(os.environ.get("KIOSK_FOOTAGE", Path(__file__).resolve().parents[2] / "shared" / "footage"))
        found = root / TURNING
    if not found.is_file():
        raise UsageError(f"no clip of a person turning at {found}; give one with --video PATH")
    return found


def run(args: argparse.Namespace) -> int:
    if not 0.5 <= args.minutes <= 24 * 60 or not 1 <= args.clients <= 100 or not 10 <= args.share_every <= 3600:
        raise UsageError("--minutes must be 0.5–1440, --clients 1–100 and --share-every 10–3600")
    if not 5 <= args.sample_s <= 600:
        raise UsageError("--sample-s must be 5–600")
    footage = _footage(args.video)
    config = load_config(args.config)
    config.display.fullscreen = True
    config.display.show_status = False
    api = config.api
    api.bind, api.port, api.announce, api.interfaces = "127.0.0.1", 0, False, ["127.0.0.1"]
    api.token = secrets.token_urlsafe(32)
    config.webhook.url = ""
    config.session.end_after_s = 3.0  # the visit clip's empty room lasts longer: each loop is a new visit
    if args.no_analysis:
        config.analysis.enabled = False
    load_start = os.getloadavg()
    from bench._visit_clip import make_visit_clip
    from bench._xserver import check_screen, display
    from kiosk.wiring import build_core

    screen = check_screen(args.screen)
    width, height = (int(v) for v in screen.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        clip = make_visit_clip(footage, Path(tmp) / "visit.mp4", width & ~1, height & ~1, empty_s=6.0)
        core = build_core(config, f"file:{clip}?loop=1", library_dir=str(Path(tmp) / "library"), network=True)
        with display(screen):
            soak = _Soak(core, args)
            soak.run()
    result = {
        "minutes": args.minutes,
        "video": footage.name,
        "analysis": config.analysis.enabled,
        "clients": soak.clients_result,
        "samples": soak.samples,
        "slope_per_hour": soak.slopes(),
        "slope_from_minute": 2,
        "totals": soak.totals(),
        "cpu_cores": os.cpu_count(),
        "load_average": {"start": round(load_start[0], 2), "end": round(os.getloadavg()[0], 2)},
    }
    if args.json:
        print(json.dumps(result))
    else:
        s = result["slope_per_hour"]
        print(f"{len(soak.samples)} samples; per hour: RSS {s['rss_mb']} MB, open files {s['open_files']}, "
              f"threads {s['threads']}, painted fps {s['fps_painted_live']}; {result['totals']}")
    return 0


class _Soak:
    """Runs the mirror window, plays the shopper, starts the clients and samples once a minute."""

    def __init__(self, core, args: argparse.Namespace) -> None:
        self.core, self.args = core, args
        self.samples: list[dict] = []
        self.clients_result: dict | None = None
        self._lock = threading.Lock()
        self._counts = {"recordings": 0, "sessions": 0, "shares": 0, "failed": 0}
        self._newest: str | None = None  # the newest look of the current session
        self._share_due = False
        self._live_s = 0.0
        self._start = self._live_at = 0.0
        self._last: dict = {}
        self._clients: subprocess.Popen | None = None

    # -- the bus (any thread) -------------------------------------------------------------------

    def _on_event(self, event) -> None:
        from kiosk.events import SessionStateChanged, ShareShown
        from kiosk.recording.events import LookRecorded, RecordingFailed

        with self._lock:
            if isinstance(event, LookRecorded):
                self._counts["recordings"] += 1
                self._newest = event.look_id
            elif isinstance(event, SessionStateChanged):
                self._newest = None
                self._counts["sessions"] += event.state == "session"
            elif isinstance(event, ShareShown):
                self._counts["shares"] += 1
            elif isinstance(event, RecordingFailed):
                self._counts["failed"] += 1

    # -- the window (UI thread) -----------------------------------------------------------------

    def run(self) -> None:
        from ui.app import run_mirror

        unsubscribe = self.core.bus.subscribe(self._on_event)
        try:
            run_mirror(self.core, on_window=self._hook)
        finally:
            unsubscribe()
            self._stop_clients()
        if not self.samples:
            raise KioskError("the soak window closed before the first sample")

    def _hook(self, window, pump, probe, *_) -> None:
        from PySide6.QtCore import QTimer

        from ui.app import request_quit

        self._window, self._pump, self._probe = window, pump, probe
        self._timers = []
        for interval, fn in ((200, self._tick_live), (1000, self._shopper), (int(self.args.sample_s * 1000), self._sample),
                             (int(self.args.share_every * 1000), self._want_share)):
            timer = QTimer()
            timer.timeout.connect(fn)
            timer.start(interval)
            self._timers.append(timer)
        QTimer.singleShot(int(self.args.minutes * 60_000) + 500, request_quit)
        QTimer.singleShot(100, self._begin)

    def _begin(self) -> None:
        if not self.core.config.analysis.enabled:
            self.core.touch()  # nobody is seen without the analysis: a touch wakes the mirror once
        self._probe.reset()
        self._start = self._live_at = time.monotonic()
        self._last = {"t": self._start, "live": 0.0, "painted": 0, "cpu": _cpu()}
        network = self.core.parts.network
        # They stop a little before the window closes: the server going away is not their error.
        seconds = max(5.0, self.args.minutes * 60 - 10)
        cmd = [sys.executable, "-m", "bench._soak_clients", network.url, "--clients", str(self.args.clients),
               "--seconds", str(seconds)]
        env = dict(os.environ, KIOSK_API_TOKEN=self.core.config.api.token)
        self._clients = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)

    def _tick_live(self) -> None:
        now = time.monotonic()
        if self._pump.active:
            self._live_s += now - self._live_at
        self._live_at = now

    def _shopper(self) -> None:
        """Share the newest look of the visit when a share is due (its replay and the QR code close
        by themselves when the visit ends, as they do when a shopper walks away)."""
        with self._lock:
            look_id = self._newest if self._share_due else None
        if look_id:
            self._share_due = False
            self.core.share(look_id)  # not kept yet: the question comes up first …
            self.core.answer_consent(True)  # … and the shopper says yes; the QR code follows

    def _want_share(self) -> None:
        self._share_due = True

    def _sample(self) -> None:
        now, cpu = time.monotonic(), _cpu()
        painted, live, last = self._probe.painted, self._live_s, self._last
        with self._lock:
            counts = dict(self._counts)
        self.samples.append({
            "minute": round((now - self._start) / 60.0, 2),
            **_process(),
            "fps_painted_live": round((painted - last["painted"]) / (live - last["live"]), 2) if live > last["live"] else None,
            "live_fraction": round((live - last["live"]) / (now - last["t"]), 2),
            "fps_camera": self.core.camera_status().fps,
            "cpu_percent": round((cpu - last["cpu"]) / (now - last["t"]) * 100.0, 1),
            **counts,
        })
        self._last = {"t": now, "live": live, "painted": painted, "cpu": cpu}

    # -- results ------------------------------------------------------------------------------

    def slopes(self) -> dict:
        """Slope per hour of each measure over the samples from the second minute on."""
        later = self.samples[1:] if len(self.samples) > 2 else []
        out = {}
        for name in MEASURES:
            usable = [s for s in later if s.get(name) is not None]
            out[name] = slope_per_hour([s["minute"] for s in usable], [s[name] for s in usable])
        return out

    def totals(self) -> dict:
        with self._lock:
            return dict(self._counts)

    def _stop_clients(self) -> None:
        if self._clients is None:
            return
        if time.monotonic() - self._start < self.args.minutes * 60 - 15:
            self._clients.terminate()  # the window closed early: no figures from them
        try:
            out, _ = self._clients.communicate(timeout=120)
            self.clients_result = json.loads(out) if self._clients.returncode == 0 and out.strip() else None
        except subprocess.TimeoutExpired:
            self._clients.kill()
            self._clients.wait()


def _process() -> dict:
    """RSS (MB), open files and threads of this process, from /proc."""
    with open("/proc/self/status", encoding="ascii") as f:
        rss_kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return {"rss_mb": round(rss_kb / 1024, 1), "open_files": len(os.listdir("/proc/self/fd")),
            "threads": len(os.listdir("/proc/self/task"))}


def _cpu() -> float:
    t = os.times()
    return t.user + t.system
