"""Is the kiosk alive? systemd's watchdog is fed only while the answer is yes.

A frozen mirror must be restarted; a mirror with a dead USB camera must not be restarted over
and over (a restart brings no camera back, and the mirror still works as a mirror showing
"Camera unavailable"). So the answer is a pure function of a few signs (``assess_mirror``,
``assess_server``), table-tested, and a small ``sd-watchdog`` thread (``Liveness``) reads the
signs, sends ``WATCHDOG=1`` only while they are good, ``READY=1`` once, and ``STATUS=`` lines
in plain words whenever the status changes.

The mirror (``kiosk run``) is alive when

- the UI thread answers: a timer on it stamps a ``Heartbeat`` several times a second; a UI
  thread stuck in a call (or waiting for a stuck render thread) stops stamping;
- and the camera path answers: frames reach the hub, or the camera's own supervisor has
  declared the camera unavailable (or the clip ended) and keeps trying. A camera that says
  "running" while no frame has come for a long while means the capture path itself is stuck
  (its supervisor would have noticed a silent camera within ``camera.watchdog_s``).

It is ready (``READY=1``) once the window has put its first frame on the screen (the paint
probe says so: the attract screen at boot, or the live picture) and the camera has either
delivered its first frame or been declared unavailable — a mirror that boots with a dead
camera is up, shows the notice, and is not killed by ``TimeoutStartSec`` in a loop.

``kiosk serve`` is alive while its HTTP server answers ``/api/v1/status`` on this device.
Without ``$NOTIFY_SOCKET`` nothing here runs at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.log import QuietLogger
from kiosk.sdnotify import Notifier

_log = logging.getLogger(__name__)

UI_STALE_S = 5.0  # the UI thread stamps every 0.2 s; five seconds of silence is a freeze
STUCK_MARGIN_S = 3.0  # beyond the camera's own watchdog time, before the capture path counts as stuck
CHECK_S = 1.0  # how often the signs are read
STATUS_EVERY_S = 10.0  # a status whose words stay the same is repeated this often with new figures


@dataclass(frozen=True)
class MirrorSigns:
    """What the watchdog thread sees of a running mirror at one moment (ages in seconds)."""

    ui_age_s: float | None  # since the UI thread last stamped the heartbeat; None: never
    frame_age_s: float | None  # since the newest frame reached the hub; None: none yet
    camera_state: str  # starting, running, unavailable, ended, stopped
    camera_reason: str = ""
    painted: bool = False  # the window has put a frame on the screen
    camera_watchdog_s: float = 2.0  # camera.watchdog_s: the camera's own stall limit


@dataclass(frozen=True)
class Verdict:
    """Alive or not, and why, in one plain sentence (for STATUS= and the log)."""

    alive: bool
    why: str


def assess_mirror(signs: MirrorSigns) -> Verdict:
    """Whether a mirror showing ``signs`` should feed the watchdog."""
    if signs.ui_age_s is None or signs.ui_age_s > UI_STALE_S:
        age = "ever" if signs.ui_age_s is None else f"{signs.ui_age_s:.0f} s"
        return Verdict(False, f"the screen's thread has not answered for {age}")
    stuck_after = signs.camera_watchdog_s + STUCK_MARGIN_S
    if signs.camera_state == "running" and (signs.frame_age_s is None or signs.frame_age_s > stuck_after):
        age = "ever" if signs.frame_age_s is None else f"{signs.frame_age_s:.0f} s"
        return Verdict(False, f"the camera says it runs but no frame has come for {age} (the capture path is stuck)")
    if signs.camera_state == "unavailable":
        # A dead camera is not cured by a restart: keep the mirror up, showing the notice.
        return Verdict(True, f"camera unavailable ({signs.camera_reason}); retrying")
    return Verdict(True, "frames flow and the screen answers")


def mirror_ready(signs: MirrorSigns) -> bool:
    """Ready once something is painted and the camera has answered one way or the other."""
    camera_answered = signs.frame_age_s is not None or signs.camera_state in ("unavailable", "ended")
    return signs.painted and camera_answered


def assess_server(answered_age_s: float | None, problem: str = "") -> Verdict:
    """Whether ``kiosk serve`` should feed the watchdog: its API answered recently."""
    if answered_age_s is not None and answered_age_s <= UI_STALE_S:
        return Verdict(True, "the API answers")
    return Verdict(False, f"the API does not answer ({problem or 'no answer yet'})")


class Heartbeat:
    """A time stamp one thread sets and another reads (a float store is atomic in CPython)."""

    def __init__(self) -> None:
        self._at: float | None = None

    def beat(self) -> None:
        self._at = time.monotonic()

    def age(self, now: float | None = None) -> float | None:
        at = self._at
        if at is None:
            return None
        return (time.monotonic() if now is None else now) - at


@dataclass(frozen=True)
class Watch:
    """What ``Liveness`` asks each second: is it alive, is it ready, what to tell ``systemctl status``."""

    verdict: Callable[[], Verdict]
    ready: Callable[[], bool]
    status: Callable[[], str]  # the plain-words status while alive


class Liveness:
    """The ``sd-watchdog`` thread: READY once, WATCHDOG while alive, STATUS on change."""

    def __init__(self, notifier: Notifier, watch: Watch, check_s: float = CHECK_S) -> None:
        self.notifier = notifier
        self.watch = watch
        self.check_s = check_s
        self.pings = 0
        self.ready_sent = False
        self.last_verdict: Verdict | None = None
        self._status = ""
        self._status_due = 0.0
        self._quiet = QuietLogger(_log)  # a reader that fails every second: one traceback, then a line a minute
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.notifier.enabled

    def start(self) -> None:
        """Start watching, only under systemd (``$NOTIFY_SOCKET`` set)."""
        if not self.notifier.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._status = ""
        self.notifier.status("Starting: opening the camera and the screen")
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Tell systemd the kiosk is stopping, then stop watching."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(5.0)
        self._thread = None
        self.notifier.notify("STOPPING=1", "STATUS=Stopping")

    def _run(self) -> None:
        interval = self.notifier.watchdog_interval()
        next_ping = 0.0
        while not self._stop.is_set():
            try:
                next_ping = self._check(interval, next_ping)
            except Exception:  # noqa: BLE001 - a bad sign reader must not end the watching
                self._quiet.exception("the watchdog could not read the kiosk's signs")
            else:
                if self._quiet.clear():
                    _log.warning("the watchdog reads the kiosk's signs again")
            self._stop.wait(self.check_s)

    def _check(self, interval: float | None, next_ping: float) -> float:
        verdict = self.watch.verdict()
        if verdict.alive != (self.last_verdict.alive if self.last_verdict else True):
            if verdict.alive:
                _log.info("watchdog: %s", verdict.why)
            elif self.ready_sent:
                _log.error("watchdog: %s", verdict.why)
            else:  # the screen is still being built: no error (systemd's TimeoutStartSec judges that)
                _log.info("watchdog: starting (%s)", verdict.why)
        self.last_verdict = verdict
        if not self.ready_sent:
            if not (verdict.alive and self.watch.ready()):
                return next_ping
            status = self.watch.status()
            self.notifier.ready(f"Ready: {status}")
            self.ready_sent, self._status = True, status
            self._status_due = time.monotonic() + STATUS_EVERY_S
            _log.info("ready: %s", status)
        now = time.monotonic()
        status = self.watch.status() if verdict.alive else f"Not answering: {verdict.why}"
        # Figures in the status change all the time: repeat them now and then, not every second.
        if status != self._status and (status.split(":")[0] != self._status.split(":")[0] or now >= self._status_due):
            self._status, self._status_due = status, now + STATUS_EVERY_S
            self.notifier.status(status)
        if interval is not None and verdict.alive and now >= next_ping:
            if self.notifier.watchdog():
                self.pings += 1
            # Half of WatchdogSec, as systemd advises; never less often than the checks.
            return now + max(self.check_s, interval) - self.check_s / 2
        return next_ping


# -- what the watchdog watches ----------------------------------------------------------------


def mirror_watch(vitals, painted, hub, camera: Callable[[], object], screen: Callable[[], object],
                 watchdog_s: float) -> Watch:
    """The watch of ``kiosk run``: the UI heartbeat, frames in the hub, the camera's state, the first paint."""

    def signs() -> MirrorSigns:
        now = time.monotonic()
        latest = hub.latest()
        cam = camera()
        return MirrorSigns(vitals.heartbeat.age(now), now - latest.ts if latest is not None else None,
                           cam.state, cam.reason, vitals.first_paint.is_set(), watchdog_s)

    def status() -> str:
        return describe_mirror(camera(), painted.rate(), screen())

    return Watch(lambda: assess_mirror(signs()), lambda: mirror_ready(signs()), status)


def noted(watch: Watch, note: str) -> Watch:
    """``watch`` whose status lines end with ``note`` (a plain mirror says what it is missing)."""
    return Watch(watch.verdict, watch.ready, lambda: f"{watch.status()}; {note}")


def describe_mirror(camera, painted_fps: float, screen) -> str:
    """One line for ``systemctl status``: what the shopper would see, with the figures behind it."""
    if screen is not None and not screen.on:
        return f"Screen dark: {screen.reason}"
    if camera.state == "unavailable":
        return f"Camera unavailable: {camera.reason}; retrying"
    if camera.state != "running":
        return f"Camera {camera.state}: {camera.reason}" if camera.reason else f"Camera {camera.state}"
    return f"Mirror running: camera {camera.fps:.0f} fps, screen {painted_fps:.0f} fps"


class ServerProbe:
    """Asks this device's own HTTP server for ``/api/v1/status``; the watch of ``kiosk serve``."""

    def __init__(self, address: Callable[[], tuple[str, int] | None], timeout_s: float = 3.0) -> None:
        self._address = address  # (host, port) once the server listens, else None
        self._timeout_s = timeout_s
        self._answered: float | None = None
        self._problem = ""

    def watch(self) -> Watch:
        return Watch(self.verdict, lambda: self._answered is not None, self.status)

    def verdict(self) -> Verdict:
        self._problem = self._ask()
        if not self._problem:
            self._answered = time.monotonic()
        age = None if self._answered is None else time.monotonic() - self._answered
        return assess_server(age, self._problem)

    def status(self) -> str:
        address = self._address()
        return f"Serving the API on port {address[1]}" if address else "Starting the API"

    def _ask(self) -> str:
        import http.client

        address = self._address()
        if address is None:
            return "the server is not listening yet"
        conn = http.client.HTTPConnection(address[0], address[1], timeout=self._timeout_s)
        try:
            conn.request("GET", "/api/v1/status")
            response = conn.getresponse()
            response.read()
            return "" if response.status == 200 else f"/api/v1/status answered {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()


def local_address(bind: str, port: int) -> tuple[str, int]:
    """Where this device reaches a server bound to ``bind``: loopback for the wildcard addresses."""
    if bind in ("", "0.0.0.0"):
        return "127.0.0.1", port
    if bind == "::":
        return "::1", port
    return bind, port
