"""The screen's power as a part of the kiosk: the core decides when, this part carries it out.

The core's ``screen_step`` (``kiosk.screen_policy``) decides; ``Effects.screen_power`` calls
``Screen.set_power``. That publishes ``ScreenPowerChanged`` at once (the window covers itself
in black or uncovers, on the UI thread: instant, and the last resort when nothing else can
switch the panel) and wakes the ``screen-power`` thread, which switches the panel through the
backend ``kiosk.wiring`` probed (``hardware.display_power``: wlr-randr, xset, vcgencmd, a
backlight, or nothing). The panel commands take milliseconds to a few seconds and may hang, so
they never run on the core's or the UI's thread; only the newest wish is carried out.

At start the panel is switched on (a kiosk that crashed while dark must not come back dark),
and at stop too (store IT at the console, or the next start, expects a lit screen). A switch
that fails is retried, 1 s doubling to ``RETRY_MAX_S``, until it works or the wish changes
(``STOP_TRIES`` times at stop); meanwhile ``status().stuck`` says why, and health fails.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.events import Event, EventBus
from kiosk.log import QuietLogger

_log = logging.getLogger(__name__)
_quiet = QuietLogger(_log)

RETRY_MIN_S = 1.0  # the first retry of a failed switch
RETRY_MAX_S = 30.0  # retries back off up to this
STOP_TRIES = 3  # tries to light the panel at stop
STOP_RETRY_S = 0.5


@dataclass(frozen=True)
class ScreenPowerChanged(Event):
    """The screen goes dark (``on`` False) or lights up; ``reason`` in plain words."""

    on: bool
    reason: str


@dataclass(frozen=True)
class ScreenStatus:
    """The screen at one moment, for health and metrics."""

    on: bool
    reason: str
    method: str  # the backend switching the panel: wlr-randr, xset, vcgencmd, backlight, black
    failures: int  # switches the backend could not carry out
    changed_at: float  # Unix time of the last change
    stuck: str = ""  # why the panel is not as wanted (the last switch failed and is being retried); "" when it is


class Screen:
    """Switches the panel on the ``screen-power`` thread; ``set_power`` may be called from any thread."""

    def __init__(self, probe: Callable[[], object], bus: EventBus) -> None:
        self._probe = probe  # returns the backend (hardware.display_power); may run commands
        self._bus = bus
        self._backend = None
        self._wanted = (True, "starting")
        self._applied: bool | None = None  # what the panel was last switched to, successfully
        self._failures = 0
        self._stuck = ""  # why the last switch failed; "" after one worked
        self._changed_at = time.time()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = False
        self._applied = None
        self._thread = threading.Thread(target=self._run, name="screen-power", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Light the panel again and stop the thread."""
        if self._thread is None:
            return
        with self._cond:
            self._wanted = (True, "the kiosk stops")
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(10.0)
        self._thread = None

    def set_power(self, on: bool, reason: str) -> None:
        """The core's decision: dark (``on`` False) or lit."""
        with self._cond:
            if self._wanted[0] == on:
                return
            self._wanted = (on, reason)
            self._changed_at = time.time()
            self._cond.notify_all()
        _log.info("screen %s: %s", "on" if on else "off", reason)
        self._bus.emit(ScreenPowerChanged(on=on, reason=reason))

    def status(self) -> ScreenStatus:
        with self._cond:
            on, reason = self._wanted
            stuck = self._stuck if self._applied != on else ""
            return ScreenStatus(on, reason, getattr(self._backend, "name", "probing"), self._failures, self._changed_at,
                                stuck)

    def _run(self) -> None:
        try:
            self._backend = self._probe()
        except Exception as exc:  # noqa: BLE001 - without a backend the black screen still works
            _log.warning("screen power: cannot find a way to switch the panel (%s); the screen goes black instead", exc)
            self._backend = None
        _log.info("screen power: %s", getattr(self._backend, "name", "black"))
        retry_at: float | None = None  # when to try a failed switch again
        backoff = RETRY_MIN_S
        stop_tries = 0
        while True:
            with self._cond:
                while True:
                    on = self._wanted[0]
                    if on == self._applied:
                        if self._stopping:
                            return
                        retry_at, backoff = None, RETRY_MIN_S
                        self._cond.wait()
                        continue
                    if self._stopping or retry_at is None:
                        break
                    wait = retry_at - time.monotonic()
                    if wait <= 0:
                        break
                    self._cond.wait(wait)
                    if self._wanted[0] != on:  # a new wish is carried out at once
                        retry_at, backoff = None, RETRY_MIN_S
            if self._apply(on):
                retry_at, backoff = None, RETRY_MIN_S
                continue
            if self._stopping:
                stop_tries += 1
                if stop_tries >= STOP_TRIES:
                    _log.error("screen power: could not switch the panel on at stop (%s tries); it stays dark", STOP_TRIES)
                    return
                with self._cond:
                    self._cond.wait(STOP_RETRY_S)
                continue
            retry_at = time.monotonic() + backoff
            backoff = min(backoff * 2, RETRY_MAX_S)

    def _apply(self, on: bool) -> bool:
        """Switch the panel; True when it worked (only then is the panel known to be ``on``)."""
        backend = self._backend
        try:
            if backend is not None:
                backend.on() if on else backend.off()
        except Exception as exc:  # noqa: BLE001 - DisplayPowerError, or a driver's own; the cover still works
            with self._cond:
                self._failures += 1
                self._stuck = f"could not switch the panel {'on' if on else 'off'} ({exc}); retrying"
            _quiet.warning("screen power: could not switch the panel %s (%s); retrying", "on" if on else "off", exc)
            return False
        with self._cond:
            if self._stuck:
                _log.info("screen power: the panel is switched %s again", "on" if on else "off")
            self._applied, self._stuck = on, ""
        _quiet.clear()
        return True


class NoScreen:
    """The screen part of a kiosk without a screen (``kiosk serve``, headless tests)."""

    def start(self) -> None:
        """Nothing to switch."""

    def stop(self) -> None:
        """Nothing to switch back."""

    def set_power(self, on: bool, reason: str) -> None:
        """No screen to light or darken."""

    def status(self) -> ScreenStatus | None:
        return None
