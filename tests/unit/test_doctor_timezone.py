"""The doctor's time zone check beyond tests/unit/test_doctor_checks.py: the names of UTC."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# -- the names of UTC: one list, read by the doctor and by scripts/provision --------------------------


def test_the_names_of_utc_are_written_once():
    names = (ROOT / "kiosk/doctor/utc-names").read_text()
    assert "Greenwich" in names
    tracked = subprocess.run(["git", "grep", "--untracked", "-l", "Greenwich", "--", "kiosk", "scripts"], cwd=ROOT,
                             capture_output=True, text=True, check=False).stdout.split()
    assert tracked == ["kiosk/doctor/utc-names"]
