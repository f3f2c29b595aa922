"""The kiosk killed in the middle of a take, and stopped in the middle of a share, then started again.

One library and one kiosk lineage for the module: each test kills or stops the running kiosk
and starts it again on the same data folder and port, as systemd does. SIGKILL mid-take (a
power cut as far as the kiosk can tell): a take of a visit whose shopper said yes comes back
kept; a visit without a yes leaves nothing behind, neither the take nor its earlier looks.
SIGTERM while the share code is on screen and a phone is still downloading the look: the kiosk
exits cleanly within the time systemd gives it, nothing half-written stays, and the link on the
screen works after the restart. After each restart the mirror paints live again, and the new
process holds the same threads and open files as the first one did.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.faults.kiosk_process import KioskProcess, Resources, Setup
from tests.integration.faults.waiting import wait_until
from tests.screen import read_qr

pytestmark = [pytest.mark.ui, pytest.mark.slow]

START_S = 90.0  # start-up to a live picture on a loaded 2-core machine (stated: the mirror paints at once)
STOP_S = 30.0  # well inside systemd's TimeoutStopSec


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mirror(xvfb, person_clip, tmp_path_factory):
    work = tmp_path_factory.mktemp("crash")
    setup = Setup(library=work / "library", source=f"file:{person_clip}?loop=1", port=free_port())
    with KioskProcess(xvfb, work, setup) as kiosk:
        kiosk.touch()
        kiosk.warm_up()
        kiosk.baseline = kiosk.resources()
        yield kiosk
        assert kiosk.stop() == 0, kiosk.tail()


def restart(mirror) -> int:
    """Start the kiosk again on the same data folder; returns its log mark."""
    since = mirror.mark()
    mirror.start(timeout=START_S)
    mirror.touch()
    mirror.live(timeout=START_S)
    return since


def same_as_first_run(mirror) -> None:
    """A restarted kiosk, warmed up, holds what the first one held (recovery leaves nothing open)."""
    mirror.warm_up()
    base: Resources = mirror.baseline
    now = mirror.settles_to(base, timeout=30)
    assert now.threads == base.threads and len(now.fds) == len(base.fds), (base.describe(), now.describe())


def kill_mid_take(mirror) -> str:
    """Start a take, let a second and a half of it be written, SIGKILL the kiosk; returns the take's id."""
    since = mirror.mark()
    mirror.touch(*mirror.record_button)
    look_id = mirror.wait_log(r"recording (\S+) started", since, 30).group(1)
    start = mirror.camera_frames()
    wait_until(lambda: mirror.camera_frames() >= start + 45, "a second and a half of the take", 60)
    take = mirror.setup.library / "work" / look_id / "take.mp4"
    wait_until(lambda: take.exists() and take.stat().st_size > 0, "the take on disk", 30)
    mirror.kill()
    return look_id


def files_of(library: Path) -> set[str]:
    return {path.name.split(".")[0] for path in (library / "looks").iterdir()}


def test_sigkill_mid_take_a_consented_take_comes_back_consented(mirror):
    library = mirror.setup.library
    mirror.live(timeout=60)
    first = mirror.record()
    wait_until(lambda: first in mirror.api_look_ids(), "the first look landing", 60)
    mirror.touch_replay(3)  # Keep
    mirror.answer(0)  # yes: this visit's looks are kept
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=30)
    cut = kill_mid_take(mirror)

    since = restart(mirror)
    mirror.wait_log(r"recovery: 1 interrupted recording saved", since, 30)
    looks = {look["id"]: look for look in mirror.looks()}
    assert set(looks) == {first, cut}, looks
    assert looks[cut]["consent"] == "granted" and looks[cut]["duration_s"] >= 1.0, looks[cut]
    assert looks[first]["consent"] == "granted"
    assert files_of(library) == {first, cut} and not list((library / "work").iterdir())
    same_as_first_run(mirror)
    assert not mirror.tracebacks(since)


def test_sigkill_mid_take_without_consent_keeps_nothing_of_that_visit(mirror):
    library = mirror.setup.library
    kept = {look["id"] for look in mirror.looks()}
    mirror.live(timeout=60)
    landed = mirror.record()  # a look of this visit, no yes given
    wait_until(lambda: landed in mirror.api_look_ids(), "the look landing", 60)
    mirror.touch_replay(0)
    mirror.live(timeout=30)
    cut = kill_mid_take(mirror)
    assert landed in files_of(library)

    since = restart(mirror)
    mirror.wait_log(r"recovery: .*1 recording without the shopper's consent removed", since, 30)
    mirror.wait_log(r"deleted 1 unconsented looks of earlier sessions", since, 30)
    assert {look["id"] for look in mirror.looks()} == kept and cut not in kept
    assert files_of(library) == kept and not list((library / "work").iterdir())
    same_as_first_run(mirror)
    assert not mirror.tracebacks(since)


def test_sigterm_during_a_share_exits_cleanly_and_the_link_works_after_the_restart(mirror):
    library = mirror.setup.library
    mirror.live(timeout=60)
    look_id = mirror.record()
    wait_until(lambda: look_id in mirror.api_look_ids(), "the look landing", 60)
    mirror.touch_replay(2)  # Share: not kept yet, so the consent question first
    mirror.answer(0)
    url = wait_until(lambda: read_qr(mirror.grab()), "the QR code on screen", 30)
    assert url.startswith(mirror.api_url + "/s/"), url

    # A phone is still fetching the video, slowly, when systemd stops the kiosk.
    fetched = {"bytes": 0, "error": None}

    def slow_phone():
        try:
            with httpx.stream("GET", url + "/video", timeout=60) as response:
                for chunk in response.iter_bytes(4096):
                    fetched["bytes"] += len(chunk)
                    time.sleep(0.05)
        except httpx.HTTPError as exc:
            fetched["error"] = type(exc).__name__

    phone = threading.Thread(target=slow_phone, daemon=True)
    phone.start()
    wait_until(lambda: fetched["bytes"] > 0, "the phone's download starting", 30)
    since = mirror.mark()
    stopped_at = time.monotonic()
    assert mirror.stop(timeout=STOP_S) == 0, mirror.tail()
    assert time.monotonic() - stopped_at < STOP_S
    phone.join(70)
    assert not mirror.tracebacks(since), mirror.log(since)
    assert not list((library / "work").iterdir()), "a take folder was left behind"
    assert not [p for p in library.rglob("*") if p.name.endswith((".part", ".tmp"))], "half-written files"
    for db in ("looks.db", "network.sqlite3", "identity.sqlite3"):
        with sqlite3.connect(f"file:{library / db}?mode=ro", uri=True) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", db

    restart(mirror)
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200 and "<video" in page.text, page.text[:300]
    video = httpx.get(url + "/video", timeout=60)
    assert video.status_code == 200 and video.content == Path(library / "looks" / f"{look_id}.mp4").read_bytes()
    [look] = [look for look in mirror.looks() if look["id"] == look_id]
    assert look["consent"] == "granted"
