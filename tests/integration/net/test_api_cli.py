"""``kiosk serve`` and ``kiosk discover`` as store IT runs them: plain sentences, JSON on stdout."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

pytestmark = pytest.mark.slow

KIOSK = [sys.executable, "-m", "kiosk"]
ENV_TOKEN = "from-the-environment-" + "e" * 20


def _env(**extra):
    env = dict(os.environ, KIOSK_LOG_LEVEL="WARNING")
    env.pop("KIOSK_CONFIG", None)
    env.pop("KIOSK_API_TOKEN", None)
    env.update(extra)
    return env


def test_port_in_use_is_one_sentence(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        (tmp_path / "k.toml").write_text('[api]\nbind = "127.0.0.1"\nannounce = false\n')
        done = subprocess.run(
            [*KIOSK, "serve", "--config", str(tmp_path / "k.toml"), "--library", str(tmp_path / "lib"), "--port", str(port)],
            capture_output=True, text=True, timeout=60, env=_env(),
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == f"kiosk: port {port} on 127.0.0.1 is already in use (is another kiosk serve running?)"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["--interface", "eth0"], "--interface: 'eth0' is not an IPv4 address"),
        (["--port", "70000"], "port: expected a value ≤ 65535"),
        (["--name", ""], "name"),
    ],
)
def test_bad_arguments_are_one_sentence(tmp_path, args, message):
    done = subprocess.run(
        [*KIOSK, "serve", "--library", str(tmp_path / "lib"), *args], capture_output=True, text=True, timeout=60, env=_env()
    )
    assert done.returncode == 2  # called wrongly, as argparse's own usage errors
    assert message in done.stderr and "Traceback" not in done.stderr


def test_serve_then_discover_on_loopback(tmp_path):
    config = tmp_path / "k.toml"
    config.write_text('[api]\nname = "IT Test Mirror"\nroom = "12"\nbind = "127.0.0.1"\ninterfaces = ["127.0.0.1"]\n')
    proc = subprocess.Popen(
        [*KIOSK, "serve", "--config", str(config), "--library", str(tmp_path / "lib"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(KIOSK_API_TOKEN=ENV_TOKEN),
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("kiosk serve: 'IT Test Mirror' on port "), line
        port = int(line.split(" on port ")[1].split()[0])
        base = f"http://127.0.0.1:{port}/api/v1"
        assert httpx.get(f"{base}/looks", headers={"Authorization": f"Bearer {ENV_TOKEN}"}).json() == {"looks": []}
        done = subprocess.run(
            [*KIOSK, "discover", "--timeout", "2", "--json"], capture_output=True, text=True, timeout=60,
            env=_env(KIOSK_CONFIG=str(config)),
        )
        assert done.returncode == 0, done.stderr
        mirrors = json.loads(done.stdout)  # stdout holds the JSON alone
        mine = [m for m in mirrors if m["name"] == "IT Test Mirror"]
        assert len(mine) == 1
        assert mine[0]["port"] == port and mine[0]["addresses"] == ["127.0.0.1"]
        assert mine[0]["txt"]["room"] == "12" and mine[0]["txt"]["api"] == "/api/v1"
        assert mine[0]["txt"]["id"] == httpx.get(f"{base}/status").json()["id"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


@pytest.mark.parametrize(
    "where,extra",
    [("environment", {"KIOSK_API_TOKEN": "short-env-token"}), ("file", {})],
)
def test_a_short_token_is_one_sentence_that_does_not_repeat_it(tmp_path, where, extra):
    config = tmp_path / "k.toml"
    config.write_text('[api]\nbind = "127.0.0.1"\nannounce = false\n' + ('token = "short-file-token"\n' if where == "file" else ""))
    done = subprocess.run(
        [*KIOSK, "serve", "--config", str(config), "--library", str(tmp_path / "lib"), "--port", "0"],
        capture_output=True, text=True, timeout=60, env=_env(**extra),
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "too short" in last and "32" in last
    assert "short-env-token" not in done.stderr and "short-file-token" not in done.stderr
