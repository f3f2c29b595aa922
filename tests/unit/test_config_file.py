"""The configuration file: strict checking, plain messages, and the example file in step."""

import re
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import Config, load_config, parse_config
from kiosk.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "kiosk.example.toml"


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[camera]\nwatchdog_s = 'x'\n", "camera.watchdog_s: expected a number, got 'x'"),
        ("[camera]\nwatchdgo_s = 3\n", "unknown key 'camera.watchdgo_s'"),
        ("[camra]\n", "unknown key 'camra'"),
        ("[display]\nrotation = 45\n", "display.rotation: expected one of 0, 90, 180 or 270, got 45"),
        ("[display]\nzoom = 9\n", "display.zoom: expected a value ≤ 4.0, got 9"),
        ("[display]\nmirror = 'yes'\n", "display.mirror: expected true or false, got 'yes'"),
        ("[display]\nwindow_width = 1.5\n", "display.window_width: expected a whole number"),
        ("[camera]\nsource = 'v4l:/dev/video0'\n", "unknown source kind 'v4l'; expected v4l2, file or synthetic"),
        ("display = 3\n", "display: expected a table"),
        ("[display\n", "not valid TOML"),
        ("[api]\ntoken = 'only-20-characters..'\n", "api.token: too short: use at least 32"),
        ("[webhook]\nurl = 'http://store.example/hook'\n", "webhook.secret: needs at least 16 characters"),
        ("[webhook]\nurl = 'http://store.example/hook'\nsecret = ''\n", "webhook.secret: needs at least 16"),
        ("[api]\ninterfaces = ['x.y']\n", "api.interfaces: 'x.y' is not an IPv4 address"),
        ("[api]\ninterfaces = ['192.168.10.23', '192.168.10']\n", "api.interfaces: '192.168.10' is not an IPv4 address"),
        ("[api]\nbind = 'not-an-ip'\n", "api.bind: expected an IPv4 address such as 0.0.0.0 or 127.0.0.1, got 'not-an-ip'"),
        ("[api]\nbind = '::'\n", "api.bind: expected an IPv4 address"),  # the server's socket is IPv4
        # 38 characters, but announced on the LAN as one DNS label of at most 63 bytes
        ("[api]\nname = 'Anprobe " + "\u00f6" * 30 + "'\n",
         "api.name: 68 bytes long in UTF-8 (letters such as \u00f6 take two): at most 63, as a name on the LAN"),
    ],
)
def test_bad_settings_are_named(tmp_path, toml, message):
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    text = str(err.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_the_addresses_the_api_listens_and_announces_on_are_kept(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("[api]\nbind = '127.0.0.1'\ninterfaces = ['192.168.10.23', ' 10.0.0.7']\n")
    api = load_config(str(path)).api
    assert api.bind == "127.0.0.1" and api.interfaces == ["192.168.10.23", "10.0.0.7"]
    path.write_text("[api]\nbind = ''\n")  # every address, as 0.0.0.0
    assert load_config(str(path)).api.bind == ""
    path.write_text("[api]\nbind = 'localhost'\n")  # the IPv4 socket resolves it: configs that had it still load
    assert load_config(str(path)).api.bind == "localhost"


def test_missing_file_is_an_error_not_defaults(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(str(tmp_path / "nope.toml"))


def test_environment_variable_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "k.toml"
    path.write_text("[display]\nrotation = 90\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert load_config(None).display.rotation == 90
    assert load_config(None).origin == str(path)


def test_defaults_work_without_a_file(monkeypatch):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    config = parse_config({}, "built-in defaults")
    assert config.camera.source == "auto" and config.display.mirror is True


def _settings(model, prefix=""):
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Config.__mro__[1]):
            yield from _settings(annotation, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", field.get_default(call_default_factory=True)


def test_example_file_documents_every_setting_with_its_default():
    example = tomllib.loads(EXAMPLE.read_text())
    parse_config(example, str(EXAMPLE))  # the example itself is valid
    flat = {}
    for section, values in example.items():
        for key, value in values.items():
            flat[f"{section}.{key}"] = value
    for key, default in _settings(Config):
        assert key in flat, f"{key} is not documented in {EXAMPLE.name}"
        if default is not None and not callable(default):
            assert flat[key] == default, f"{key}: example says {flat[key]!r}, default is {default!r}"
    assert undocumented(EXAMPLE.read_text()) == []


_SETTING = re.compile(r"^(\w+) = ")


def undocumented(text: str) -> list[str]:
    """Settings without a comment line right above them or above their group of settings."""
    lines = text.splitlines()
    missing, section = [], ""
    for i, line in enumerate(lines):
        if line.startswith("["):
            section = line.strip("[]") + "."
        match = _SETTING.match(line)
        if match is None:
            continue
        above = i - 1
        while above >= 0 and _SETTING.match(lines[above]):  # a group of settings shares one comment
            above -= 1
        if above < 0 or not lines[above].startswith("#"):
            missing.append(section + match[1])
    return missing


def test_the_comment_check_can_fail():
    assert undocumented("[a]\n# about x\nx = 1\ny = 2\n") == []
    assert undocumented("[a]\n# about x\nx = 1\n\ny = 2\n") == ["a.y"]  # a blank line ends the group
    assert undocumented("[a]\n# about x\n\nx = 1\n") == ["a.x"]
    assert undocumented("[a]\nx = 1\n[b]\n# c\ny = 2\n") == ["a.x"]


def test_cli_reports_a_bad_file_in_one_line(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("[display]\nrotation = 45\n")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "config", "check", "--config", str(path)], capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and "display.rotation" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "toml",
    [
        "[api]\ntoken = 'my-real-token-with-a-typo'\n",
        "[api]\ntoken = 123456789012345678901234567890123\n",
        "[api]\npin = 'pin-9876'\n",
        "[api]\npin = 98765\n",
        "[webhook]\nsecret = 7654321\n",
        "[webhook]\nsecret = ['hook-secret-value']\n",
    ],
)
def test_a_mistyped_secret_is_never_repeated(tmp_path, toml):
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    value = toml.split(" = ", 1)[1].strip().strip("'[]")
    text = str(err.value)
    assert value not in text and value[:8] not in text, text
    assert ("api." in text or "webhook." in text) and "\n" not in text


def test_the_settings_printed_as_json_never_show_a_secret(tmp_path):
    # `kiosk config check --json` is pasted into tickets: it says which secrets are set, not what they are.
    token, pin, secret = "T0ken-" + "x" * 40, "482913", "webhook-secret-0123456789"
    path = tmp_path / "kiosk.toml"
    path.write_text(f"[api]\ntoken = '{token}'\npin = '{pin}'\n[webhook]\nurl = 'http://127.0.0.1:9/h'\n"
                    f"secret = '{secret}'\n")
    proc = subprocess.run([sys.executable, "-m", "kiosk", "config", "check", "--config", str(path), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert token not in proc.stdout and pin not in proc.stdout and secret not in proc.stdout
    settings = json.loads(proc.stdout)
    assert settings["api"]["token"] == settings["api"]["pin"] == settings["webhook"]["secret"] == "(set, not shown)"
    assert settings["webhook"]["url"] == "http://127.0.0.1:9/h"  # the rest as it is in force
    path.write_text("[display]\nrotation = 90\n")
    unset = json.loads(subprocess.run([sys.executable, "-m", "kiosk", "config", "check", "--config", str(path), "--json"],
                                      capture_output=True, text=True).stdout)
    assert unset["api"]["token"] == "" and unset["display"]["rotation"] == 90
