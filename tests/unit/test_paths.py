"""One function decides the data folder, in a stated order, and every command asks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import paths
from kiosk.config import parse_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A user without root, HOME in tmp_path and none of the variables set."""
    for name in ("STATE_DIRECTORY", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(paths.os, "geteuid", lambda: 1000)
    return monkeypatch


def config(data_dir: str = ""):
    return parse_config({"library": {"data_dir": data_dir}} if data_dir else {}, "test")


def test_explicit_folder_wins_over_everything(env, tmp_path):
    env.setenv("STATE_DIRECTORY", "/var/lib/smartmirror")
    assert paths.data_dir(config("/srv/configured"), tmp_path / "cli") == tmp_path / "cli"


def test_configured_folder_wins_over_the_environment(env):
    env.setenv("STATE_DIRECTORY", "/var/lib/smartmirror")
    assert paths.data_dir(config("~/mirror")) == Path("~/mirror").expanduser()


def test_systemd_state_directory_comes_next(env):
    env.setenv("STATE_DIRECTORY", "/var/lib/smartmirror:/var/lib/other")
    env.setattr(paths.os, "geteuid", lambda: 0)
    assert paths.data_dir(config()) == Path("/var/lib/smartmirror")
    env.setenv("STATE_DIRECTORY", "/run/state/mirror")
    assert paths.data_dir() == Path("/run/state/mirror")


def test_root_uses_the_system_folder(env):
    env.setattr(paths.os, "geteuid", lambda: 0)
    env.setenv("XDG_DATA_HOME", "/ignored")
    assert paths.data_dir(config()) == Path("/var/lib/smartmirror")


def test_a_user_gets_the_xdg_data_folder(env, tmp_path):
    assert paths.data_dir(config()) == tmp_path / "home" / ".local" / "share" / "smartmirror"
    env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir(config()) == tmp_path / "xdg" / "smartmirror"
    env.setenv("XDG_DATA_HOME", "relative/path")  # not absolute: ignored, as the spec says
    assert paths.data_dir(config()) == tmp_path / "home" / ".local" / "share" / "smartmirror"


def test_identity_files_live_beside_the_looks_unless_configured(env, tmp_path):
    from kiosk.identity.setup import directory_path, secret_path

    cfg = parse_config({"library": {"data_dir": str(tmp_path / "d")}}, "test")
    assert directory_path(cfg) == tmp_path / "d" / "identity.sqlite3"
    assert secret_path(cfg) == tmp_path / "d" / "store-secret"
    cfg = parse_config({"identity": {"database": str(tmp_path / "x.db")}}, "test")
    assert directory_path(cfg) == tmp_path / "x.db"


def test_no_other_module_works_the_data_folder_out():
    """The fallbacks are written once: no other module names them."""
    offenders = []
    for path in [*(ROOT / "kiosk").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        if path.name == "paths.py" and path.parent.name == "kiosk":
            continue
        text = path.read_text()
        if any(name in text for name in ('"STATE_DIRECTORY"', '"XDG_DATA_HOME"', '"/var/lib', '".local", "share"')):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
