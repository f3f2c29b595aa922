"""A plain mirror (its data folder read-only) answers the store's monitoring on its API port: the
public ``/api/v1/health`` (degraded, saying it is a plain mirror and why) and ``/api/v1/metrics``
(``kiosk_data_writable 0``), and nothing else: no API route, console, share link or OpenAPI
document. Loopback only.

The read-only mount is simulated by the mount's flag, as in test_data_folder_read_only.py."""

from __future__ import annotations

import os

import httpx
import pytest

from kiosk.capture import CameraStatus
from kiosk.config import Config
from kiosk.events import EventBus, SessionStateChanged
from kiosk.net.plain_pages import PlainPages, stored_mirror_id
from kiosk.vitals import Readings
from tests.unit._cores import wait_for
from tests.unit.test_data_folder_read_only import read_only


def running() -> CameraStatus:
    return CameraStatus(state="running", reason="", fps=15.0, captured=300, dropped=0, reconnects=0, open_failures=0)


def loopback() -> Config:
    config = Config()
    config.api.bind, config.api.port = "127.0.0.1", 0
    return config


@pytest.fixture
def plain(tmp_path, monkeypatch):
    """A plain mirror's network part, started, its data folder ``tmp_path / "lib"`` on a read-only mount."""
    read_only(monkeypatch, tmp_path)
    bus = EventBus()
    pages = PlainPages(loopback(), tmp_path / "lib", bus, running,
                       Readings(camera=running, painted_fps=lambda: 14.5, disk_floor_bytes=512 * 2**20))
    pages.start()
    try:
        yield pages, bus
    finally:
        pages.stop()


def samples(text: str) -> dict[str, str]:
    return dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_a_plain_mirror_s_health_is_degraded_and_says_why_in_plain_words(plain, tmp_path):
    pages, _ = plain
    answer = httpx.get(f"{pages.url}/api/v1/health", timeout=10)
    assert answer.status_code == 200
    health = answer.json()
    assert health["status"] == "degraded"
    checks = health["checks"]
    assert checks["camera"]["ok"] and "database" not in checks and "sign_in" not in checks
    assert not checks["plain_mirror"]["ok"]
    assert "plain mirror" in checks["plain_mirror"]["detail"]
    assert "no recording, looks, cards" in checks["plain_mirror"]["detail"]
    assert not checks["data_folder"]["ok"] and "read-only file system" in checks["data_folder"]["detail"]
    assert checks["disk"]["ok"]
    assert any(p.startswith("plain_mirror: the mirror runs as a plain mirror") for p in health["problems"])
    assert str(tmp_path) not in answer.text, "the public health names no file path"
    assert not (tmp_path / "lib").exists(), "nothing written"


def test_a_plain_mirror_s_metrics_have_its_readings_and_the_data_folder_gauge_at_0(plain):
    pages, bus = plain
    answer = httpx.get(f"{pages.url}/api/v1/metrics", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    figures = samples(answer.text)
    assert figures["kiosk_data_writable"] == "0"
    assert figures["kiosk_camera_up"] == "1" and figures["kiosk_painted_fps"] == "14.5"
    assert figures["kiosk_session_active"] == "0" and "kiosk_disk_free_bytes" in figures
    assert "# HELP kiosk_data_writable " in answer.text and "# TYPE kiosk_data_writable gauge" in answer.text
    # nothing of the network part it does not have
    assert not any(name.startswith(("kiosk_assist", "kiosk_pin_", "kiosk_event_clients", "kiosk_webhook", "kiosk_looks"))
                   for name in figures)
    bus.emit(SessionStateChanged(state="session", session_id="v1", started_at=1.0))  # a visit starts
    assert wait_for(lambda: samples(httpx.get(f"{pages.url}/api/v1/metrics", timeout=10).text)["kiosk_sessions_total"]
                    == "1")
    assert samples(httpx.get(f"{pages.url}/api/v1/metrics", timeout=10).text)["kiosk_session_active"] == "1"


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/status"), ("GET", "/api/v1/session"), ("GET", "/api/v1/looks"), ("GET", "/api/v1/events"),
    ("POST", "/api/v1/assist"), ("POST", "/api/v1/console/sign-in"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/console"), ("GET", "/s/abcdef"), ("GET", "/docs"),
])
def test_a_plain_mirror_serves_nothing_but_its_two_public_pages(plain, method, path):
    pages, _ = plain
    answer = httpx.request(method, pages.url + path, headers={"Authorization": "Bearer " + "x" * 40}, timeout=10)
    assert answer.status_code == 404, (path, answer.status_code, answer.text)
    assert answer.json()["error"] == "not_found"


def test_the_full_kiosk_s_metrics_read_1_while_its_folder_can_be_written_and_0_once_it_cannot(tmp_path, monkeypatch):
    from dataclasses import replace

    from kiosk.net.metrics_text import render_metrics
    from tests.integration.test_monitoring_rules import serve_context

    with serve_context(tmp_path) as ctx:
        ctx = replace(ctx, data_dir=tmp_path)
        assert samples(render_metrics(ctx))["kiosk_data_writable"] == "1"
        read_only(monkeypatch, tmp_path)
        assert samples(render_metrics(ctx))["kiosk_data_writable"] == "0"


def test_the_mirror_s_id_is_read_from_its_read_only_network_database_without_writing(tmp_path, monkeypatch):
    from kiosk.net.db import FILENAME, NetworkDatabase

    db = NetworkDatabase(tmp_path / FILENAME)
    db.open()
    mirror_id = db.mirror_id()
    db.close()
    before = sorted(os.listdir(tmp_path))
    read_only(monkeypatch, tmp_path)
    assert stored_mirror_id(Config(), tmp_path) == mirror_id
    assert sorted(os.listdir(tmp_path)) == before
    configured = Config()
    configured.api.mirror_id = "4b0a3c55-1e2f-4b8e-9a77-0c5d1e2f3a4b"
    assert stored_mirror_id(configured, tmp_path) == configured.api.mirror_id
    assert stored_mirror_id(Config(), tmp_path / "empty") == ""


def test_a_port_in_use_is_one_sentence_and_the_mirror_goes_on(tmp_path):
    import socket

    from kiosk.errors import NetServiceError

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    config = loopback()
    config.api.port = taken.getsockname()[1]
    pages = PlainPages(config, tmp_path, EventBus(), running)
    try:
        with pytest.raises(NetServiceError, match="already in use"):
            pages.start()
        assert "already in use" in pages.health() and not pages.available
    finally:
        taken.close()
        pages.stop()
