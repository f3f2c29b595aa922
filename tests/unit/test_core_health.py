"""The core thread's faults reach /api/v1/health, the metrics and the error log, not only core.health()."""

import logging
import time

import httpx
import pytest

from kiosk.events import CoreFault
from kiosk.net.health_checks import core_check
from kiosk.session import Tick
from kiosk.vitals import CoreHealth
from kiosk.wiring import build_core
from tests.integration.faults.waiting import wait_until
from tests.unit._cores import CAMERA, core_config


@pytest.fixture
def core(tmp_path):
    core = build_core(core_config(tmp_path, api=True), CAMERA, network=True)
    core.start()
    yield core
    core.stop()


def test_a_core_failing_on_every_tick_degrades_health_and_counts_as_an_error(core, monkeypatch, caplog):
    url = core.parts.network.url
    assert httpx.get(url + "/api/v1/health").json()["checks"]["core"] == {"ok": True, "detail": "running"}
    feed = core._feed

    def broken(item):
        if isinstance(item, Tick):
            raise KeyError("phase")
        return feed(item)

    told = []
    core.parts.bus.subscribe(lambda e: told.append(e) if isinstance(e, CoreFault) else None)
    caplog.set_level(logging.DEBUG, logger="kiosk.core")
    monkeypatch.setattr(core, "_feed", broken)
    wait_until(lambda: core.health()["faults"] >= 3, "core.health()['faults'] >= 3", 15, every=0.05)
    monkeypatch.setattr(core, "_feed", feed)  # the clock is handled again: the count settles
    wait_until(lambda: len(told) == core.health()["faults"], "one CoreFault on the bus per fault", 5, every=0.05)
    health = httpx.get(url + "/api/v1/health").json()
    assert health["status"] == "degraded" and not health["checks"]["core"]["ok"]
    problem = next(p for p in health["problems"] if p.startswith("core: "))
    assert "could not handle the clock: KeyError" in problem and " UTC)" in problem and "s ago" in problem
    assert "kiosk.core: the core could not handle the clock" in health["last_error"]
    metrics = httpx.get(url + "/api/v1/metrics").text
    assert "kiosk_errors_total 1\n" in metrics and "kiosk_core_up 1\n" in metrics
    faults = int(metrics.split("\nkiosk_core_faults_total ")[1].split()[0])
    assert faults >= 3
    errors = [r for r in caplog.records if r.name == "kiosk.core" and r.levelno >= logging.ERROR]
    assert len(errors) == 1, "the first fault of its kind at ERROR, the rest quietly"


def test_the_core_check_fails_while_the_thread_is_dead_and_names_parts_that_are_off():
    health = CoreHealth()
    assert core_check(health.read()).ok  # starting: nothing handled yet
    health.watch(lambda: False)
    health.started(True)
    check = core_check(health.read())
    assert not check.ok and "the core thread has stopped" in check.detail
    health.watch(lambda: True)
    health.part_off("network", "port 8443 is taken")
    check = core_check(health.read())
    assert not check.ok and "the network part could not start and is off (port 8443 is taken)" in check.detail
    health.started(False)
    assert core_check(CoreHealth().read()).detail == "starting"


def test_an_old_fault_no_longer_fails_the_check_but_stays_in_its_detail(monkeypatch):
    health = CoreHealth()
    health.watch(lambda: True)
    health.started(True)
    assert health.fault("the clock", KeyError("phase")) is True
    assert health.fault("the clock", KeyError("phase")) is False  # same kind: logged quietly
    assert health.fault("the clock", ValueError("x")) is True
    assert not core_check(health.read()).ok
    later = time.time() + CoreHealth.RECENT_S + 1
    monkeypatch.setattr(time, "time", lambda: later)
    check = core_check(health.read())
    assert check.ok and check.detail.startswith("running; 3 faults since start, the last at ")
