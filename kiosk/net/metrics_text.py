"""The ``/api/v1/metrics`` page in the Prometheus text format (0.0.4), written by hand.

Every metric is documented in docs/METRICS.md (name, type, labels, meaning); the figures come
from the network part's own state and from ``kiosk.vitals.Readings``, the status callables the
wiring hands it (painted fps, analysis, recording, reader, screen, watchdog, errors). Names
follow Prometheus' conventions: units in the name, ``_total`` for counters. ``mirror_metrics`` is
the part a plain mirror serves too (``kiosk.net.plain_pages``): everything but the network part's own.
"""

from __future__ import annotations

import math
import shutil
import time

from kiosk.net.context import NetContext
from kiosk.net.throttle import DAY
from kiosk.storage.writable import existing_parent, unwritable

#: The metrics page's content type (the Prometheus text format 0.0.4).
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def number(value: float) -> str:
    """A sample value as Prometheus reads it: every digit a float has (``:g`` kept six, which put
    a Unix time off by up to hours), and NaN / ±Inf spelled its way."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(value)
    return str(value)


def _line(out: list[str], name: str, kind: str, help_text: str, value: float, labels: str = "") -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")
    out.append(f"{name}{labels} {number(value)}")


def render_metrics(ctx: NetContext) -> str:
    """Every metric the mirror exports, one ``# HELP``/``# TYPE`` pair each."""
    out = mirror_metrics(ctx)
    _network(out, ctx)
    return "\n".join(out) + "\n"


def mirror_metrics(ctx) -> list[str]:
    """The lines of every metric but the network part's own (``ctx``: a ``NetContext`` or a plain mirror's)."""
    out: list[str] = []
    _line(out, "kiosk_info", "gauge", "Mirror software version and id.", 1,
          f'{{version="{ctx.version}",id="{ctx.mirror_id}"}}')
    _line(out, "kiosk_build_info", "gauge", "The kiosk software's version and release (always 1).", 1,
          f'{{version="{ctx.version}",release="{ctx.release}"}}')
    _line(out, "kiosk_start_time_seconds", "gauge", "Unix time the kiosk started.", float(round(ctx.started_at, 3)))
    _line(out, "kiosk_uptime_seconds", "gauge", "Seconds since the kiosk started.", float(round(time.time() - ctx.started_at, 1)))
    # Alerts on kiosk_camera_up skip a kiosk that has no camera on purpose (docs/monitoring).
    _line(out, "kiosk_camera_configured", "gauge", "1 when the kiosk has a camera (0: kiosk serve, which runs without one).",
          int(ctx.camera is not None))
    if ctx.camera is not None:
        cam = ctx.camera()
        _line(out, "kiosk_camera_fps", "gauge", "Frames per second the camera delivers.", float(cam.fps))
        _line(out, "kiosk_camera_frames_total", "counter", "Frames captured since start.", cam.captured)
        _line(out, "kiosk_camera_drops_total", "counter", "Frames the camera dropped.", cam.dropped)
        _line(out, "kiosk_camera_reconnects_total", "counter",
              "Times the camera came back (gave pictures again) after a stall or unplugging.", cam.reconnects)
        _line(out, "kiosk_camera_open_failures_total", "counter",
              "Openings of the camera that gave no picture (each try while it is unplugged or stuck).", cam.open_failures)
        _line(out, "kiosk_camera_up", "gauge", "1 while the camera delivers pictures.", int(cam.state == "running"))
    else:
        # `kiosk serve` runs without a camera: say so rather than report a fake 0 fps
        _line(out, "kiosk_camera_up", "gauge", "1 while the camera delivers pictures.", 0)
    live = ctx.live.read()
    if live.analysis_state is not None:
        _line(out, "kiosk_analysis_up", "gauge", "1 while the body analysis runs.", int(live.analysis_state == "running"))
        _line(out, "kiosk_analysis_restarts_total", "counter", "Times the body analysis was restarted after a failure.",
              live.analysis_restarts)
    _line(out, "kiosk_recordings_total", "counter", "Looks recorded since start.", ctx.looks_recorded)
    if ctx.library is not None:
        try:
            _line(out, "kiosk_looks", "gauge", "Looks in the library.", len(ctx.library.list()))
        except Exception:  # the library's own health shows in /health; metrics stay up
            pass
    if ctx.data_dir is not None:
        try:
            usage = shutil.disk_usage(existing_parent(ctx.data_dir) or ctx.data_dir)  # a plain mirror's may not exist yet
            _line(out, "kiosk_disk_free_bytes", "gauge", "Free bytes on the library's disk.", usage.free)
            _line(out, "kiosk_disk_total_bytes", "gauge", "Size of the library's disk in bytes.", usage.total)
        except OSError:
            pass
        # a read-only file system still has free space: this is the gauge that says the card failed
        _line(out, "kiosk_data_writable", "gauge",
              "1 while the data folder can be written (0: read-only or not the kiosk's to write; nothing is recorded).",
              int(not unwritable(ctx.data_dir)))
    if ctx.readings is not None:
        _readings(out, ctx.readings)
    _line(out, "kiosk_sessions_total", "counter", "Sessions started since start.", ctx.sessions_started)
    _line(out, "kiosk_session_active", "gauge", "1 while someone uses the mirror.", int(ctx.state != "idle"))
    return out


def _network(out: list[str], ctx: NetContext) -> None:
    """The network part's own figures: help requests, live clients, PIN sign-in, the other mirrors, the webhook."""
    _line(out, "kiosk_assist_open", "gauge", "Assistance requests nobody acknowledged yet.", ctx.assist.open_count())
    _line(out, "kiosk_event_clients", "gauge", "Clients following /api/v1/events.", ctx.stream.subscribers)
    pause = ctx.auth.pin_pause()
    _line(out, "kiosk_pin_sign_in_paused", "gauge", "1 while PIN sign-in is paused after too many wrong PINs.",
          int(pause.paused_for_s > 0))
    _line(out, "kiosk_pin_sign_in_pauses_total", "counter", "Times PIN sign-in was paused after too many wrong PINs.",
          pause.pauses)
    _line(out, "kiosk_pin_sign_in_paused_by_peer", "gauge",
          "1 while a PIN sign-in pause is on that another mirror of the store started.",
          int(pause.paused_for_s > 0 and pause.by_peer))
    _line(out, "kiosk_pin_sign_in_paused_seconds", "gauge", "Seconds left of the PIN sign-in pause on (0: open).",
          pause.paused_for_s)
    _line(out, "kiosk_pin_sign_in_paused_by_day_limit", "gauge",
          "1 while PIN sign-in is paused after the most wrong PINs the store takes in a day.",
          int(pause.paused_for_s > 0 and pause.cause == DAY))
    _line(out, "kiosk_pin_wrong_last_day", "gauge",
          "Wrong PINs of the last day, here and at the store's other mirrors, towards the day's limit.",
          pause.day_failures)
    _line(out, "kiosk_pin_wrong_day_limit", "gauge", "Wrong PINs in a day that pause PIN sign-in.", pause.day_max)
    _line(out, "kiosk_pin_wrong_reported_total", "counter",
          "Wrong PINs the store's other mirrors reported to this one.", pause.reported)
    if ctx.pin_reports is not None:
        sent, failed = ctx.pin_reports.counts()
        _line(out, "kiosk_pin_reports_sent_total", "counter",
              "Reports of wrong PINs counted here that another mirror of the store took.", sent)
        _line(out, "kiosk_pin_reports_failed_total", "counter",
              "Reports of wrong PINs counted here that did not reach a mirror this one tried "
              "(down, unproven, or older software).", failed)
    if ctx.hellos is not None and ctx.hellos.tally is not None:
        hellos = ctx.hellos.tally
        _line(out, "kiosk_peers_proving", "gauge",
              "Other mirrors on the LAN that proved at their last hello they hold this mirror's store secret.",
              hellos.proving)
        _line(out, "kiosk_peers_not_proving", "gauge",
              "Devices announced as mirrors that answered their last hello with a proof made with another secret.",
              hellos.not_proving)
        _line(out, "kiosk_store_secret_mismatch", "gauge",
              "1 while devices answer as mirrors and none proves it holds this mirror's store secret.",
              int(hellos.mismatch))
    if ctx.outbox.enabled:
        try:
            hook = ctx.outbox.status()
        except Exception:  # the database's trouble shows in /health; metrics stay up
            hook = None
        if hook is not None:
            _line(out, "kiosk_webhook_pending", "gauge", "Webhook deliveries waiting.", hook.queued)
            _line(out, "kiosk_webhook_oldest_age_seconds", "gauge", "Seconds the oldest waiting delivery has waited.",
                  float(hook.oldest_age_s or 0.0))
            _line(out, "kiosk_webhook_parked", "gauge", "Webhook entries the store service refused for good.", hook.parked)
            _line(out, "kiosk_webhook_up", "gauge", "1 while the webhook delivery loop runs.", int(hook.running))


def _readings(out: list[str], r) -> None:
    """The figures of the parts the network part does not hold (``kiosk.vitals.Readings``)."""
    if r.painted_fps is not None:
        _line(out, "kiosk_painted_fps", "gauge", "Camera frames painted on the screen per second.", float(round(r.painted_fps(), 1)))
    if r.analysis is not None:
        stats = r.analysis()  # (kiosk_analysis_up and its restarts come from the bus, above)
        _line(out, "kiosk_analysis_fps", "gauge", "Frames the body analysis analyses per second.", float(stats.fps))
        _line(out, "kiosk_analysis_frames_total", "counter", "Frames analysed since start.", stats.analysed)
        _line(out, "kiosk_analysis_skipped_frames_total", "counter", "Frames the analysis skipped to keep up.", stats.skipped)
        _line(out, "kiosk_analysis_latency_seconds", "gauge", "Mean capture-to-result time of recent analysed frames.",
              float(round(stats.latency_ms / 1000, 4)))
    if r.recording is not None:
        _line(out, "kiosk_recording_active", "gauge", "1 while a look is being recorded.", int(bool(r.recording())))
    if r.takes_skipped is not None:
        _line(out, "kiosk_takes_skipped_total", "counter",
              "Takes the turn detector asked for that were not tried: the disk was too full to record.", r.takes_skipped())
    if r.disk_floor_bytes:
        _line(out, "kiosk_disk_min_free_bytes", "gauge", "Free bytes below which no look is recorded (recording.min_free_mb).",
              r.disk_floor_bytes)
    if r.reader is not None:
        _line(out, "kiosk_reader_up", "gauge", "1 while the card reader is connected.", int(r.reader().state == "connected"))
    if r.screen is not None:
        screen = r.screen()
        if screen is not None:
            _line(out, "kiosk_screen_on", "gauge", "1 while the screen is lit, 0 while it is dark.", int(screen.on))
            _line(out, "kiosk_screen_power_failures_total", "counter", "Times the panel could not be switched.", screen.failures)
    if r.watchdog_pings is not None:
        _line(out, "kiosk_watchdog_pings_total", "counter", "WATCHDOG=1 notifications sent to systemd.", r.watchdog_pings())
    if getattr(r, "core", None) is not None:
        core = r.core()
        _line(out, "kiosk_core_up", "gauge", "1 while the core thread handles events and intents.", int(core.state == "running"))
        _line(out, "kiosk_core_faults_total", "counter", "Items the core could not handle (it carried on).", core.faults)
    if r.errors is not None:
        last = r.errors.last
        _line(out, "kiosk_errors_total", "counter", "Errors logged since start.", r.errors.count)
        _line(out, "kiosk_last_error_timestamp_seconds", "gauge", "Unix time of the last error logged (0: none).",
              float(round(last.at, 3)) if last else 0.0)
