"""The network services attached to a running kiosk core, as ``kiosk run`` does (no window)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from kiosk.config import Config
from kiosk.wiring import build_core

from tests.integration.faults.waiting import wait_for

from .conftest import TOKEN, server_config

pytestmark = pytest.mark.slow


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} missing")


@contextmanager
def running_core(config: Config, tmp_path) -> Iterator[tuple]:
    """A kiosk core with its network services, as ``kiosk run`` builds it (a small synthetic camera, no
    analysis), started: (core, every bus event it heard, its network part); stopped at the end."""
    core = build_core(config, "synthetic:?width=320&height=240&fps=15", library_dir=str(tmp_path), analysis=False,
                      network=True)
    heard: list = []
    core.bus.subscribe(heard.append)
    core.start()
    try:
        net = core.parts.network
        assert net.available, core.health()
        yield core, heard, net
    finally:
        core.stop()


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


def test_a_look_deleted_from_a_tablet_leaves_the_mirrors_screen_at_once(tmp_path):
    # The shopper, still at the mirror, asks an associate to delete a look she kept: the tray the
    # screen shows (and with it the replay, a comparison and the associate panel) lets it go.
    from kiosk.events import LookDeleted, TrayChanged

    from .conftest import PIN

    with running_core(server_config(), tmp_path) as (core, heard, net):
        look_id = _kept_look(core, heard)

        def tray() -> tuple:
            changes = [e for e in list(heard) if isinstance(e, TrayChanged)]
            return tuple(look.id for look in changes[-1].looks) if changes else ()

        wait_for(lambda: tray() == (look_id,), 10, "the look never reached the tray")
        sign_in = httpx.post(net.url + "/console/api/sign-in", json={"secret": PIN}).json()
        deleted = httpx.delete(net.url + f"/api/v1/looks/{look_id}",
                               headers={"Authorization": f"Bearer {sign_in['token']}"})
        assert deleted.status_code == 204
        wait_for(lambda: tray() == (), 10, "the deleted look stayed in the mirror's tray")
        assert [(e.look_id, e.by) for e in heard if isinstance(e, LookDeleted)] == [(look_id, "associate")]


def test_a_link_the_store_revokes_takes_its_code_off_the_mirrors_screen(tmp_path):
    # The shopper's code is up; store IT revokes that link (DELETE /api/v1/shares/{token}): the
    # screen hears which link went (by its name, never the token) and takes the code down.
    from kiosk.events import LinkRevoked, ShareShown

    with running_core(server_config(public_url="http://127.0.0.1:9"), tmp_path) as (core, heard, net):
        look_id = _kept_look(core, heard)
        core.share(look_id)
        wait_for(lambda: any(isinstance(e, ShareShown) for e in heard), 10, "no code came up")
        shown = next(e for e in heard if isinstance(e, ShareShown))
        token = shown.url.rsplit("/s/", 1)[1]
        assert httpx.delete(net.url + f"/api/v1/shares/{token}",
                            headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 204
        wait_for(lambda: any(isinstance(e, LinkRevoked) for e in heard), 10, "the mirror never heard of it")
        assert [e.share_id for e in heard if isinstance(e, LinkRevoked)] == [shown.share_id]
        assert shown.share_id and token not in shown.share_id


def _kept_look(core, heard: list) -> str:
    """Start a visit, say yes, record a look of 1.5 s and wait until it landed: its id."""
    from kiosk.recording.events import LookRecorded, RecordingStarted

    core.touch()
    core.ask_consent()
    core.answer_consent(True)
    core.start_recording()
    wait_for(lambda: any(isinstance(e, RecordingStarted) for e in heard), 10, "the take did not start")
    started = next(e for e in heard if isinstance(e, RecordingStarted))
    wait_for(lambda: (f := core.hub.latest()) is not None and f.ts - started.at > 1.5, 10, "no picture came")
    core.stop_recording()
    wait_for(lambda: any(isinstance(e, LookRecorded) for e in heard), 10, "the take did not land")
    return next(e for e in heard if isinstance(e, LookRecorded)).look_id
