"""The kiosk units as scripts/provision installs them pass a real ``systemd-analyze verify``.

The units are verified inside a provisioned ``--root`` tree, so their ExecStart binaries are the
tree's own (the installed release's kiosk); the tree gets this machine's systemd unit files and
cage and python3 binaries (what the Debian packages put on a real mirror). Any line systemd-analyze prints about
our units fails the test: it exits 0 on ignored typos, which must not pass.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ("smartmirror-kiosk.service", "smartmirror-kiosk-eglfs.service")
# The retry after systemd gave up on a kiosk unit, as the kiosk units name it (instance: the unit without .service).
RETRY = ("smartmirror-kiosk-retry@.timer", "smartmirror-kiosk-retry@.service", "smartmirror-kiosk-retry@.target")


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    if os.geteuid() != 0:
        pytest.skip("provisioning needs root (it sets owners)")
    for tool in ("systemd-analyze", "cage"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (scripts/test installs systemd and cage)")
    tree = tmp_path_factory.mktemp("units-root")
    env = dict(os.environ, SMARTMIRROR_PROVISION_BYTECODE="0")
    res = subprocess.run(["bash", str(ROOT / "scripts/provision"), "--root", str(tree), "--store", "S", "--room", "1"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    # What systemd and cage's Debian packages install on the mirror.
    shutil.copytree("/usr/lib/systemd/system", tree / "usr/lib/systemd/system", symlinks=True)
    (tree / "lib").symlink_to("usr/lib")
    (tree / "usr/bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(shutil.which("cage"), tree / "usr/bin/cage")
    # the release's python (the kiosk unit's main process, kiosk.sdrelay) links to Debian's python3
    shutil.copy2(os.path.realpath("/usr/bin/python3"), tree / "usr/bin/python3")
    # what the retry runs: systemd's systemctl, dash and coreutils
    for tool in ("systemctl", "sh", "echo"):
        shutil.copy2(os.path.realpath(shutil.which(tool)), tree / "usr/bin" / tool)
    return tree


def verify(tree: Path, unit: str) -> list[str]:
    """What systemd-analyze verify says about our units (empty: clean); a template by an instance of it."""
    res = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={tree}", str(tree / "etc/systemd/system" / unit)],
        capture_output=True, text=True, timeout=60,
    )
    said = [line for line in (res.stdout + res.stderr).splitlines() if "smartmirror" in line]
    if res.returncode != 0 and not said:
        said = [f"exit {res.returncode}: {res.stderr.strip()}"]
    return said


@pytest.mark.parametrize("unit", UNITS)
def test_installed_unit_passes_systemd_analyze_verify(tree, unit):
    assert verify(tree, unit) == []


@pytest.mark.parametrize("unit", [r.replace("@.", f"@{k.removesuffix('.service')}.") for r in RETRY for k in UNITS])
def test_installed_retry_unit_passes_systemd_analyze_verify(tree, unit):
    assert verify(tree, unit) == []


def test_a_broken_unit_fails_the_check(tree):
    path = tree / "etc/systemd/system" / UNITS[0]
    good = path.read_text()
    try:
        path.write_text(good.replace("WatchdogSec=", "WatchdgSec="))
        assert any("Unknown key" in line for line in verify(tree, UNITS[0]))
        path.write_text(good.replace("ExecStart=/opt/smartmirror/current/.venv/bin/python ", "ExecStart=/usr/bin/kage "))
        assert any("not executable" in line for line in verify(tree, UNITS[0]))
    finally:
        path.write_text(good)
    # the retry's template, checked through an instance of it
    path, instance = tree / "etc/systemd/system" / RETRY[0], RETRY[0].replace("@.", "@smartmirror-kiosk.")
    good = path.read_text()
    try:
        path.write_text(good.replace("OnActiveSec=", "OnActivSec="))
        assert any("Unknown key" in line for line in verify(tree, instance))
    finally:
        path.write_text(good)


def keys(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (ROOT / "systemd" / unit).read_text().splitlines():
        match = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if match:
            found.setdefault(match.group(1), []).append(match.group(2))
    return found


@pytest.mark.parametrize("unit", UNITS)
def test_unit_is_a_watched_sandboxed_kiosk_whose_data_folder_is_the_configured_one(unit):
    k = keys(unit)
    assert k["Type"] == ["notify"] and k["WatchdogSec"] and k["Restart"] == ["on-failure"]
    # Only the main process may notify: under cage that is kiosk.sdrelay, which relays the kiosk's
    # notifications (the logind session takes cage and the kiosk out of the unit's cgroup).
    assert k["NotifyAccess"] == ["main"]
    if "cage" in k["ExecStart"][0]:
        assert k["ExecStart"][0].startswith("/opt/smartmirror/current/.venv/bin/python -m kiosk.sdrelay --stop-grace 15 -- ")
        # cage's client, the kiosk, has no X display: an X client would make cage start Xwayland
        assert "/usr/bin/cage -- /usr/bin/env -u DISPLAY /opt/smartmirror/current/.venv/bin/kiosk run" in k["ExecStart"][0]
    # the runtime folder (the Wayland socket, the relay's socket): /run/user is hidden by ProtectHome
    assert k["RuntimeDirectory"] == ["smartmirror"] and "XDG_RUNTIME_DIR=/run/smartmirror" in " ".join(
        k["ExecStart"] + k.get("Environment", []))
    assert k["StartLimitBurst"] and k["StartLimitIntervalSec"] and k["SyslogIdentifier"]
    assert k["EnvironmentFile"] == ["-/etc/smartmirror/kiosk.env"]
    assert k["User"] == ["mirror"] and k["NoNewPrivileges"] == ["yes"] and k["ProtectSystem"] == ["strict"]
    assert k["ProtectHome"] == ["yes"] and k["PrivateTmp"] == ["yes"] and k["DevicePolicy"] == ["closed"]
    allowed = {v.split()[0] for v in k["DeviceAllow"]}
    assert {"char-video4linux", "char-drm", "char-ttyUSB"} <= allowed
    assert all(v.startswith(("char-video4linux", "char-drm", "char-input", "char-tty", "/dev/tty1")) for v in allowed)
    # the data folder the unit makes writable is the one provision writes into the configuration
    assert k["StateDirectory"] == ["smartmirror"]
    assert "--config /etc/smartmirror/kiosk.toml" in k["ExecStart"][0]
    assert "/opt/smartmirror/current/.venv/bin/kiosk run" in k["ExecStart"][0]
    # every sandbox line has its reason on the line above
    lines = (ROOT / "systemd" / unit).read_text().splitlines()
    sandbox = lines[lines.index("# Sandbox.") + 1 : lines.index("[Install]")]
    for above, line in zip(sandbox, sandbox[1:]):
        if line and not line.startswith("#"):
            assert above.startswith("#"), line


def seconds(span: str) -> float:
    """A systemd time span or a Prometheus duration ("10min", "5m", "30s") in seconds."""
    value, unit = re.fullmatch(r"(\d+)\s*([a-z]+)", span).groups()
    return int(value) * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]


def test_a_kiosk_unit_systemd_gave_up_on_is_retried_slowly_and_never_after_a_stop():
    for unit in UNITS:
        k = keys(unit)
        # failed for good (the start limit): the retry timer of this very unit; every start arms it
        assert k["OnFailure"] == ["smartmirror-kiosk-retry@%N.timer"]
        assert "smartmirror-kiosk-retry@%N.target" in " ".join(k["Wants"]).split()
    timer, target, service = keys(RETRY[0]), keys(RETRY[2]), keys(RETRY[1])
    # a stop of the kiosk cancels a pending retry and disarms the next one
    assert timer["PartOf"] == ["%i.service"] and target["PartOf"] == ["%i.service"]
    # fires once, then ends, so that the next failure starts it again
    assert timer["RemainAfterElapse"] == ["no"] and len(timer["OnActiveSec"]) == 1
    assert not {"OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec", "OnCalendar"} & set(timer)
    conditions = service["ExecCondition"]
    assert conditions[0] == "/usr/bin/systemctl --quiet is-failed %i.service"
    assert conditions[1] == "/usr/bin/systemctl --quiet is-active smartmirror-kiosk-retry@%i.target"
    assert all(u in conditions[2] for u in UNITS)  # never while the other kiosk unit runs (they conflict)
    assert service["ExecStart"][-2:] == ["/usr/bin/systemctl reset-failed %i.service", "/usr/bin/systemctl start --no-block %i.service"]
    assert service["SyslogIdentifier"] == ["smartmirror-kiosk"]
    # The mirror stays down between retries longer than MirrorDown waits (plus two scrapes of the
    # example job), so the store's monitoring still raises it.
    delay = seconds(timer["OnActiveSec"][0])
    rules = (ROOT / "docs/monitoring/smartmirror-alerts.yml").read_text()
    expr, wait = re.search(r"- alert: MirrorDown\n\s+expr: (.*)\n\s+for: (\S+)\n", rules).groups()
    interval = re.search(r"scrape_interval: (\S+)", (ROOT / "docs/monitoring/prometheus-scrape.example.yml").read_text())[1]
    assert expr == 'up{job="smartmirror"} == 0'
    assert delay >= seconds(wait) + 2 * seconds(interval) + 60
