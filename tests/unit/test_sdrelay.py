"""kiosk.sdrelay, the kiosk unit's main process, as systemd runs it: a real process tree.

The relay runs ``sh`` (standing in for cage), which runs a small Python "kiosk" that notifies;
systemd's notification socket is a datagram socket bound by the test. Boot-level proof (a real
systemd, cage and kiosk) is scripts/test-boot.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.faults.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

KIOSK = r"""
import faulthandler, json, os, signal, socket, sys, time
faulthandler.enable()
marker, mode = sys.argv[1], sys.argv[2]
def on_term(*_):
    open(marker, "w").write("stopped cleanly")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "stubborn" else on_term)
env = {k: os.environ.get(k) for k in ("NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC")}
with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
    s.sendto(("STATUS=" + json.dumps(env)).encode(), os.environ["NOTIFY_SOCKET"])
    s.sendto(b"READY=1\nMAINPID=1\nSTATUS=up", os.environ["NOTIFY_SOCKET"])
    if mode == "exit":
        s.sendto(b"STOPPING=1", os.environ["NOTIFY_SOCKET"])
        sys.exit(3)
while True:
    time.sleep(0.05)
"""


def start(tmp_path, notify_socket: str | None, mode: str, grace_s: float = 15.0, cage_status: str = "0",
          cage: str = "{kiosk}; echo cage saw $?; exit {status}",
          sd_pam: Path | None = None) -> tuple[subprocess.Popen, Path]:
    """The relay running ``sh -c CAGE`` (sh stands in for cage; ``{kiosk}`` in it runs the kiosk).

    With ``sd_pam`` (a file for its PID), the relay's process has a child before it starts, as
    systemd's "(sd-pam)" is under a unit with ``PAMName=``: a sleep, forked before the exec.
    """
    script = tmp_path / "kiosk.py"
    script.write_text(KIOSK)
    marker = tmp_path / "marker"
    runtime = tmp_path / "run"
    runtime.mkdir(exist_ok=True)
    env = dict(os.environ, RUNTIME_DIRECTORY=str(runtime), WATCHDOG_USEC="30000000", WATCHDOG_PID="1",
               PYTHONPATH=str(ROOT))
    env.pop("NOTIFY_SOCKET", None)
    if notify_socket:
        env["NOTIFY_SOCKET"] = notify_socket
    command = cage.format(kiosk=f"{sys.executable} {script} {marker} {mode}", status=cage_status)
    argv = [sys.executable, "-m", "kiosk.sdrelay", "--stop-grace", str(grace_s), "--", "sh", "-c", command]
    if sd_pam is not None:
        argv = ["sh", "-c", f'sleep 300 >/dev/null 2>&1 & echo $! > {sd_pam}; exec "$@"', "sh", *argv]
    relay = subprocess.Popen(argv, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return relay, marker


def receive(sock) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_the_kiosks_notifications_reach_systemd_as_the_main_processes(notify_socket, tmp_path):
    sock, path = notify_socket
    relay, _ = start(tmp_path, path, "exit")
    first = receive(sock)
    child_env = __import__("json").loads(first[0].removeprefix("STATUS="))
    # the kiosk notifies the relay's socket, in the unit's runtime folder, and owns the watchdog
    assert child_env == {"NOTIFY_SOCKET": str(tmp_path / "run" / "notify"), "WATCHDOG_PID": None,
                         "WATCHDOG_USEC": "30000000"}
    assert receive(sock) == ["READY=1", "STATUS=up"]  # MAINPID= from a descendant is dropped
    assert receive(sock) == ["STOPPING=1"]
    out, err = relay.communicate(timeout=20)
    # cage (sh here) exits 0 although its kiosk ended by itself with 3: nobody asked it to stop,
    # so the relay exits as a failure and systemd restarts the mirror
    assert "cage saw 3" in out and relay.returncode == 1 and "ended without being asked" in err
    assert not (tmp_path / "run" / "notify").exists()  # the relay cleans its socket up


def test_a_failing_command_passes_its_status_on(notify_socket, tmp_path):
    sock, path = notify_socket
    relay, _ = start(tmp_path, path, "exit", cage_status="5")
    out, _ = relay.communicate(timeout=20)
    assert relay.returncode == 5


def test_a_stop_asks_the_kiosk_first_and_the_relay_ends_with_cage(notify_socket, tmp_path):
    sock, path = notify_socket
    relay, marker = start(tmp_path, path, "clean")
    receive(sock)
    assert receive(sock)[0] == "READY=1"
    relay.send_signal(signal.SIGTERM)
    out, _ = relay.communicate(timeout=20)
    assert marker.read_text() == "stopped cleanly"  # the kiosk got SIGTERM, not cage
    assert "cage saw 0" in out and relay.returncode == 0


def test_a_kiosk_that_does_not_stop_is_killed_when_the_grace_runs_out(notify_socket, tmp_path):
    sock, path = notify_socket
    relay, marker = start(tmp_path, path, "stubborn", grace_s=1.0)  # the unit: 15 s, TimeoutStopSec 20 s
    receive(sock)
    receive(sock)
    relay.send_signal(signal.SIGTERM)
    out, err = relay.communicate(timeout=30)
    assert not marker.exists()
    assert "did not stop in time" in err
    assert relay.returncode == 128 + signal.SIGKILL and "cage saw" not in out  # kiosk and cage both killed


def test_cage_ends_when_the_relay_is_killed_outright(notify_socket, tmp_path):
    sock, path = notify_socket
    ended = tmp_path / "cage-ended"
    # sh stands in for cage: on SIGTERM it ends its client, as cage's client loses its screen
    relay, marker = start(tmp_path, path, "clean",
                          cage=f"trap 'kill $kiosk; echo TERM > {ended}; exit 0' TERM; {{kiosk}} & kiosk=$!; wait")
    receive(sock)
    receive(sock)
    relay.kill()  # SIGKILL: no handler of the relay runs
    relay.wait(20)
    wait_until(ended.exists, "cage told to end by the kernel", 20)
    wait_until(marker.exists, "the kiosk stopped", 20)


def test_what_the_session_leaves_behind_ends_before_the_relay(notify_socket, tmp_path):
    # cage's Xwayland, half started when cage ended, and its helper process outlive cage; here two
    # sleeps stand in for them, one that ends on SIGTERM and one that ignores it
    sock, path = notify_socket
    polite, deaf = tmp_path / "polite", tmp_path / "deaf"
    relay, marker = start(tmp_path, path, "clean",
                          cage=f"sleep 300 & echo $! > {polite}; "
                               f"sh -c 'trap \"\" TERM; exec sleep 301' & echo $! > {deaf}; "
                               "{kiosk}; echo cage saw $?; exit 0")
    receive(sock)
    receive(sock)
    strays = [int(polite.read_text()), int(deaf.read_text())]
    relay.send_signal(signal.SIGTERM)
    out, err = relay.communicate(timeout=30)
    assert "cage saw 0" in out and relay.returncode == 0
    assert "left 2 process(es) behind (sleep)" in err
    assert "1 process(es) left behind did not end in time; killing them" in err  # the deaf one
    for pid in strays:  # ended and reaped by the relay: not even a zombie is left
        assert not Path(f"/proc/{pid}").exists(), f"stray {pid} still there"


def test_the_children_the_relay_had_before_the_command_are_not_strays(notify_socket, tmp_path):
    sock, path = notify_socket
    sd_pam = tmp_path / "sd-pam"
    relay, _ = start(tmp_path, path, "clean", sd_pam=sd_pam)
    receive(sock)
    receive(sock)
    pid = int(sd_pam.read_text())
    try:
        relay.send_signal(signal.SIGTERM)
        out, err = relay.communicate(timeout=30)
        assert relay.returncode == 0 and "behind" not in err
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        assert state != "Z"  # untouched: systemd's own child closes the session when the relay ends
    finally:
        os.kill(pid, signal.SIGKILL)


def test_the_watchdogs_abort_writes_the_kiosks_stacks_then_ends_it(notify_socket, tmp_path):
    sock, path = notify_socket
    relay, _ = start(tmp_path, path, "stubborn")
    receive(sock)
    receive(sock)
    relay.send_signal(signal.SIGABRT)  # systemd's WatchdogSignal
    out, err = relay.communicate(timeout=20)
    assert "watchdog fired" in err
    assert "Fatal Python error: Aborted" in err and "kiosk.py" in err  # faulthandler's stacks
    assert "cage saw 134" in out  # 128 + SIGABRT


def test_without_systemd_the_relay_becomes_the_command(tmp_path):
    relay, _ = start(tmp_path, None, "exit")
    out, err = relay.communicate(timeout=20)
    assert relay.returncode == 0 and "cage saw 1" in out  # the kiosk could not notify: KeyError, exit 1
    assert not (tmp_path / "run" / "notify").exists()


@pytest.mark.parametrize("args", [["--"], ["--stop-grace", "soon", "--", "true"], ["--stop-grace", "0", "--", "true"]])
def test_bad_arguments_are_a_usage_error(args):
    res = subprocess.run([sys.executable, "-m", "kiosk.sdrelay", *args], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=20)
    assert res.returncode == 2 and "usage" in res.stderr
