"""Screen power backends: probed in the stated order, each switching with the right command."""

from __future__ import annotations

import os
import threading

import pytest

from hardware.display_power import (
    Backlight,
    BlackScreen,
    DisplayPowerError,
    SimulatedDisplay,
    Vcgencmd,
    WlrRandr,
    XsetDpms,
    probe_display_power,
    wlr_outputs,
)
from kiosk.events import EventBus
from kiosk.screen import Screen, ScreenPowerChanged

WLR_LISTING = """HDMI-A-1 "Dell Inc. DELL P2419H (HDMI-A-1)"
  Enabled: yes
  Modes:
    1920x1080 px, 60.000000 Hz (preferred, current)
DSI-1 "DSI panel"
  Enabled: yes
"""
XSET_Q_DPMS = "Keyboard Control:\n ...\nDPMS (Energy Star):\n  Standby: 600    Suspend: 600    Off: 600\n  DPMS is Enabled\n  Monitor is On\n"
XSET_Q_NO_DPMS = "DPMS (Energy Star):\n  Server does not have the DPMS Extension\n"


class Machine:
    """What the commands answer on a pretend machine; records every command run."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str]]) -> None:
        self.answers = answers
        self.ran: list[list[str]] = []

    def run(self, argv, environ):
        self.ran.append(list(argv))
        return self.answers.get(tuple(argv), (0, ""))


@pytest.fixture
def bin_dir(tmp_path):
    """A PATH with the named programs present (empty scripts: the runner is faked)."""
    def make(*names):
        d = tmp_path / "bin"
        d.mkdir(exist_ok=True)
        for name in names:
            p = d / name
            p.write_text("#!/bin/sh\n")
            p.chmod(0o755)
        return str(d)
    return make


def test_wayland_with_wlr_randr_comes_first(bin_dir):
    env = {"PATH": bin_dir("wlr-randr", "xset"), "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    machine = Machine({("wlr-randr",): (0, WLR_LISTING), ("xset", "q"): (0, XSET_Q_DPMS)})
    backend = probe_display_power(environ=env, run=machine.run)
    assert isinstance(backend, WlrRandr) and backend.outputs == ["HDMI-A-1", "DSI-1"]
    backend.off()
    assert machine.ran[-2:] == [["wlr-randr", "--output", "HDMI-A-1", "--off"], ["wlr-randr", "--output", "DSI-1", "--off"]]
    backend.on()
    assert machine.ran[-1] == ["wlr-randr", "--output", "DSI-1", "--on"]


def test_a_named_wlr_output_must_exist(bin_dir):
    env = {"PATH": bin_dir("wlr-randr"), "WAYLAND_DISPLAY": "wayland-0"}
    machine = Machine({("wlr-randr",): (0, WLR_LISTING)})
    assert probe_display_power("auto", "HDMI-A-1", env, machine.run).outputs == ["HDMI-A-1"]
    assert isinstance(probe_display_power("auto", "HDMI-A-2", env, machine.run), BlackScreen)


def test_a_compositor_without_output_management_falls_through_to_xset(bin_dir):
    env = {"PATH": bin_dir("wlr-randr", "xset"), "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    machine = Machine({("wlr-randr",): (1, "compositor doesn't support wlr-output-management-unstable-v1"),
                       ("xset", "q"): (0, XSET_Q_DPMS)})
    backend = probe_display_power(environ=env, run=machine.run)
    assert isinstance(backend, XsetDpms)
    backend.off()
    assert machine.ran[-1] == ["xset", "dpms", "force", "off"]


def test_an_x_server_without_dpms_is_not_used(bin_dir):
    # Xvfb, for one: xset exits 0 but the server has no DPMS.
    env = {"PATH": bin_dir("xset"), "DISPLAY": ":0"}
    backend = probe_display_power(environ=env, run=Machine({("xset", "q"): (0, XSET_Q_NO_DPMS)}).run)
    assert isinstance(backend, BlackScreen)


def test_raspberry_pi_firmware_display_power(bin_dir):
    env = {"PATH": bin_dir("vcgencmd")}
    machine = Machine({("vcgencmd", "display_power"): (0, "display_power=1")})
    backend = probe_display_power(environ=env, run=machine.run)
    assert isinstance(backend, Vcgencmd)
    backend.off()
    assert machine.ran[-1] == ["vcgencmd", "display_power", "0"]
    # Under the full KMS driver the firmware cannot answer: not used.
    machine = Machine({("vcgencmd", "display_power"): (0, "display_power=-1")})
    assert isinstance(probe_display_power(environ=env, run=machine.run), BlackScreen)


def test_a_writable_backlight(tmp_path, bin_dir):
    power = tmp_path / "sys/class/backlight/10-0045/bl_power"
    power.parent.mkdir(parents=True)
    power.write_text("0\n")
    backend = probe_display_power(environ={"PATH": bin_dir()}, run=Machine({}).run, sys_root=tmp_path)
    assert isinstance(backend, Backlight)
    backend.off()
    assert power.read_text() == "4"
    backend.on()
    assert power.read_text() == "0"


def test_nothing_to_switch_is_the_black_screen(bin_dir):
    assert isinstance(probe_display_power(environ={"PATH": bin_dir()}, run=Machine({}).run), BlackScreen)


def test_a_named_backend_that_does_not_work_means_black(bin_dir):
    env = {"PATH": bin_dir("xset"), "DISPLAY": ":0"}
    assert isinstance(probe_display_power("xset", "", env, Machine({("xset", "q"): (0, XSET_Q_NO_DPMS)}).run), BlackScreen)


def test_a_failing_command_raises_one_sentence():
    backend = XsetDpms({}, Machine({("xset", "dpms", "force", "off"): (1, "unable to open display ':9'")}).run)
    with pytest.raises(DisplayPowerError, match="xset dpms force off failed .unable to open display"):
        backend.off()


def test_wlr_outputs_reads_the_listing():
    assert wlr_outputs(WLR_LISTING) == ["HDMI-A-1", "DSI-1"]
    assert wlr_outputs("") == []


def test_the_screen_part_switches_the_panel_off_the_callers_thread():
    bus, seen = EventBus(), []
    bus.subscribe(lambda e: seen.append(e) if isinstance(e, ScreenPowerChanged) else None)
    panel = SimulatedDisplay()
    screen = Screen(lambda: panel, bus)
    screen.start()
    try:
        with panel.changed:
            assert panel.changed.wait_for(lambda: panel.calls, 10), "lit at start"
        assert panel.is_on is True
        screen.set_power(False, "nobody in front of the mirror for 60 s")
        assert seen[-1].on is False  # the window covers itself at once
        with panel.changed:
            assert panel.changed.wait_for(lambda: panel.is_on is False, 10)
        status = screen.status()
        assert not status.on and status.method == "simulated" and status.failures == 0
        screen.set_power(False, "again")  # no change, no event
        assert len(seen) == 1
    finally:
        screen.stop()
    assert panel.is_on is True, "a stopping kiosk leaves the panel lit"
    assert not [t for t in threading.enumerate() if t.name == "screen-power"]


def test_a_panel_that_refuses_is_counted_and_the_screen_still_goes_black():
    bus, seen = EventBus(), []
    bus.subscribe(lambda e: seen.append(e) if isinstance(e, ScreenPowerChanged) else None)
    screen = Screen(lambda: SimulatedDisplay(fail=True), bus)
    screen.start()
    try:
        screen.set_power(False, "empty room")
        assert seen and seen[-1].on is False
        deadline = 100
        while screen.status().failures < 2 and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        assert screen.status().failures >= 2
    finally:
        screen.stop()


def test_the_real_runner_reports_a_missing_program():
    from hardware.display_power import run_command

    code, out = run_command(["surely-not-a-program-xyz"], dict(os.environ))
    assert code == 127 and "not installed" in out


def _until(predicate, timeout=10.0):
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return True
        done.wait(0.02)
    return predicate()


def test_a_failed_switch_on_is_retried_and_health_fails_until_the_panel_is_lit():
    from kiosk.net.health_checks import part_checks
    from kiosk.vitals import Readings

    panel = SimulatedDisplay()
    screen = Screen(lambda: panel, EventBus())
    readings = Readings(screen=screen.status)
    screen.start()
    try:
        screen.set_power(False, "nobody in front of the mirror for 120 s")
        with panel.changed:
            assert panel.changed.wait_for(lambda: panel.is_on is False, 10)
        panel.fail = True  # wlr-randr times out, say
        screen.set_power(True, "someone is in front of the mirror")
        assert _until(lambda: screen.status().stuck)
        check = part_checks(readings)["screen"]
        assert not check.ok and check.detail.startswith("should be lit but the panel is not: could not switch the panel on")
        assert panel.is_on is False
        panel.fail = False  # the next retry works (1 s later)
        with panel.changed:
            assert panel.changed.wait_for(lambda: panel.is_on is True, 10), "the failed switch is retried"
        assert _until(lambda: not screen.status().stuck)
        assert part_checks(readings)["screen"].ok and screen.status().failures == 1
    finally:
        screen.stop()


def test_stop_lights_the_panel_even_when_the_first_try_fails():
    class Flaky(SimulatedDisplay):
        refusals = 1

        def on(self):
            if self.refusals:
                self.refusals -= 1
                raise DisplayPowerError("wlr-randr timed out after 5 s")
            super().on()

    panel = Flaky()
    screen = Screen(lambda: panel, EventBus())
    screen.start()
    with panel.changed:
        assert panel.changed.wait_for(lambda: panel.calls, 10)  # lit at start, after one refusal and one retry
    screen.set_power(False, "closed")
    with panel.changed:
        assert panel.changed.wait_for(lambda: panel.is_on is False, 10)
    panel.refusals = 1
    screen.stop()
    assert panel.is_on is True, "stop() lights the panel, retrying a failed switch"
