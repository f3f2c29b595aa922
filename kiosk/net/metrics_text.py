"""The ``/api/v1/metrics`` page in the Prometheus text format (0.0.4), written by hand: a dozen lines."""

from __future__ import annotations

import shutil

from kiosk.net.context import NetContext


def _line(out: list[str], name: str, kind: str, help_text: str, value: float, labels: str = "") -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")
    out.append(f"{name}{labels} {value:g}" if isinstance(value, float) else f"{name}{labels} {value}")


def render_metrics(ctx: NetContext) -> str:
    """Every metric the mirror exports, one ``# HELP``/``# TYPE`` pair each."""
    out: list[str] = []
    _line(out, "kiosk_info", "gauge", "Mirror software version and id.", 1,
          f'{{version="{ctx.version}",id="{ctx.mirror_id}"}}')
    if ctx.camera is not None:
        cam = ctx.camera()
        _line(out, "kiosk_camera_fps", "gauge", "Frames per second the camera delivers.", float(cam.fps))
        _line(out, "kiosk_camera_frames_total", "counter", "Frames captured since start.", cam.captured)
        _line(out, "kiosk_camera_drops_total", "counter", "Frames the camera dropped.", cam.dropped)
        _line(out, "kiosk_camera_reconnects_total", "counter", "Times the camera was reopened.", cam.reconnects)
        _line(out, "kiosk_camera_up", "gauge", "1 while the camera delivers pictures.", int(cam.state == "running"))
    else:
        # `kiosk serve` runs without a camera: say so rather than report a fake 0 fps
        _line(out, "kiosk_camera_up", "gauge", "1 while the camera delivers pictures.", 0)
    _line(out, "kiosk_recordings_total", "counter", "Looks recorded since start.", ctx.looks_recorded)
    if ctx.library is not None:
        try:
            _line(out, "kiosk_looks", "gauge", "Looks in the library.", len(ctx.library.list()))
        except Exception:  # the library's own health shows in /health; metrics stay up
            pass
    if ctx.data_dir is not None:
        try:
            usage = shutil.disk_usage(ctx.data_dir)
            _line(out, "kiosk_disk_free_bytes", "gauge", "Free bytes on the library's disk.", usage.free)
            _line(out, "kiosk_disk_total_bytes", "gauge", "Size of the library's disk in bytes.", usage.total)
        except OSError:
            pass
    _line(out, "kiosk_sessions_total", "counter", "Sessions started since start.", ctx.sessions_started)
    _line(out, "kiosk_session_active", "gauge", "1 while someone uses the mirror.", int(ctx.state != "idle"))
    _line(out, "kiosk_assist_open", "gauge", "Assistance requests nobody acknowledged yet.", ctx.assist.open_count())
    _line(out, "kiosk_event_clients", "gauge", "Clients following /api/v1/events.", ctx.stream.subscribers)
    if ctx.outbox.enabled:
        _line(out, "kiosk_webhook_pending", "gauge", "Webhook deliveries waiting.", ctx.outbox.pending())
    return "\n".join(out) + "\n"
