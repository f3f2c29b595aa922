"""The screen's power as a part of the kiosk: the core decides when, this part carries it out.

The core's ``screen_step`` (``kiosk.screen_policy``) decides; ``Effects.screen_power`` calls
``Screen.set_power``. That publishes ``ScreenPowerChanged`` at once (the window covers itself
in black or uncovers, on the UI thread: instant, and the last resort when nothing else can
switch the panel) and wakes the ``screen-power`` thread, which switches the panel through the
backend ``kiosk.wiring`` probed (``hardware.display_power``: wlr-randr, xset, vcgencmd, a
backlight, or nothing). The panel commands take milliseconds to a few seconds and may hang, so
they never run on the core's or the UI's thread; only the newest wish is carried out.

At start the panel is switched on (a kiosk that crashed while dark must not come back dark),
and at stop too (store IT at the console, or the next start, expects a lit screen).
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


class Screen:
    """Switches the panel on the ``screen-power`` thread; ``set_power`` may be called from any thread."""

    def __init__(self, probe: Callable[[], object], bus: EventBus) -> None:
        self._probe = probe  # returns the backend (hardware.display_power); may run commands
        self._bus = bus
        self._backend = None
        self._wanted = (True, "starting")
        self._applied: bool | None = None
        self._failures = 0
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
            return ScreenStatus(on, reason, getattr(self._backend, "name", "probing"), self._failures, self._changed_at)

    def _run(self) -> None:
        try:
            self._backend = self._probe()
        except Exception as exc:  # noqa: BLE001 - without a backend the black screen still works
            _log.warning("screen power: cannot find a way to switch the panel (%s); the screen goes black instead", exc)
            self._backend = None
        _log.info("screen power: %s", getattr(self._backend, "name", "black"))
        while True:
            with self._cond:
                while self._wanted[0] == self._applied and not self._stopping:
                    self._cond.wait()
                on = self._wanted[0]
                last = self._stopping and on == self._applied
            if last:
                return
            self._apply(on)
            if self._stopping:
                return

    def _apply(self, on: bool) -> None:
        backend = self._backend
        try:
            if backend is not None:
                backend.on() if on else backend.off()
            _quiet.clear()
        except Exception as exc:  # noqa: BLE001 - DisplayPowerError, or a driver's own; the cover still works
            with self._cond:
                self._failures += 1
            _quiet.warning("screen power: could not switch the panel %s (%s)", "on" if on else "off", exc)
        self._applied = on


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
