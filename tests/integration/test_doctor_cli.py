"""``kiosk doctor --json`` as store IT runs it: a synthetic camera and a simulated reader, a missing camera,
a damaged database, a nearly full disk, a running kiosk; each answer and the exit status checked,
and the data folder left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.library import Library
from kiosk.wiring import build_reader_sim
from tests.conftest import AS_ANOTHER_USER, ui_env
from tests.unit.test_library_looks import add

pytestmark = [pytest.mark.slow]

KIOSK = [sys.executable, "-m", "kiosk"]
TOKEN = "doctor-test-token-0123456789abcdef"


def write_config(tmp_path: Path, port: int, source: str = "synthetic:?width=320&height=240&fps=15", extra: str = "") -> Path:
    data = tmp_path / "data"
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[camera]\nsource = "{source}"\n'
        f'[library]\ndata_dir = "{data}"\n'
        f'[api]\nport = {port}\nbind = "127.0.0.1"\nannounce = false\ntoken = "{TOKEN}"\n' + extra
    )
    return path


def doctor(config: Path, display: str | None, *extra: str, prefix: tuple[str, ...] = ()) -> tuple[int, dict]:
    env = ui_env(display) if display else {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("KIOSK_API_TOKEN", None)
    done = subprocess.run([*prefix, *KIOSK, "doctor", "--json", "--config", str(config), "--camera-seconds", "2", *extra],
                          capture_output=True, text=True, timeout=180, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)  # stdout is the JSON object alone
    for check in report["checks"]:
        assert set(check) == {"id", "state", "sentence", "hint"} and check["state"] in ("ok", "warning", "fail")
        assert check["sentence"] and (check["state"] == "ok" or check["hint"]), check
    return done.returncode, {c["id"]: c for c in report["checks"]}


def tree(folder: Path) -> dict:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def reader_sim(tmp_path):
    sim = build_reader_sim("pn532", str(tmp_path / "usb-ACME_PN532-if00"))
    sim.start()
    yield sim
    sim.stop()


def test_a_healthy_mirror_with_a_synthetic_camera_and_a_simulated_reader(tmp_path, xvfb, free_port, reader_sim):
    config = write_config(tmp_path, free_port, extra=f'[reader]\nport = "{reader_sim.path}"\nprotocol = "auto"\n')
    with Library(tmp_path / "data") as library:
        add(library, session=None, consent_by="operator")
    before = tree(tmp_path / "data")
    code, checks = doctor(config, xvfb)
    assert checks["config"]["state"] == "ok"
    assert checks["camera"]["state"] == "warning" and "synthetic test picture (320x240)" in checks["camera"]["sentence"]
    assert checks["camera-modes"]["state"] == "ok"
    fps = checks["camera-fps"]
    assert fps["state"] == "ok" and "15 asked for" in fps["sentence"], fps
    assert checks["display"]["state"] == "ok" and checks["qt-plugin"]["state"] == "ok"
    assert checks["reader"]["state"] == "ok" and "pn532 card reader answers" in checks["reader"]["sentence"]
    for check_id in ("pose-model", "data-folder", "disk-space", "db-looks", "db-network", "db-identity", "library", "interfaces",
                     "mdns", "power"):
        assert checks[check_id]["state"] == "ok", checks[check_id]
    assert checks["api"]["state"] == "warning" and "not running" in checks["api"]["sentence"]
    assert code == 0, "warnings alone do not fail"
    assert tree(tmp_path / "data") == before, "the doctor changed the data folder"


def test_a_missing_camera_fails_with_its_device_named(tmp_path, free_port):
    config = write_config(tmp_path, free_port, source="v4l2:/dev/video99")
    code, checks = doctor(config, None)
    assert code == 1
    camera = checks["camera"]
    assert camera["state"] == "fail" and "Camera /dev/video99 gives no picture: camera /dev/video99 is not plugged in" in camera["sentence"]
    assert "USB cable" in camera["hint"]
    assert checks["camera-fps"]["state"] == "fail" and checks["camera-modes"]["state"] == "warning"
    # for people, the one cause's hint is written once, not under each of the three checks
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_API_TOKEN")}
    done = subprocess.run(KIOSK + ["doctor", "--config", str(config), "--camera-seconds", "2"],
                          capture_output=True, text=True, timeout=180, env=env)
    text = done.stdout
    assert text.count("USB cable") == 1 and text.count("See the hint for camera above.") == 2, text
    # the camera's own log line would only repeat the report above it; -v brings it back
    assert "not plugged in" not in done.stderr, done.stderr
    loud = subprocess.run(KIOSK + ["-v", "doctor", "--config", str(config), "--camera-seconds", "2"],
                          capture_output=True, text=True, timeout=180, env=env)
    assert "camera /dev/video99 is not plugged in" in loud.stderr, loud.stderr


def test_a_failed_check_exits_1_and_a_wrong_call_2(tmp_path, free_port):
    """Store IT's scripts and the monitoring tell "the doctor found a problem" from "the doctor was called
    wrongly": the same mirror, a check failing (1), then the doctor called wrongly (2, no check run)."""
    config = write_config(tmp_path, free_port, source="v4l2:/dev/video99")
    code, checks = doctor(config, None)
    assert code == 1 and checks["camera"]["state"] == "fail"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_API_TOKEN")}
    for wrong, said in ((["--camera-seconds", "0"], "kiosk: --camera-seconds must be 0.5 – 60"),
                        (["--jsn"], "kiosk doctor: unrecognized arguments: --jsn (see kiosk doctor --help)")):
        done = subprocess.run([*KIOSK, "doctor", "--json", "--config", str(config), *wrong],
                              capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 2 and done.stdout == "", (wrong, done.stdout)
        assert done.stderr.strip().splitlines() == [said], done.stderr


def test_a_damaged_database_is_named_with_its_recovery_and_not_touched(tmp_path, free_port):
    config = write_config(tmp_path, free_port)
    with Library(tmp_path / "data") as library:
        for _ in range(12):
            add(library, session=None, consent_by="operator", reason="y" * 3000)
    db = tmp_path / "data" / "looks.db"
    with open(db, "r+b") as f:  # garbage in the middle of looks.db
        f.seek(db.stat().st_size // 2)
        f.write(os.urandom(8192))
    before = tree(tmp_path / "data")
    code, checks = doctor(config, None)
    assert code == 1
    looks = checks["db-looks"]
    assert looks["state"] == "fail" and f"{db} is damaged" in looks["sentence"]
    assert "Restart the kiosk" in looks["hint"] and "looks.db.damaged-<time>" in looks["hint"]
    assert checks["library"]["state"] == "warning" and "not checked" in checks["library"]["sentence"]
    assert tree(tmp_path / "data") == before, "the doctor must not repair (or touch) a damaged database"


def test_a_nearly_full_disk_fails_against_the_floor(tmp_path, free_port):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the data folder needs root")
    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0750", "tmpfs", str(data)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        (data / "filler").write_bytes(b"\0" * (14 * 2**20))  # 2 MiB left of 16
        config = write_config(tmp_path, free_port, extra="[recording]\nmin_free_mb = 4\n")
        code, checks = doctor(config, None)
        disk = checks["disk-space"]
        assert disk["state"] == "fail" and "below the floor of 4 MiB" in disk["sentence"], disk
        assert "recording.min_free_mb" in disk["sentence"] and "library.max_age_days" in disk["hint"]
        assert code == 1
    finally:
        subprocess.run(["umount", str(data)], check=True)


def test_a_running_kiosk_is_asked_not_disturbed(tmp_path, free_port):
    config = write_config(tmp_path, free_port)
    env = dict(os.environ, KIOSK_CONFIG=str(config))
    serve = subprocess.Popen(KIOSK + ["serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "kiosk serve:" in serve.stdout.readline()
        code, checks = doctor(config, None)
        api = checks["api"]
        assert api["state"] == "ok" and "accepts the configured token" in api["sentence"], api
        wrong = tmp_path / "wrong.toml"
        wrong.write_text(config.read_text().replace(TOKEN, "another-token-0123456789abcdefgh"))
        code, checks = doctor(wrong, None)
        assert checks["api"]["state"] == "fail" and "refuses the configured token" in checks["api"]["sentence"]
        assert code == 1
    finally:
        serve.terminate()
        serve.wait(20)



@pytest.mark.parametrize("closed", ["folder", "file"])
def test_a_data_folder_closed_to_the_doctors_user_is_checked_as_the_kiosks_user(tmp_path, free_port, closed):
    """An admin running 'kiosk doctor' without 'sudo -u mirror' on a provisioned mirror (data folder
    0750, databases 0600, the kiosk's own): each database says to run it as the kiosk's user, not
    that a check broke or that the file should be opened up."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("dropping root's file capabilities needs root and setpriv")
    config = write_config(tmp_path, free_port)
    data = tmp_path / "data"
    with Library(data) as library:
        add(library, session=None, consent_by="operator")
    for path in (data, *data.rglob("*")):
        os.chown(path, 65534, 65534)
    (data / "looks.db").chmod(0o600)
    data.chmod(0o700 if closed == "folder" else 0o755)
    before = tree(data)
    code, checks = doctor(config, None, prefix=AS_ANOTHER_USER)
    assert code == 1
    why = "is in a folder closed to this user" if closed == "folder" else "is not readable by this user"
    looks = checks["db-looks"]
    assert looks["state"] == "fail" and f"{data / 'looks.db'} cannot be checked: it {why} (root)" in looks["sentence"], looks
    assert looks["hint"].startswith("Run 'kiosk doctor' as the kiosk's user ('sudo -u mirror kiosk doctor')"), looks
    library = checks["library"]
    assert library["state"] == "warning" and f"its database {why}" in library["sentence"], library
    assert not [c for c in checks.values() if "check itself failed" in c["sentence"]], checks
    assert tree(data) == before
