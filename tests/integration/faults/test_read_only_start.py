"""The mirror started on a data folder the kernel made read-only (an SD card remounted after disk
errors), then remounted read-write by store IT.

The data folder is on a small tmpfs the test mounts read-only (root only; without it the test is
skipped and says why). The real window comes up as a plain mirror: live frames of the camera, the
shopper told in plain words that recording is unavailable, the journal's one error line naming the
folder and why, and on its API port (loopback) the public health and metrics only, saying so
(degraded, ``kiosk_data_writable 0``). Once the folder is remounted read-write and her visit is over, the mirror exits by itself with a failure
status (what systemd's ``Restart=on-failure`` restarts), and started again it is the full kiosk
with its API, its data folder writable (``kiosk_data_writable 1``).
"""

from __future__ import annotations

import subprocess

import pytest

from kiosk.plain_mirror import FOLDER_CHECK_S, RECORDING_UNAVAILABLE
from tests.integration.faults.kiosk_process import KioskProcess, Setup
from tests.integration.faults.waiting import wait_until

pytestmark = [pytest.mark.ui, pytest.mark.slow]

START_S = 90.0  # start-up to a live picture on a loaded 2-core machine
VISIT_S = 75.0  # her visit outlasts the next look at the folder after the remount (every FOLDER_CHECK_S)


def mount(*args: str) -> str:
    """Run mount(8); "" when it worked, else why not."""
    try:
        done = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if done.returncode:
        return done.stderr.strip() or f"mount exited {done.returncode}"
    return ""


@pytest.fixture
def card(tmp_path):
    """A tmpfs mounted read-only, standing for the SD card the kernel remounted read-only."""
    where = tmp_path / "card"
    where.mkdir()
    if why := mount("-t", "tmpfs", "-o", "ro,size=1g,mode=0755", "tmpfs", str(where)):
        pytest.skip(f"cannot mount a read-only tmpfs here: {why}")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=20)


@pytest.fixture
def kiosk(xvfb, person_clip, card, tmp_path):
    """The mirror, its data folder on the read-only card; started by the test."""
    kiosk = KioskProcess(xvfb, tmp_path, Setup(library=card / "library", source=f"file:{person_clip}?loop=1",
                                               idle_timeout_s=VISIT_S))
    yield kiosk
    if kiosk.proc is not None and kiosk.proc.poll() is None:
        kiosk.kill()


def test_a_mirror_started_on_a_read_only_data_folder_is_a_plain_mirror_until_the_folder_can_be_written(kiosk, card):
    library = kiosk.setup.library
    kiosk.start(timeout=START_S)  # its health and metrics answer: the store's monitoring still reaches it
    line = kiosk.wait_log(r"ERROR .*started as a plain mirror.*", 0, START_S).group(0)
    assert str(library) in line and "read-only file system" in line, line
    assert "a plain mirror: /api/v1/health and /api/v1/metrics only" in kiosk.log(), kiosk.tail()
    since = kiosk.mark()
    kiosk.touch()  # the analysis is off: a touch starts the visit
    kiosk.live(timeout=START_S)
    kiosk.wait_shown(RECORDING_UNAVAILABLE, since)
    health = kiosk.api("GET", "/api/v1/health").json()
    assert health["status"] == "degraded" and health["checks"]["camera"]["ok"], health
    assert not health["checks"]["plain_mirror"]["ok"] and "plain mirror" in health["checks"]["plain_mirror"]["detail"]
    assert not health["checks"]["data_folder"]["ok"], health
    assert "read-only file system" in health["checks"]["data_folder"]["detail"], health
    figures = metrics(kiosk)
    assert figures["kiosk_data_writable"] == 0 and figures["kiosk_camera_up"] == 1, figures
    wait_until(lambda: metrics(kiosk)["kiosk_session_active"] == 1, "the visit in the plain mirror's metrics", 30)
    assert kiosk.api("GET", "/api/v1/looks").status_code == 404, "the token opens nothing on a plain mirror"
    assert kiosk.api("GET", "/console").status_code == 404
    assert not kiosk.tracebacks(), kiosk.tail()

    assert mount("-o", "remount,rw", str(card)) == ""  # store IT's fix, while she is still there
    kiosk.wait_log(r"can be written again: the full kiosk starts once this visit ends", since, FOLDER_CHECK_S + 30)
    assert kiosk.proc.poll() is None, "not in the face of the shopper using it"
    wait_until(lambda: kiosk.proc.poll() is not None, "the plain mirror exiting by itself once the visit ended",
               VISIT_S + 60)
    assert kiosk.proc.returncode == 1, kiosk.tail()
    assert "systemd starts the full kiosk" in kiosk.log(since), kiosk.tail()

    kiosk.start(timeout=START_S)  # as systemd does: the full kiosk, with its API, on the same folder
    kiosk.touch()
    kiosk.live(timeout=START_S)
    assert (library / "looks.db").exists()
    assert metrics(kiosk)["kiosk_data_writable"] == 1
    checks = kiosk.api("GET", "/api/v1/health").json()["checks"]
    assert checks["data_folder"]["ok"] and "plain_mirror" not in checks and checks["library"]["ok"], checks
    assert kiosk.api("GET", "/api/v1/looks").status_code == 200
    assert kiosk.stop() == 0, kiosk.tail()


def metrics(kiosk: KioskProcess) -> dict[str, float]:
    """The unlabelled samples of the running kiosk's ``/api/v1/metrics`` (loopback)."""
    answer = kiosk.api("GET", "/api/v1/metrics")
    assert answer.status_code == 200, answer.text
    return {name: float(value) for name, value in (line.split() for line in answer.text.splitlines()
                                                    if line and not line.startswith("#") and "{" not in line)}
