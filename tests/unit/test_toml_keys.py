"""scripts/lib/toml_keys.py: provision's in-place edits of kiosk.toml keep everything else."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "scripts" / "lib" / "toml_keys.py"

TEXT = """# a person's note
[api]
# Fitting room
room = "3"   # by the stairs
token = "old-token-old-token-old-token-old"

[display]
rotation = 90
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=30)


def test_set_replaces_adds_and_keeps_every_other_line(tmp_path):
    src, out = tmp_path / "in.toml", tmp_path / "out.toml"
    src.write_text(TEXT)
    res = run("set", str(src), str(out), 'api.room="Fitting room 4"', 'api.store="Zürich \\"Nord\\""',
              'library.data_dir="/var/lib/smartmirror"', 'display.rotation=90')
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    assert tomllib.loads(text) == {
        "api": {"room": "Fitting room 4", "store": 'Zürich "Nord"', "token": "old-token-old-token-old-token-old"},
        "display": {"rotation": 90},
        "library": {"data_dir": "/var/lib/smartmirror"},
    }
    assert text.startswith("# a person's note\n[api]\n") and "# Fitting room\n" in text
    assert res.stdout.splitlines() == [
        'api.room: "3" -> "Fitting room 4"',
        'api.store: null -> "Zürich \\"Nord\\""',
        'library.data_dir: null -> "/var/lib/smartmirror"',
    ]  # display.rotation already had the value: not a change


def test_secrets_never_appear_in_the_change_lines(tmp_path):
    src, out = tmp_path / "in.toml", tmp_path / "out.toml"
    src.write_text(TEXT)
    res = run("set", str(src), str(out), 'api.token="new-token-new-token-new-token-new"', 'api.pin="2468"')
    assert res.stdout.splitlines() == ["api.token: (set) -> (set)", "api.pin: (empty) -> (set)"]
    assert "new-token" not in res.stdout + res.stderr and "2468" not in res.stdout


def test_set_reads_its_pairs_from_stdin_so_no_secret_is_on_its_command_line(tmp_path):
    src, out = tmp_path / "in.toml", tmp_path / "out.toml"
    src.write_text(TEXT)
    res = subprocess.run([sys.executable, str(TOOL), "set", str(src), str(out), "-"], capture_output=True, text=True,
                         timeout=30, input='api.token="new-token-new-token-new-token-new"\n\napi.room="4"\n')
    assert res.returncode == 0, res.stderr
    assert tomllib.loads(out.read_text())["api"] == {"room": "4", "token": "new-token-new-token-new-token-new"}
    assert res.stdout.splitlines() == ["api.token: (set) -> (set)", 'api.room: "3" -> "4"']


def test_get_prints_a_value_or_nothing(tmp_path):
    src = tmp_path / "in.toml"
    src.write_text(TEXT)
    assert run("get", str(src), "api.room").stdout == "3\n"
    assert run("get", str(src), "api.store").stdout == ""
    assert run("get", str(src), "display.rotation").stdout == "90\n"


def test_a_file_that_is_not_toml_is_refused_and_nothing_is_written(tmp_path):
    src, out = tmp_path / "in.toml", tmp_path / "out.toml"
    src.write_text("[api\nroom = 3\n")
    res = run("set", str(src), str(out), 'api.room="4"')
    assert res.returncode == 1 and not out.exists()
    assert res.stderr.count("\n") == 1


def test_a_value_it_cannot_set_safely_is_refused(tmp_path):
    src, out = tmp_path / "in.toml", tmp_path / "out.toml"
    # a multi-line string: replacing its first line would break the file
    src.write_text('[api]\nroom = """3\nby the stairs"""\n')
    res = run("set", str(src), str(out), 'api.room="4"')
    assert res.returncode == 1 and not out.exists()
