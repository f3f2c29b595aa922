"""The doctor's time zone check: the zone kiosk.env's TZ gives the kiosk, a copied /etc/localtime by its bytes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.doctor.check import State
from kiosk.doctor.timezone import check_timezone
from tests.unit.test_doctor_checks import HOURS, MONDAY, context, put, zone_data

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = "/etc/smartmirror/kiosk.env"


def system_zone_is(root: Path, zone: str) -> None:
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc/localtime").symlink_to(f"/usr/share/zoneinfo/{zone}")


def copied_localtime(root: Path, zone: str) -> None:
    (root / "etc").mkdir(exist_ok=True)
    shutil.copyfile(f"/usr/share/zoneinfo/{zone}", root / "etc/localtime")


# -- kiosk.env's TZ: the zone the kiosk itself reads local time in ------------------------------------


def test_a_tz_in_kiosk_env_that_differs_from_the_system_zone_is_the_kiosks_and_said_plainly(tmp_path):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Europe/Paris")
    system_zone_is(ctx.root, "America/New_York")
    put(ctx.root, ENV_FILE, "# site overrides\nKIOSK_LOG_LEVEL=DEBUG\nTZ=Europe/Paris\n")
    result = check_timezone(ctx)
    assert result.state is State.WARNING, result
    assert result.sentence == ("The kiosk reads local time in Europe/Paris (TZ in /etc/smartmirror/kiosk.env), not in "
                               "the system's zone America/New_York: it is Monday 14 December, 15:12 CET for the kiosk.")
    assert "Remove the TZ line from /etc/smartmirror/kiosk.env" in result.hint
    assert "'sudo systemctl restart smartmirror-kiosk'" in result.hint


def test_a_tz_in_kiosk_env_that_names_no_zone_means_utc_for_the_kiosk(tmp_path):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York")
    system_zone_is(ctx.root, "America/New_York")
    put(ctx.root, ENV_FILE, 'TZ="Europe/Pariss"\n')
    ctx.config.display.opening_hours = HOURS
    result = check_timezone(ctx)
    assert result.state is State.WARNING, result
    assert result.sentence.startswith(
        "The kiosk's time zone is Europe/Pariss (TZ in /etc/smartmirror/kiosk.env), which names no zone installed "
        "here (no /usr/share/zoneinfo/Europe/Pariss), so the opening hours are read as UTC:"), result
    assert "(Monday 14 December, 14:12 UTC now)" in result.sentence
    assert "Remove the TZ line from /etc/smartmirror/kiosk.env" in result.hint


@pytest.mark.parametrize("line", ["TZ=America/New_York", "TZ=:America/New_York", "  TZ = 'America/New_York'  ",
                                  "TZ=US/Eastern"])
def test_a_tz_in_kiosk_env_that_is_the_system_zone_changes_nothing(tmp_path, line):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York")
    system_zone_is(ctx.root, "America/New_York")
    (ctx.root / "usr/share/zoneinfo/US").mkdir()
    (ctx.root / "usr/share/zoneinfo/US/Eastern").symlink_to("../America/New_York")
    put(ctx.root, ENV_FILE, f"{line}\n")
    result = check_timezone(ctx)
    assert result.state is State.OK, result
    assert result.sentence.startswith("The time zone is America/New_York; it is Monday 14 December, 09:12 EST here")


@pytest.mark.parametrize("text", ["", "# TZ=Europe/Paris\n", "KIOSK_LOG_LEVEL=DEBUG\n", "NOTTZ=Europe/Paris\n"])
def test_a_kiosk_env_without_tz_leaves_the_system_zone(tmp_path, text):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Europe/Paris")
    system_zone_is(ctx.root, "America/New_York")
    put(ctx.root, ENV_FILE, text)
    assert check_timezone(ctx).sentence.startswith("The time zone is America/New_York; it is Monday 14 December, 09:12")


def test_an_empty_tz_in_kiosk_env_is_utc_for_the_kiosk(tmp_path):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York")
    system_zone_is(ctx.root, "America/New_York")
    put(ctx.root, ENV_FILE, "TZ=\n")
    result = check_timezone(ctx)
    assert result.state is State.WARNING
    assert result.sentence.startswith("The kiosk reads local time in UTC (TZ in /etc/smartmirror/kiosk.env is empty), "
                                      "not in the system's zone America/New_York: it is Monday 14 December, 14:12 UTC")


def test_a_posix_rule_in_kiosk_env_is_read_as_glibc_reads_it(tmp_path):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York")
    system_zone_is(ctx.root, "America/New_York")
    put(ctx.root, ENV_FILE, "TZ=CET-1CEST,M3.5.0,M10.5.0/3\n")
    result = check_timezone(ctx)
    assert result.state is State.WARNING
    assert result.sentence == ("The kiosk reads local time in CET-1CEST,M3.5.0,M10.5.0/3 (TZ in "
                               "/etc/smartmirror/kiosk.env), not in the system's zone America/New_York: it is Monday "
                               "14 December, 15:12 CET for the kiosk.")


def test_the_environment_file_is_the_one_the_units_read():
    from kiosk.config import SYSTEM_ENV_FILE

    for unit in ("smartmirror-kiosk.service", "smartmirror-kiosk-eglfs.service"):
        assert f"EnvironmentFile=-{SYSTEM_ENV_FILE}\n" in (ROOT / "systemd" / unit).read_text()


# -- a copied /etc/localtime: named by the zone file with the same bytes ----------------------------


def test_a_copied_localtime_without_etc_timezone_is_named_by_its_bytes(tmp_path):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Europe/Paris", "Etc/UTC")
    copied_localtime(ctx.root, "Europe/Paris")
    assert check_timezone(ctx).sentence == "The time zone is Europe/Paris; it is Monday 14 December, 15:12 CET here."


def test_a_copied_localtime_is_named_by_its_bytes_when_etc_timezone_is_stale(tmp_path):
    """glibc reads the file, whatever /etc/timezone says."""
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Europe/Paris")
    copied_localtime(ctx.root, "Europe/Paris")
    put(ctx.root, "/etc/timezone", "America/New_York\n")
    assert check_timezone(ctx).sentence.startswith("The time zone is Europe/Paris;")


def test_a_copied_localtime_prefers_the_canonical_name(tmp_path):
    """UTC, Zulu and Etc/UTC are the same bytes (hard links on some systems): tzdata.zi names the zone."""
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "Etc/UTC", "Europe/Paris")
    for alias in ("UTC", "Zulu", "Etc/Universal"):
        shutil.copyfile(ctx.root / "usr/share/zoneinfo/Etc/UTC", ctx.root / "usr/share/zoneinfo" / alias)
    put(ctx.root, "/usr/share/zoneinfo/tzdata.zi", "Z Etc/UTC 0 - UTC\nL Etc/UTC UTC\nL Etc/UTC Zulu\n"
                                                   "L Etc/UTC Etc/Universal\n")
    copied_localtime(ctx.root, "Etc/UTC")
    ctx.config.display.opening_hours = HOURS
    result = check_timezone(ctx)
    assert result.state is State.WARNING
    assert result.sentence.startswith("The time zone is Etc/UTC, so the opening hours are read as UTC"), result


def test_a_copied_localtime_that_matches_no_zone_is_set_but_cannot_be_named(tmp_path):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Etc/UTC")
    copied_localtime(ctx.root, "Europe/Paris")  # this machine's, not in the tree's zone data
    ctx.config.display.opening_hours = HOURS
    result = check_timezone(ctx)
    assert result.state is State.WARNING, result
    assert result.sentence == ("The time zone is set by a copied /etc/localtime that matches no zone in "
                               "/usr/share/zoneinfo, so it cannot be named; it is Monday 14 December, 15:12 CET "
                               "here, and the opening hours are read in it.")
    assert "'sudo scripts/provision --timezone Area/City'" in result.hint


# -- the names of UTC: one list, read by the doctor and by scripts/provision --------------------------


def test_the_names_of_utc_are_written_once():
    names = (ROOT / "kiosk/doctor/utc-names").read_text()
    assert "Greenwich" in names
    tracked = subprocess.run(["git", "grep", "--untracked", "-l", "Greenwich", "--", "kiosk", "scripts"], cwd=ROOT,
                             capture_output=True, text=True, check=False).stdout.split()
    assert tracked == ["kiosk/doctor/utc-names"]


# -- scripts/provision asks the same module, run as a file before any virtual environment exists -------


def zones(*args: str) -> subprocess.CompletedProcess:
    # -I: not the project's folders, -S: no site-packages (no pydantic, no kiosk package)
    return subprocess.run([sys.executable, "-I", "-S", str(ROOT / "kiosk/doctor/zones.py"), *args],
                          capture_output=True, text=True, check=False, timeout=30)


def test_the_zones_module_runs_as_a_file_with_the_standard_library_alone(tmp_path):
    zone_data(tmp_path, "America/New_York", "Europe/Paris")
    copied_localtime(tmp_path, "Europe/Paris")
    put(tmp_path, ENV_FILE, "TZ=':America/New_York'\n")
    assert zones("system", str(tmp_path)).stdout == "Europe/Paris\n"
    done = zones("tz", str(tmp_path), ENV_FILE)
    assert (done.returncode, done.stdout, done.stderr) == (0, ":America/New_York\n", "")
    assert zones("tz", str(tmp_path), "/etc/smartmirror/none.env").returncode == 1
    assert zones("utc", "Etc/Zulu").returncode == 0 and zones("utc", "").returncode == 0
    assert zones("utc", "Europe/Paris").returncode == 1
    assert zones("nonsense").returncode == 2


@pytest.mark.parametrize("tz, zone, same", [
    ("US/Eastern", "America/New_York", True),  # a link to it
    (":America/New_York", "America/New_York", True),
    ("/usr/share/zoneinfo/US/Eastern", "America/New_York", True),
    ("Europe/Paris", "America/New_York", False),
    ("EST5EDT,M3.2.0,M11.1.0", "America/New_York", False),  # the rule alone: not New York's history
    ("Etc/UTC", "America/New_York", False),
    ("UTC", "Etc/UTC", True),
    ("Europe/Pariss", "Etc/UTC", False),  # UTC too, but a name of nothing is said
])
def test_provision_asks_whether_kiosk_envs_tz_is_the_zone_by_what_it_is_not_its_name(tmp_path, tz, zone, same):
    zone_data(tmp_path, "America/New_York", "Europe/Paris")
    (tmp_path / "usr/share/zoneinfo/US").mkdir()
    (tmp_path / "usr/share/zoneinfo/US/Eastern").symlink_to("../America/New_York")
    done = zones("same", str(tmp_path), tz, zone)
    assert (done.returncode, done.stdout, done.stderr) == (0 if same else 1, "", "")


def test_provision_reads_a_tree_without_zone_data_with_this_machines_and_the_doctor_does_not(tmp_path):
    """A tree being prepared gets its tzdata later; the doctor checks the system it runs on."""
    for zone in ("Europe/Paris", "America/New_York"):
        if not Path("/usr/share/zoneinfo", zone).is_file():
            pytest.skip(f"this machine has no zone data for {zone} (tzdata)")
    ctx = context(tmp_path, now=lambda: MONDAY)
    copied_localtime(ctx.root, "Europe/Paris")
    assert zones("system", str(ctx.root)).stdout == "Europe/Paris\n"
    assert zones("same", str(ctx.root), "Europe/Paris", "Europe/Paris").returncode == 0
    assert zones("same", str(ctx.root), "Europe/Paris", "America/New_York").returncode == 1
    assert "a copied /etc/localtime that matches no zone in /usr/share/zoneinfo" in check_timezone(ctx).sentence
