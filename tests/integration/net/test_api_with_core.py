"""The network services attached to a running kiosk core, as ``kiosk run`` does (no window)."""

from __future__ import annotations

import time

import httpx
import pytest

from kiosk.config import Config
from kiosk.wiring import build_core

from .conftest import TOKEN, server_config

pytestmark = pytest.mark.slow


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} missing")


def test_live_core_state_reaches_status_session_and_metrics(tmp_path):
    config: Config = server_config()
    core = build_core(config, "synthetic:?width=640&height=360&fps=15", library_dir=str(tmp_path), analysis=False,
                      network=True)
    core.start()
    net = core.parts.network
    assert net.available, core.health()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            metrics = httpx.get(net.url + "/api/v1/metrics").text
            if _metric(metrics, "kiosk_camera_fps") > 5:
                break
            time.sleep(0.2)
        assert _metric(metrics, "kiosk_camera_up") == 1
        assert _metric(metrics, "kiosk_camera_fps") > 5
        assert httpx.get(net.url + "/api/v1/health").json()["checks"]["camera"]["ok"]

        core.touch()  # a shopper touches the mirror
        deadline = time.monotonic() + 5
        while httpx.get(net.url + "/api/v1/status").json()["state"] != "session" and time.monotonic() < deadline:
            time.sleep(0.05)
        session = httpx.get(net.url + "/api/v1/session", headers=auth).json()
        assert session["state"] == "session"
        assert session["session_id"] == core.session.session_id
        assert session["camera"] == "running"
        assert abs(session["started_at"] - time.time()) < 10
        assert _metric(httpx.get(net.url + "/api/v1/metrics").text, "kiosk_sessions_total") == 1
    finally:
        core.stop()
