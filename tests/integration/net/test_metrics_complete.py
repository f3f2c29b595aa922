"""A full kiosk's /metrics and /health: every documented metric served, every served metric documented."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from kiosk.core import KioskCore
from kiosk.wiring import Switches, build_parts

from .conftest import server_config, write_store_secret

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[3] / "docs" / "METRICS.md"


def documented() -> dict[str, str]:
    """Metric name → type, from the table in docs/METRICS.md."""
    rows = re.findall(r"^\| `(kiosk_[a-z_]+)` \| (gauge|counter) \|", DOC.read_text(), re.M)
    assert rows, "no metrics table in docs/METRICS.md"
    return dict(rows)


def served(text: str) -> dict[str, str]:
    """Metric name → type from the # TYPE lines; each metric also has # HELP and a sample."""
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    helps = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    samples = {line.split("{")[0].split()[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert set(types) == helps == samples, (set(types) ^ helps, set(types) ^ samples)
    return types


def value(text: str, name: str) -> float:
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    assert match, f"{name} missing"
    return float(match.group(1))


def test_a_full_kiosk_serves_every_documented_metric(tmp_path):
    config = server_config()
    config.library.data_dir = str(tmp_path / "lib")
    config.reader.port = str(tmp_path / "no-reader")  # configured but absent: kiosk_reader_up 0
    config.webhook.secret = "s" * 32
    config.webhook.url = "http://127.0.0.1:9/hook"  # loopback, nothing listens: deliveries wait
    switches = Switches(source="synthetic:?width=320&height=240&fps=15", network=True, analysis=True, window=True,
                        watchdog=True, library_dir=str(tmp_path / "lib"))
    core = KioskCore(build_parts(config, switches))
    core.start()
    try:
        url = core.parts.network.url
        deadline = time.monotonic() + 120  # the pose model loads first
        while True:
            text = httpx.get(url + "/api/v1/metrics").text
            ready = value(text, "kiosk_analysis_up") == 1 and value(text, "kiosk_camera_fps") > 5
            if ready or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        types = served(text)
        docs = documented()
        assert set(types) == set(docs), f"served, not documented: {set(types) - set(docs)}; documented, not served: {set(docs) - set(types)}"
        assert types == docs, "a metric's type differs from its documentation"
        assert all(name.endswith("_total") for name, kind in types.items() if kind == "counter")
        assert value(text, "kiosk_analysis_up") == 1 and value(text, "kiosk_camera_up") == 1
        assert value(text, "kiosk_camera_configured") == 1
        assert value(text, "kiosk_data_writable") == 1  # a plain mirror's is 0 (test_plain_pages.py)
        assert value(text, "kiosk_screen_on") == 1 and value(text, "kiosk_reader_up") == 0
        assert value(text, "kiosk_uptime_seconds") > 0 and value(text, "kiosk_disk_min_free_bytes") == 500 * 2**20
        # A restart must be visible: the start time to the millisecond, not six digits of it.
        assert value(text, "kiosk_start_time_seconds") == pytest.approx(core.parts.network.ctx.started_at, abs=0.01)
        ctx = core.parts.network.ctx
        assert f'kiosk_build_info{{version="{ctx.version}",release="{ctx.release}"}} 1' in text

        health = httpx.get(url + "/api/v1/health").json()
        assert {"camera", "analysis", "reader", "screen", "database", "library", "disk", "data_folder", "webhook"} <= set(
            health["checks"])
        assert health["checks"]["analysis"]["ok"] and not health["checks"]["reader"]["ok"]
        assert "lit (starting); switched by" in health["checks"]["screen"]["detail"]
        assert health["status"] == "degraded" and any(p.startswith("reader: unavailable") for p in health["problems"])
        assert health["version"] == core.parts.network.ctx.version
    finally:
        core.stop()


def test_kiosk_serve_leaves_out_what_it_does_not_have(tmp_path):
    config = server_config()
    switches = Switches(camera=False, record=False, analysis=False, library=True, network=True, optional=(),
                        watchdog=True, library_dir=str(tmp_path / "lib"))
    # the tests' store secret, as provisioning copies the store's: a secret of its own would not be the
    # one that mirrors of other test runs, found on loopback, prove (store_secret would then fail)
    write_store_secret(tmp_path / "lib" / "store-secret")
    core = KioskCore(build_parts(config, switches))
    core.start()
    try:
        text = httpx.get(core.parts.network.url + "/api/v1/metrics").text
        types = served(text)
        assert set(types) <= set(documented())
        assert value(text, "kiosk_camera_up") == 0 and value(text, "kiosk_camera_configured") == 0
        for absent in ("kiosk_camera_fps", "kiosk_painted_fps", "kiosk_analysis_up", "kiosk_screen_on", "kiosk_reader_up",
                       "kiosk_recording_active"):
            assert absent not in types
        health = httpx.get(core.parts.network.url + "/api/v1/health").json()
        assert health["status"] == "ok" and health["last_error"] is None
    finally:
        core.stop()
