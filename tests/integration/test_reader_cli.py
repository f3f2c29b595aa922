"""``kiosk reader-sim`` → real pseudo-terminal → ``kiosk reader --json``, as separate processes."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

KIOSK = [sys.executable, "-m", "kiosk"]
UIDS = {"pn532": "0416C6C2D73881", "rdm6300": "67003B51C6", "line": "04A1B2C3D4"}


SECRET = "7a" * 32  # the store secret the tests' configuration points at


def config_file(tmp_path: Path, secret: bool = True) -> Path:
    """A configuration naming a store secret of the test's own (or none that exists)."""
    path = tmp_path / ("with-secret.toml" if secret else "no-secret.toml")
    secret_file = tmp_path / ("store-secret" if secret else "missing-secret")
    if secret:
        secret_file.write_text(SECRET + "\n")
    path.write_text(f'[identity]\nsecret_file = "{secret_file}"\n')
    return path


def card_key(uid: str) -> str:
    from kiosk.identity.cardkey import CardKeyer

    return CardKeyer(bytes.fromhex(SECRET)).key(uid)


def masked(uid: str) -> str:
    return "•" * (len(uid) - 2) + uid[-2:] + f" ({len(uid) // 2} bytes)"


class Proc:
    """A child process whose stdout lines arrive on a queue; its stderr is kept as it comes."""

    def __init__(self, args, tmp_path: Path, stdin=subprocess.DEVNULL):
        env = dict(os.environ, KIOSK_CONFIG=str(config_file(tmp_path)))
        env.pop("KIOSK_LOG_LEVEL", None)
        self.p = subprocess.Popen(KIOSK + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        self.lines: queue.Queue = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, name="test-pump", daemon=True).start()
        self._errors_done = threading.Thread(target=self._pump_errors, name="test-pump-err", daemon=True)
        self._errors_done.start()

    def _pump(self):
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))

    def _pump_errors(self):
        for line in self.p.stderr:
            self.errors.append(line)

    def wait_for_stderr(self, text: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.errors):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared on stderr: {self.errors}")
            time.sleep(0.05)

    def line(self, timeout=15.0) -> str:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s; stderr so far: {self.stop()[1]}") from None

    def send(self, text: str):
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self._errors_done.join(5)  # the process is gone: its stderr ends, the pump has every line
        return self.p.returncode, "".join(self.errors)


@pytest.fixture
def procs():
    started = []
    yield started
    for proc in started:
        proc.stop()


def sim(procs, tmp_path, protocol, *extra, stdin=subprocess.DEVNULL):
    proc = Proc(["reader-sim", "--protocol", protocol, *extra], tmp_path, stdin=stdin)
    procs.append(proc)
    return proc, proc.line()


@pytest.mark.parametrize(("protocol", "flag"), [(p, p) for p in UIDS] + [(p, "auto") for p in UIDS])
def test_reader_sim_to_reader_json_once(procs, tmp_path, protocol, flag):
    simulator, port = sim(procs, tmp_path, protocol, "--uid", UIDS[protocol])
    assert port.startswith("/dev/pts/")
    reader = subprocess.run(KIOSK + ["reader", "--port", port, "--protocol", flag, "--once", "--json",
                                     "--config", str(config_file(tmp_path))],
                            capture_output=True, text=True, timeout=60)
    assert reader.returncode == 0, reader.stderr
    lines = reader.stdout.splitlines()
    assert len(lines) == 1  # --json: stdout holds the taps alone
    uid = UIDS[protocol]
    assert json.loads(lines[0]) == {"card": masked(uid), "card_key": card_key(uid), "protocol": protocol, "port": port}
    assert uid not in reader.stdout + reader.stderr  # the card number itself is never printed


def test_without_a_store_secret_only_the_masked_number_is_shown(procs, tmp_path):
    uid = UIDS["line"]
    simulator, port = sim(procs, tmp_path, "line", "--uid", uid)
    reader = subprocess.run(KIOSK + ["reader", "--port", port, "--protocol", "line", "--once",
                                     "--config", str(config_file(tmp_path, secret=False))],
                            capture_output=True, text=True, timeout=60)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == f"card {masked(uid)} (no store secret here to compute its key) (line on {port})"
    assert uid not in reader.stdout + reader.stderr and not (tmp_path / "missing-secret").exists()


def test_unplug_and_replug_while_reading(procs, tmp_path):
    link = str(tmp_path / "usb-ACME_PN532-if00")
    simulator, port = sim(procs, tmp_path, "pn532", "--link", link, stdin=subprocess.PIPE)
    assert port == link and os.path.islink(link)
    reader = Proc(["reader", "--port", link, "--json"], tmp_path)
    procs.append(reader)
    reader.wait_for_stderr("kiosk reader:")  # the reader woke and configured the PN532
    simulator.send("tap 0416C6C2D73881 0.6")
    first = json.loads(reader.line())
    expected = {"card": masked("0416C6C2D73881"), "card_key": card_key("0416C6C2D73881"), "protocol": "pn532", "port": link}
    assert first == expected
    simulator.send("unplug")
    deadline = time.monotonic() + 10
    while os.path.exists(link) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(link)
    simulator.send("plug")  # a new pseudo-terminal behind the same link
    assert simulator.line() == link
    deadline = time.monotonic() + 20
    second = None
    while second is None and time.monotonic() < deadline:
        simulator.send("tap 04A1B2C3 0.6")
        try:
            second = json.loads(reader.lines.get(timeout=2.0))
        except queue.Empty:
            continue
    assert second == {"card": masked("04A1B2C3"), "card_key": card_key("04A1B2C3"), "protocol": "pn532", "port": link}
    assert reader.p.poll() is None  # it never gave up
    code, err = reader.stop()
    assert code == 0 and "Traceback" not in err


def test_port_that_cannot_be_opened(tmp_path):
    result = subprocess.run(KIOSK + ["reader", "--port", str(tmp_path / "ttyUSB9"), "--once"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().endswith("no such device (is the reader plugged in?)")
    assert "Traceback" not in result.stderr


def test_nothing_answers(procs, tmp_path):
    simulator, port = sim(procs, tmp_path, "rdm6300")  # no card is ever held on it
    result = subprocess.run(KIOSK + ["reader", "--port", port, "--protocol", "pn532", "--once"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "no PN532 answers" in result.stderr
    result = subprocess.run(KIOSK + ["reader", "--port", port, "--once", "--timeout", "3"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "within 3 s" in result.stderr and "Traceback" not in result.stderr


def test_reader_sim_refuses_bad_uids(tmp_path):
    result = subprocess.run(KIOSK + ["reader-sim", "--protocol", "rdm6300", "--uid", "0416C6C2D73881"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "5 bytes (10 hex digits)" in result.stderr
