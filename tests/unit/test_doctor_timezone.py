"""The doctor's time zone check beyond tests/unit/test_doctor_checks.py: a copied /etc/localtime named by its bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.doctor.check import State
from kiosk.doctor.timezone import check_timezone
from tests.unit.test_doctor_checks import HOURS, MONDAY, context, put, zone_data

ROOT = Path(__file__).resolve().parents[2]


def copied_localtime(root: Path, zone: str) -> None:
    (root / "etc").mkdir(exist_ok=True)
    shutil.copyfile(f"/usr/share/zoneinfo/{zone}", root / "etc/localtime")


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
