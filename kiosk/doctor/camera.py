"""The camera: is it there, which modes does it offer, how many pictures a second does it really give?

The camera is opened through the product's own wiring (``kiosk.wiring.build_camera``: the same
capture thread and watchdog as the mirror's) for ``ctx.camera_s`` seconds, and the frames that
arrive are counted. A V4L2 camera the running kiosk is capturing from is not opened (that could
disturb the mirror): its modes are still listed (``v4l2-ctl`` only asks), and its frame rate is
the one the running kiosk reports on ``/api/v1/metrics``.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass

from kiosk.doctor.check import Context, Result, fail, kiosk_holders, ok, warning
from kiosk.errors import KioskError
from kiosk.source_spec import SourceSpec, SourceSpecError, parse_source_spec

V4L2_MAJOR = 81  # the device number every Video4Linux node has (Documentation/admin-guide/devices.txt)
NOT_A_CAMERA_HINT = ("Set camera.source to the camera itself: v4l2:/dev/smartmirror-camera on a provisioned mirror "
                     "(its udev name), or the name 'ls /dev/v4l/by-id/' lists ending in video-index0.")
CABLE_HINT = ("Check the camera's USB cable (a USB 3 port, no passive hub) and that it is listed by "
              "'ls /dev/v4l/by-id/'; set camera.source to that stable name.")


@dataclass(frozen=True)
class Measurement:
    """What the camera did while it was watched."""

    frames: int
    seconds: float
    state: str
    reason: str
    size: str  # "1280x720", or "" without a picture
    nominal_fps: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def check_camera(ctx: Context) -> list[Result]:
    from kiosk import wiring

    text = ctx.config.camera.source
    if text == "auto":
        devices = wiring.camera_devices()
        if not devices:
            return [fail("camera", "No camera found: camera.source is auto and this machine has no video capture "
                                   "device, so the mirror would show a test picture.", CABLE_HINT)]
        text = f"v4l2:{devices[0]}"
    try:
        spec = parse_source_spec(text)
    except SourceSpecError as exc:
        return [fail("camera", f"The camera source {text!r} cannot be used: {exc}.", "Fix camera.source in the configuration.")]
    running = kiosk_holders(ctx)
    if spec.kind == "v4l2" and running:
        return [_in_use(spec, running), _modes(ctx, spec, measured=None, busy=True), _fps_of_running_kiosk(ctx, spec)]
    if spec.kind == "v4l2" and (what := _not_a_camera(spec.target)):
        # opened anyway, it fails as "busy or not a capture device", which sends IT looking for another program
        no_picture = Measurement(0, 0.0, "unavailable", f"{spec.target} is not a camera: {what}", "", 30.0)
        return [fail("camera", f"{no_picture.reason}.", NOT_A_CAMERA_HINT),
                _modes(ctx, spec, no_picture, busy=False, hint=NOT_A_CAMERA_HINT), _fps(spec, no_picture, NOT_A_CAMERA_HINT)]
    measured = _measure(ctx, text)
    presence = _presence(spec, measured)
    # with no picture, the modes and the frame rate fail for the camera's own reason: same hint
    return [presence, _modes(ctx, spec, measured, busy=False, hint=presence.hint), _fps(spec, measured, presence.hint)]


def _not_a_camera(path: str) -> str:
    """What ``path`` is when it is there but is no Video4Linux device ("" when it is one, or is not there)."""
    try:
        info = os.stat(path)
    except OSError:
        return ""  # not there, or closed to this user: opening it says which
    if stat.S_ISDIR(info.st_mode):
        return "it is a folder"
    if not stat.S_ISCHR(info.st_mode):
        return "it is a file, not a device"
    if os.major(info.st_rdev) != V4L2_MAJOR:
        return "it is another kind of device (a camera is a video device, /dev/videoN)"
    return ""


def _presence(spec: SourceSpec, m: Measurement) -> Result:
    name = _name(spec)
    if m.frames == 0:
        hint = CABLE_HINT
        if "permission" in m.reason:
            hint = "Add the kiosk's user to the 'video' group (scripts/provision does), then log in again."
        elif "busy" in m.reason or "cannot be opened" in m.reason:
            hint = "Another program is using the camera: stop it (or the kiosk service) and check again."
        elif spec.kind == "file":
            hint = "Fix camera.source: the file must exist and be a video the kiosk can decode."
        return fail("camera", f"{name} gives no picture: {m.reason or 'nothing arrived'}.", hint)
    if spec.kind == "synthetic":
        return warning("camera", f"The camera is the synthetic test picture ({m.size}), not a real camera.",
                       "Set camera.source to the real camera, e.g. v4l2:/dev/v4l/by-id/usb-…-video-index0.")
    if spec.kind == "file":
        return warning("camera", f"The camera is a video file ({spec.target}, {m.size}), not a real camera.",
                       "Set camera.source to the real camera, e.g. v4l2:/dev/v4l/by-id/usb-…-video-index0.")
    return ok("camera", f"{name} delivers pictures ({m.size}).")


def _in_use(spec: SourceSpec, pids: list[int]) -> Result:
    return ok("camera", f"{_name(spec)} is in use by the running kiosk (process {', '.join(map(str, pids))}); "
                        "it was not opened again so as not to disturb the mirror.")


def _modes(ctx: Context, spec: SourceSpec, measured: Measurement | None, busy: bool, hint: str = "") -> Result:
    if measured is not None and measured.frames == 0:
        what = {"v4l2": spec.target, "file": f"the video file {spec.target}"}.get(spec.kind, "the synthetic camera")
        return warning("camera-modes", f"The modes of {what} were not read: it gives no picture.", hint)
    if spec.kind != "v4l2":
        size = measured.size if measured and measured.size else "unknown size"
        return ok("camera-modes", f"The {spec.kind} source gives {size} at {spec.get('fps', measured.nominal_fps if measured else 30):g} fps.")
    from kiosk import wiring

    modes, opened = wiring.camera_modes(spec.target, open_it=not busy)
    if modes is None and opened is None:
        return warning("camera-modes", f"The modes of {spec.target} were not read (v4l2-ctl is not installed).",
                       "Install v4l-utils to list them (scripts/provision does).")
    listed = modes or [opened]
    shown = "; ".join(listed[:8]) + (f"; and {len(listed) - 8} more" if len(listed) > 8 else "")
    wanted = _wanted_mode(spec)
    if modes and wanted and not any(wanted in mode for mode in modes):
        return warning("camera-modes", f"camera.source asks for {wanted}, which {spec.target} does not offer; it offers: {shown}.",
                       "Pick one of the listed modes in camera.source (width, height, fps, fourcc).")
    return ok("camera-modes", f"{spec.target} offers: {shown}.")


def _wanted_mode(spec: SourceSpec) -> str:
    width, height = spec.get("width"), spec.get("height")
    if not (width and height):
        return ""
    fourcc = spec.get("fourcc")
    return f"{fourcc} {width}x{height}" if fourcc else f"{width}x{height}"


def _fps(spec: SourceSpec, m: Measurement, hint: str) -> Result:
    if m.frames == 0:
        # nothing to time: no picture arrived at all (the camera check above says why)
        return fail("camera-fps", f"{_name(spec)} gives no picture, so it has no frame rate to measure.", hint)
    return _rate_result(m.fps, m.nominal_fps, f"measured over {m.seconds:.0f} s")


def _rate_result(fps: float, nominal: float, how: str) -> Result:
    sentence = f"The camera delivers {fps:.1f} frames per second ({how}; {nominal:g} asked for)."
    if fps >= 0.9 * nominal:
        return ok("camera-fps", sentence)
    return warning("camera-fps", sentence, "Below its rate the mirror looks jerky: give the camera more light (in dim "
                   "light it lengthens its exposure), use a USB 3 port, or ask for MJPG (fourcc=MJPG in camera.source).")


def _fps_of_running_kiosk(ctx: Context, spec: SourceSpec) -> Result:
    from kiosk.doctor.network import metrics_of_running_kiosk

    metrics = metrics_of_running_kiosk(ctx)
    fps = metrics.get("kiosk_camera_fps") if metrics else None
    if fps is None:
        return warning("camera-fps", "The frame rate was not measured: the running kiosk holds the camera and its "
                                     "API did not say.", "Stop the kiosk service and run 'kiosk doctor' again to measure it.")
    return _rate_result(fps, float(spec.get("fps", 30.0)), "as the running kiosk measures it")


def _measure(ctx: Context, text: str) -> Measurement:
    from kiosk import wiring

    try:
        camera, spec = wiring.build_camera(ctx.config, text)
    except KioskError as exc:
        return Measurement(0, 0.0, "unavailable", str(exc).rstrip("."), "", 30.0)
    frames: list[float] = []
    sizes: list[str] = []
    answered = threading.Event()

    def on_frame(frame) -> None:
        frames.append(frame.ts)
        if not sizes:
            sizes.append(f"{frame.width}x{frame.height}")
        answered.set()

    def on_state(state, reason: str) -> None:
        if state.value in ("unavailable", "ended"):
            answered.set()

    camera.start(on_frame, on_state)
    try:
        # The first picture (or the watchdog's verdict) may take a while: a USB camera starts slowly.
        answered.wait(ctx.config.camera.watchdog_s + 5.0)
        begun = time.monotonic()
        start = len(frames)
        if start:
            time.sleep(ctx.camera_s)
        seconds = time.monotonic() - begun
        counted = len(frames) - start
        state, reason = camera.state.value, camera.state_reason
    finally:
        camera.stop()
    nominal = float(spec.get("fps", camera.fps or 30.0))
    if not start:
        return Measurement(0, ctx.camera_s, state, reason, "", nominal)
    return Measurement(counted, seconds, state, reason, sizes[0] if sizes else "", nominal)


def _name(spec: SourceSpec) -> str:
    if spec.kind == "v4l2":
        return f"Camera {spec.target}"
    if spec.kind == "file":
        return f"The video file {spec.target}"
    return "The synthetic camera"
