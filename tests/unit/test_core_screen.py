"""The core darkens and lights the screen: an empty room, a person, a touch, the opening hours."""

from __future__ import annotations

import dataclasses
import time

import pytest

from hardware.display_power import SimulatedDisplay
from kiosk.analysis.events import PresenceSample
from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.screen import ScreenPowerChanged
from kiosk.wiring import Switches, build_parts, build_screen


class PacedAnalysis:
    """An analysis part that only records the pace the core asks for."""

    worker = None

    def __init__(self) -> None:
        self.paces: list[float | None] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def pace(self, fps: float | None) -> None:
        self.paces.append(fps)


def closed_now() -> str:
    """One opening hour half a day away from now: closed when the test runs, even if that is
    hours after the parameters were collected (a suite started before midnight once ran this
    after it, inside the hour it had picked)."""
    start = min((time.localtime().tm_hour + 12) % 24, 22)
    return f"Mo-Su {start:02d}:00-{start + 1:02d}:00"


@pytest.fixture
def kiosk(tmp_path, request):
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    config.display.sleep_after_s = 1.0
    config.display.opening_hours = getattr(request, "param", "")
    parts = build_parts(config, Switches(source="synthetic:?width=160&height=120&fps=15", record=False))
    panel, analysis = SimulatedDisplay(), PacedAnalysis()
    parts = dataclasses.replace(parts, screen=build_screen(config, parts.bus, backend=panel), analysis=analysis)
    core = KioskCore(parts)
    events: list = []
    core.bus.subscribe(lambda e: events.append(e) if isinstance(e, ScreenPowerChanged) else None)
    core.start()
    yield core, panel, analysis, events
    core.stop()


def wait_panel(panel: SimulatedDisplay, on: bool, timeout: float = 15.0) -> None:
    with panel.changed:
        assert panel.changed.wait_for(lambda: panel.is_on is on, timeout), f"the panel never turned {'on' if on else 'off'}"


def person(core, full_body: bool = False, later_s: float = 0.0) -> None:
    core.bus.emit(PresenceSample(t=time.monotonic() + later_s, seen=True, full_body=full_body))


def test_an_empty_room_darkens_the_screen_and_a_person_or_a_touch_lights_it(kiosk):
    core, panel, analysis, events = kiosk
    wait_panel(panel, True)  # lit at start
    wait_panel(panel, False)  # a second with nobody
    assert events[-1].on is False and "nobody" in events[-1].reason
    assert core.flush() and analysis.paces[-1] == core.config.display.dark_analysis_fps
    person(core)
    wait_panel(panel, True)
    assert core.flush() and analysis.paces[-1] is None, "the analysis is back at full rate"
    assert core.session.phase.value == "idle", "a glimpse of someone lights the screen but starts no session"
    wait_panel(panel, False)
    core.touch()
    wait_panel(panel, True)
    assert core.flush() and core.session.phase.value == "session"


@pytest.mark.parametrize("kiosk", [closed_now()], indirect=True)
def test_outside_opening_hours_presence_wakes_nothing_but_a_touch_does(kiosk):
    core, panel, analysis, events = kiosk
    wait_panel(panel, False)
    assert events[-1].reason == "outside opening hours"
    for step in range(6):  # a whole person in view for more than session.wake_after_s
        person(core, full_body=True, later_s=0.3 * step)
    assert core.flush() and panel.is_on is False and core.session.phase.value == "idle"
    core.touch()
    wait_panel(panel, True)
    assert core.flush() and core.session.phase.value == "session"
    core.end_session()
    wait_panel(panel, False)  # the session is over: dark at once
