"""deploy/ansible/provision.yml rolls scripts/provision out over a store, run by a real
ansible-playbook with a local connection; each host installs into its own ``--root`` folder.

The inventory is the one ``kiosk discover --ansible-inventory`` writes (kiosk.net.fleet), so the
discovered fleet and the playbook are checked together.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from kiosk.net.fleet import FleetMirror, ansible_inventory, merge

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "deploy" / "ansible" / "provision.yml"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="provisioning needs root (it sets owners)"),
    pytest.mark.skipif(not shutil.which("ansible-playbook"), reason="ansible-playbook is not installed (scripts/test installs ansible-core)"),
]


def _mirror(n: int, room: str) -> FleetMirror:
    """A mirror as ``kiosk discover`` enters it once it proved itself."""
    return FleetMirror(mirror_id=f"00000000-0000-4000-8000-00000000000{n}", name=f"Mirror {room}", host=f"mirror-{n}.local",
                       address="127.0.0.1", port=8080, store="Oxford Street", room=room, version="0.1.0")


TOKEN = "store-t0ken-" + "s" * 32
PIN = "802741"


def _secrets(tmp: Path, **more: str) -> list[str]:
    """The store's token and PIN (and ``more`` vars) as the play gets them: from a vars file, as from ansible-vault."""
    path = tmp / "vault.json"
    path.write_text(json.dumps({"api_token": TOKEN, "console_pin": PIN, **more}))
    return ["-e", f"@{path}"]


def _argv_logger(tmp: Path) -> tuple[str, Path]:
    """A PATH whose bash and python3 write down every command line they get (provision and its helpers)."""
    log, bin_dir = tmp / "argv.log", tmp / "argv-bin"
    bin_dir.mkdir()
    for name in ("bash", "python3"):
        real = shutil.which(name)
        assert real
        (bin_dir / name).write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {log}\nexec {real} "$@"\n')
        (bin_dir / name).chmod(0o755)
    return f"{bin_dir}:{os.environ['PATH']}", log


def _play(tmp: Path, inventory: Path, *extra: str, ok: bool = True, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_HOME=str(tmp / "ansible-home"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               SMARTMIRROR_PROVISION_BYTECODE="0", TMPDIR=str(tmp), ANSIBLE_LOCALHOST_WARNING="0", PATH=path or os.environ["PATH"])
    res = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "-c", "local", str(PLAYBOOK), "-e", f"provision_root={tmp / 'hosts'}",
         "-e", "provision_become=false", "-e", "target=store_oxford_street", *extra],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp,
    )
    assert res.returncode == 0 or not ok, res.stdout[-4000:] + res.stderr[-2000:]
    return res


def _recap(out: str) -> dict[str, dict[str, int]]:
    recap = {}
    for host, counts in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", out, re.M):
        recap[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    return recap


def test_playbook_provisions_each_mirror_with_its_room_in_batches_and_a_rerun_changes_nothing(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(ansible_inventory(merge({}, [_mirror(1, "1"), _mirror(2, "Fitting room 2")])))
    secret = tmp_path / "store.secret"
    secret.write_text("ab" * 32 + "\n")
    # the store's time zone beside the inventory, which discover writes afresh each time
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars/store_oxford_street.yml").write_text("timezone: Europe/London\n")

    path, argv_log = _argv_logger(tmp_path)
    res = _play(tmp_path, inventory, "-e", f"store_secret_file={secret}", "-e", "batch=1", *_secrets(tmp_path), path=path)
    # serial batches of one: the Provision task runs once per batch, mirror-1's batch first
    assert res.stdout.count("TASK [Provision]") == 2
    assert res.stdout.index("changed: [mirror-1]") < res.stdout.index("changed: [mirror-2]")
    # what provision changed is shown, a token and a PIN set or not; their values never are
    assert res.stdout.count("TASK [What provision changed]") == 2 and res.stdout.count("api.token: (empty) -> (set)") == 2
    # neither on provision's command line nor on its helpers' (any user can read those while it runs)
    argv = argv_log.read_text()
    assert "--api-token-file" in argv and "toml_keys.py set" in argv
    for value in (TOKEN, PIN, "ab" * 32):
        assert value not in argv and value not in res.stdout, value
    assert not list(tmp_path.glob("*.smartmirror-provision"))  # the secrets' folder is gone
    for host, room in (("mirror-1", "1"), ("mirror-2", "Fitting room 2")):
        tree = tmp_path / "hosts" / host
        cfg = tomllib.loads((tree / "etc/smartmirror/kiosk.toml").read_text())
        assert cfg["api"]["store"] == "Oxford Street" and cfg["api"]["room"] == room
        assert cfg["api"]["token"] == TOKEN and cfg["api"]["pin"] == PIN  # one token per store
        assert (tree / "opt/smartmirror/current/.venv/bin/kiosk").exists()
        # the store's shared secret, owned by the mirror user as provision wants it
        kept = tree / "etc/smartmirror/store-secret"
        assert kept.read_text() == secret.read_text()
        uid = next(int(line.split(":")[2]) for line in (tree / "etc/passwd").read_text().splitlines() if line.startswith("mirror:"))
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.stat().st_uid == uid
        assert os.readlink(tree / "etc/localtime") == "/usr/share/zoneinfo/Europe/London"

    # a rolling re-run from the same checkout: nothing to change on any mirror
    res = _play(tmp_path, inventory, "-e", f"store_secret_file={secret}", "-e", "batch=2", *_secrets(tmp_path))
    recap = _recap(res.stdout)
    assert set(recap) >= {"mirror-1", "mirror-2"}
    assert all(recap[h]["changed"] == 0 and recap[h]["failed"] == 0 for h in ("mirror-1", "mirror-2")), res.stdout

    # the right store secret over a wrong one: provision installs it, a change that restarts a running
    # kiosk (it reads the secret when it starts), as every change of provision does
    secret.write_text("cd" * 32 + "\n")
    res = _play(tmp_path, inventory, "-e", f"store_secret_file={secret}", "-e", "batch=2", *_secrets(tmp_path))
    assert res.stdout.count("provision: update /etc/smartmirror/store-secret: content") == 2, res.stdout[-3000:]
    recap = _recap(res.stdout)
    assert all(recap[h]["changed"] == 1 for h in ("mirror-1", "mirror-2")), recap
    for host in ("mirror-1", "mirror-2"):
        assert (tmp_path / "hosts" / host / "etc/smartmirror/store-secret").read_text() == "cd" * 32 + "\n"


def test_a_failing_provision_says_why_and_never_shows_the_secrets(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(ansible_inventory(merge({}, [_mirror(1, "1")])))
    res = _play(tmp_path, inventory, *_secrets(tmp_path, timezone="Europe/Pariss"), ok=False)
    assert res.returncode != 0
    assert 'provision: unknown time zone \\"Europe/Pariss\\"' in res.stdout, res.stdout[-3000:]
    assert TOKEN not in res.stdout + res.stderr and PIN not in res.stdout + res.stderr
    assert not list(tmp_path.glob("*.smartmirror-provision"))  # the secrets' folder is gone on failure too


def test_without_the_store_s_token_the_play_stops_before_changing_anything(tmp_path):
    """Each mirror making a token of its own would split the store's consoles: the play asks for the one token."""
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(ansible_inventory(merge({}, [_mirror(1, "1")])))
    res = _play(tmp_path, inventory, ok=False)
    assert res.returncode != 0 and "api_token is not set: give the store's API token" in res.stdout, res.stdout[-3000:]
    assert "TASK [Provision]" not in res.stdout and not (tmp_path / "hosts").exists()


def test_a_discovered_host_that_never_proved_itself_gets_no_secret(tmp_path):
    """An inventory ``kiosk discover`` wrote before mirrors had to prove themselves is refused first thing."""
    inventory = tmp_path / "inventory.yml"
    data = json.loads(ansible_inventory(merge({}, [_mirror(1, "1")])))
    room = data["all"]["children"]["smartmirrors"]["children"]["store_oxford_street"]["children"]["store_oxford_street_room_1"]
    del room["hosts"]["mirror-1"]["mirror_proven"]
    inventory.write_text(json.dumps(data))
    secret = tmp_path / "store.secret"
    secret.write_text("ab" * 32 + "\n")
    res = _play(tmp_path, inventory, "-e", f"store_secret_file={secret}", *_secrets(tmp_path), ok=False)
    assert res.returncode != 0 and "never proved" in res.stdout, res.stdout[-3000:]
    assert not (tmp_path / "hosts" / "mirror-1" / "etc/smartmirror/store-secret").exists()
