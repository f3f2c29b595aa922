"""Screen power: turn the panel off and on through whatever the platform offers.

Backends, probed in this order (``probe_display_power``); the first that answers is used:

1. ``wlr-randr`` — under a wlroots Wayland compositor (cage ≥ 0.1.5 speaks the
   output-management protocol it needs): ``wlr-randr --output NAME --off`` / ``--on``.
2. ``xset`` — under X with the DPMS extension: ``xset dpms force off`` / ``on``.
3. ``vcgencmd`` — a Raspberry Pi with the firmware display driver:
   ``vcgencmd display_power 0`` / ``1``.
4. ``backlight`` — a panel with a kernel backlight (the Pi's DSI touch screens):
   ``/sys/class/backlight/*/bl_power`` 4 (powered down) / 0, when the file is writable.
5. ``black`` — nothing to switch: the mirror's screen shows black, which behind mirror glass
   reads as a plain mirror (the UI does that part; this backend does nothing).

Qt's ``eglfs`` holds the DRM device itself, so no other process may switch a KMS output
under it; there, only 3–5 apply. Each backend's ``off``/``on`` run a short command or write
one file and raise ``DisplayPowerError`` with a plain sentence when it fails. None of them
is ever called on the UI thread. ``SimulatedDisplay`` records what it was told (tests,
``kiosk bench wake``). This module imports nothing of ours.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

_log = logging.getLogger(__name__)

TIMEOUT_S = 3.0
BACKENDS = ("wlr-randr", "xset", "vcgencmd", "backlight", "black")

Runner = Callable[[list[str], Mapping[str, str]], tuple[int, str]]


class DisplayPowerError(Exception):
    """Switching the screen failed; the message says how, in plain words."""


def run_command(argv: list[str], environ: Mapping[str, str]) -> tuple[int, str]:
    """Run ``argv`` with a time limit; (exit status, stdout+stderr). 127: not found, 124: timed out."""
    try:
        proc = subprocess.run(argv, env=dict(environ), capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except FileNotFoundError:
        return 127, f"{argv[0]} is not installed"
    except subprocess.TimeoutExpired:
        return 124, f"{argv[0]} did not answer within {TIMEOUT_S:g} s"
    except OSError as exc:
        return 126, f"{argv[0]} cannot run ({exc.strerror})"
    return proc.returncode, (proc.stdout + proc.stderr).strip()


class _Command:
    """A backend that switches the screen with one command each way."""

    name = ""

    def __init__(self, environ: Mapping[str, str], run: Runner = run_command) -> None:
        self.environ = environ
        self.run = run

    def off(self) -> None:
        self._do(self._argv(False))

    def on(self) -> None:
        self._do(self._argv(True))

    def _argv(self, on: bool) -> list[str]:
        raise NotImplementedError

    def _do(self, argv: list[str]) -> None:
        code, out = self.run(argv, self.environ)
        if code != 0 or "error" in out.lower() or "does not have" in out:
            raise DisplayPowerError(f"{' '.join(argv)} failed ({out or f'exit status {code}'})")


class WlrRandr(_Command):
    """Outputs of a wlroots compositor, switched with ``wlr-randr``."""

    name = "wlr-randr"

    def __init__(self, outputs: list[str], environ: Mapping[str, str], run: Runner = run_command) -> None:
        super().__init__(environ, run)
        self.outputs = outputs

    def off(self) -> None:
        for output in self.outputs:
            self._do(["wlr-randr", "--output", output, "--off"])

    def on(self) -> None:
        for output in self.outputs:
            self._do(["wlr-randr", "--output", output, "--on"])


class XsetDpms(_Command):
    """An X server's DPMS, switched with ``xset``."""

    name = "xset"

    def _argv(self, on: bool) -> list[str]:
        return ["xset", "dpms", "force", "on" if on else "off"]


class Vcgencmd(_Command):
    """A Raspberry Pi's HDMI output through the firmware (``vcgencmd display_power``)."""

    name = "vcgencmd"

    def _argv(self, on: bool) -> list[str]:
        return ["vcgencmd", "display_power", "1" if on else "0"]


class Backlight:
    """A panel's kernel backlight: ``bl_power`` 0 is on, 4 (FB_BLANK_POWERDOWN) is off."""

    name = "backlight"

    def __init__(self, path: Path) -> None:
        self.path = path

    def off(self) -> None:
        self._write("4")

    def on(self) -> None:
        self._write("0")

    def _write(self, value: str) -> None:
        try:
            self.path.write_text(value)
        except OSError as exc:
            raise DisplayPowerError(f"cannot write {self.path} ({exc.strerror})") from None


class BlackScreen:
    """No switch at all: the screen shows black (done by the UI); behind mirror glass, a plain mirror."""

    name = "black"

    def off(self) -> None:
        """The UI covers the screen."""

    def on(self) -> None:
        """The UI uncovers the screen."""


class SimulatedDisplay:
    """A screen that only records what it was told: [(monotonic time, on?)]; optional delay per switch."""

    def __init__(self, name: str = "simulated", delay_s: float = 0.0, fail: bool = False) -> None:
        self.name = name
        self.delay_s = delay_s
        self.fail = fail
        self.calls: list[tuple[float, bool]] = []
        self.changed = threading.Condition()

    @property
    def is_on(self) -> bool | None:
        return self.calls[-1][1] if self.calls else None

    def off(self) -> None:
        self._switch(False)

    def on(self) -> None:
        self._switch(True)

    def _switch(self, on: bool) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail:
            raise DisplayPowerError(f"the simulated screen refuses to turn {'on' if on else 'off'}")
        with self.changed:
            self.calls.append((time.monotonic(), on))
            self.changed.notify_all()


# -- probing -----------------------------------------------------------------------------------


def probe_display_power(
    wanted: str = "auto",
    output: str = "",
    environ: Mapping[str, str] | None = None,
    run: Runner = run_command,
    sys_root: Path = Path("/"),
):
    """The first backend of ``BACKENDS`` that answers here (``wanted``: that one or nothing but black)."""
    env = os.environ if environ is None else environ
    order = BACKENDS if wanted == "auto" else (wanted,)
    for name in order:
        backend = _try(name, output, env, run, sys_root)
        if backend is not None:
            return backend
        if wanted != "auto":
            _log.warning("screen power: %s does not work here; the screen goes black instead", name)
    return BlackScreen()


def _try(name: str, output: str, env: Mapping[str, str], run: Runner, sys_root: Path):
    if name == "wlr-randr":
        return _try_wlr_randr(output, env, run)
    if name == "xset":
        if not env.get("DISPLAY") or not _installed("xset", env):
            return None
        code, out = run(["xset", "q"], env)
        return XsetDpms(env, run) if code == 0 and "DPMS is" in out else None
    if name == "vcgencmd":
        if not _installed("vcgencmd", env):
            return None
        code, out = run(["vcgencmd", "display_power"], env)
        return Vcgencmd(env, run) if code == 0 and out.strip() in ("display_power=0", "display_power=1") else None
    if name == "backlight":
        for power in sorted((sys_root / "sys/class/backlight").glob("*/bl_power")):
            if os.access(power, os.W_OK):
                return Backlight(power)
        return None
    if name == "black":
        return BlackScreen()
    raise ValueError(f"unknown screen power backend {name!r}")


def _try_wlr_randr(output: str, env: Mapping[str, str], run: Runner):
    if not env.get("WAYLAND_DISPLAY") or not _installed("wlr-randr", env):
        return None
    code, out = run(["wlr-randr"], env)
    if code != 0:
        return None  # e.g. a compositor without the output-management protocol (cage 0.1.4)
    outputs = wlr_outputs(out)
    if output:
        return WlrRandr([output], env, run) if output in outputs else None
    return WlrRandr(outputs, env, run) if outputs else None


def wlr_outputs(listing: str) -> list[str]:
    """Output names in ``wlr-randr``'s listing: the lines that do not start with a space."""
    return [line.split()[0] for line in listing.splitlines() if line and not line[0].isspace()]


def _installed(program: str, env: Mapping[str, str]) -> bool:
    return shutil.which(program, path=env.get("PATH", os.defpath)) is not None
