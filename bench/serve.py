"""``kiosk bench serve``: many phones downloading looks while the mirror keeps painting.

In one run: a consented look is recorded with the real recorder; the network services run
in-process on 127.0.0.1 (as inside ``kiosk run``, zeroconf off so nothing leaves loopback);
the mirror window's painted fps is measured first idle, then while ``--clients`` concurrent
clients (a separate process, so they do not share our GIL) download the look in 256 KiB
Range requests for ``--seconds``. Then share-button→QR-ready time is measured, both through
``NetService.share_look`` (the mirror's button) and through the API (POST share, GET the QR).
Without a usable window (no Xvfb, no Qt) the painted figures are null and ``painted_note``
says why.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._figures import summary

from kiosk.config import load_config
from kiosk.errors import KioskError, UsageError

SOURCE = "synthetic:?width=1280&height=720&fps=30"


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="concurrent Range downloads from the mirror: throughput, painted fps, share→QR time")
    p.add_argument("--clients", type=int, default=50, help="concurrent downloading clients (default 50, at most 200)")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds of load, and of each fps measurement (default 10)")
    p.add_argument("--source", default=SOURCE, help=f"camera source for the window and the look (default {SOURCE})")
    p.add_argument("--look-seconds", type=float, default=6.0, help="length of the recorded look (default 6)")
    p.add_argument("--video-mb-s", type=float, help="override api.video_mb_s, the shared download budget (0: no limit)")
    p.add_argument("--no-window", action="store_true", help="skip the painted-fps measurement")
    p.add_argument(
        "--no-analysis", action="store_true", help="mirror without body analysis, to see the network's own cost on the screen"
    )
    p.add_argument("--screen", default="1280x720", metavar="WxH", help="Xvfb screen when no DISPLAY is set (default 1280x720)")
    p.add_argument("--config", help="configuration file (display settings apply)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _ms(values: list[float]) -> dict:
    return summary(values, 1000.0)


def _record(library: Path, source: str, seconds: float) -> str:
    env = dict(os.environ)
    env.pop("KIOSK_CONFIG", None)
    cmd = [sys.executable, "-m", "kiosk", "record", "--library", str(library), "--consent", "--seconds", str(seconds), "--source", source]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    if done.returncode != 0:
        raise KioskError(f"could not record the look to serve: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.strip().splitlines()[-1]


def _start_load(url: str, token: str, clients: int, seconds: float) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bench._load", url, "--clients", str(clients), "--seconds", str(seconds)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=dict(os.environ, KIOSK_API_TOKEN=token))


def _finish_load(proc: subprocess.Popen, seconds: float) -> dict:
    out, _ = proc.communicate(timeout=seconds + 120)
    if proc.returncode != 0:
        raise KioskError("the download clients failed")
    return json.loads(out)


def _painted(config, source: str, seconds: float, load, analysis: bool | None) -> tuple[dict | None, dict | None, str | None]:
    """(idle figures, loaded figures, note) from the real mirror window."""
    try:
        from bench._xserver import check_screen, display
        from kiosk.wiring import build_core
        from bench._window import measure_preview
    except ImportError as exc:
        return None, None, f"no mirror window here ({exc})"
    config.display.fullscreen = True
    started: dict = {}
    try:
        with display(check_screen(load["screen"])):
            idle = measure_preview(build_core(config, source, analysis=analysis, window=True), seconds, 2.0)
            busy = measure_preview(
                build_core(config, source, analysis=analysis, window=True), seconds, 2.0,
                during=lambda: started.update(proc=load["start"]()),
            )
    except (KioskError, RuntimeError) as exc:
        if "proc" in started:
            started["proc"].kill()
        return None, None, f"the mirror window could not be measured ({exc})"
    load["result"] = _finish_load(started["proc"], seconds)
    return idle, busy, None


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 120 or not 1 <= args.look_seconds <= 60:
        raise UsageError("--clients must be 1–200, --seconds 1–120 and --look-seconds 1–60")
    config = load_config(args.config)
    api = config.api
    api.bind, api.port, api.announce, api.interfaces = "127.0.0.1", 0, False, ["127.0.0.1"]
    api.token = secrets.token_urlsafe(24)
    if args.video_mb_s is not None:
        api.video_mb_s = args.video_mb_s
    config.webhook.url = ""
    load_avg = os.getloadavg()[0]

    from kiosk.library import Library
    from kiosk.net.service import NetParts, NetService

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        look_id = _record(Path(tmp), args.source, args.look_seconds)
        library = Library(tmp).open()
        service = NetService(config, NetParts(data_dir=Path(tmp), library=library))
        service.start()
        try:
            video_url = f"{service.url}/api/v1/looks/{look_id}/video"
            load = {"screen": args.screen, "start": lambda: _start_load(video_url, api.token, args.clients, args.seconds)}
            idle = busy = None
            note = "skipped (--no-window)"
            if not args.no_window:
                idle, busy, note = _painted(config, args.source, args.seconds, load, False if args.no_analysis else None)
            if "result" not in load:
                load["result"] = _finish_load(load["start"](), args.seconds)
            share = _share_times(service, look_id, api.token)
            look = library.get(look_id)
        finally:
            service.stop()
            library.close()

    result = {
        "clients": args.clients,
        "seconds": args.seconds,
        "video_mb_s_budget": api.video_mb_s,
        "analysis": "off" if args.no_analysis else ("on" if config.analysis.enabled else "off"),
        "look": {"width": look.width, "height": look.height, "duration_s": look.duration_s, "bytes": look.bytes},
        "download": load["result"],
        "fps_painted_idle": idle["fps_painted"] if idle else None,
        "fps_painted_load": busy["fps_painted"] if busy else None,
        "fps_captured_load": busy["fps_captured"] if busy else None,
        "fps_ratio_load_idle": round(busy["fps_painted"] / idle["fps_painted"], 3) if idle and busy and idle["fps_painted"] else None,
        "latency_ms_load": busy["latency_ms"] if busy else None,
        "mirror_cpu_percent_idle": idle["cpu_percent"] if idle else None,
        "mirror_cpu_percent_load": busy["cpu_percent"] if busy else None,
        "painted_note": note,
        "share_to_qr_ms": share,
        "goals": {"fps_painted_load_min": 29, "share_to_qr_ms_max": 300},
        "cpu_cores": os.cpu_count(),
        "load_average_at_start": round(load_avg, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        d = result["download"]
        fps = (
            f"painted {result['fps_painted_load']} fps under load vs {result['fps_painted_idle']} idle"
            if busy else f"painted fps: {note}"
        )
        print(
            f"{args.clients} clients: {d['throughput_mb_s']} MB/s, {d['requests']} range requests "
            f"(p95 {d['request_ms']['p95']} ms, {d['errors']} errors); {fps}; "
            f"share→QR p95 {share['button']['p95']} ms (button), {share['api']['p95']} ms (API)"
        )
    return 0


def _share_times(service, look_id: str, token: str, rounds: int = 30) -> dict:
    """Time from the press to a QR code ready to show, by the mirror's button and by the API."""
    button, api = [], []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        for _ in range(rounds):
            t0 = time.perf_counter()
            link = service.share_look(look_id)
            if not link.qr_svg.startswith(b"<svg"):
                raise KioskError("the share button made no QR code")
            button.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            made = client.post(f"{service.url}/api/v1/looks/{look_id}/share").json()
            qr = client.get(made["qr_svg_url"])
            qr.raise_for_status()
            api.append(time.perf_counter() - t0)
    return {"button": _ms(button), "api": _ms(api), "rounds": rounds}
