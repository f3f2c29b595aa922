"""zeroconf across two network namespaces: real avahi-browse and ``kiosk discover`` find the mirror.

The test makes its own namespaces joined by a veth pair with private addresses that exist only
inside them; nothing is sent on the host's interfaces. avahi-daemon runs in the browsing
namespace with a private D-Bus daemon and a private /run/avahi-daemon (a tmpfs in its own mount
namespace), so a host's avahi or system bus is never touched. Everything is torn down even when
an assertion fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.faults.waiting import wait_for

pytestmark = [pytest.mark.netns, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
KIOSK = [sys.executable, "-m", "kiosk"]
NAME = "Fitting Room 3 Mirror"

DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_type="method_call"/>
    <allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
"""

AVAHI_CONF = """[server]
host-name=mirror-browser-{suffix}
use-ipv4=yes
use-ipv6=no
allow-interfaces={iface}
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
disable-publishing=yes
disable-user-service-publishing=yes
[reflector]
enable-reflector=no
"""


def _need_tools() -> None:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    for tool in ("ip", "avahi-daemon", "avahi-browse", "dbus-daemon"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (scripts install avahi-daemon avahi-utils dbus iproute2)")


def _run(*cmd: str, check: bool = True, timeout: float = 20, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout, env=env)


class Lab:
    """Two namespaces (mirror side ``a``, browser side ``b``) and the processes started in them."""

    def __init__(self, tmp: Path) -> None:
        suffix = f"{os.getpid() % 100000}"
        self.tmp = tmp
        self.suffix = suffix
        self.ns_a, self.ns_b = f"smt-a-{suffix}", f"smt-b-{suffix}"
        self.veth_a, self.veth_b = f"smva{suffix}", f"smvb{suffix}"
        octet = 16 + os.getpid() % 200
        self.addr_a, self.addr_b = f"10.231.{octet}.1", f"10.231.{octet}.2"
        self.addr_a_new = f"10.231.{octet}.3"
        self.procs: list[subprocess.Popen] = []
        self.bus = tmp / "bus.sock"
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={self.bus}", KIOSK_LOG_LEVEL="INFO")
        self.env.pop("KIOSK_CONFIG", None)

    def up(self) -> None:
        _run("ip", "netns", "add", self.ns_a)
        _run("ip", "netns", "add", self.ns_b)
        _run("ip", "link", "add", self.veth_a, "netns", self.ns_a, "type", "veth", "peer", "name", self.veth_b, "netns", self.ns_b)
        for ns, veth, addr in ((self.ns_a, self.veth_a, self.addr_a), (self.ns_b, self.veth_b, self.addr_b)):
            _run("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", veth)
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            _run("ip", "-n", ns, "link", "set", veth, "up")
        (self.tmp / "dbus.conf").write_text(DBUS_CONF.format(socket=self.bus))
        self.spawn(self.ns_b, "dbus-daemon", "--config-file", str(self.tmp / "dbus.conf"), "--nofork", "--nopidfile")
        wait_for(lambda: self.bus.exists(), 10, "the private D-Bus daemon did not start")
        (self.tmp / "avahi.conf").write_text(AVAHI_CONF.format(suffix=self.suffix, iface=self.veth_b))
        os.makedirs("/run/avahi-daemon", exist_ok=True)  # mount point only; a tmpfs covers it below
        self.spawn(
            self.ns_b, "sh", "-c",
            f"mount -t tmpfs tmpfs /run/avahi-daemon && exec avahi-daemon -f {self.tmp / 'avahi.conf'} "
            "--no-drop-root --no-chroot --no-rlimits --no-proc-title",
        )
        wait_for(lambda: self.avahi_ready(), 15, "avahi-daemon did not come up in the namespace")

    def avahi_ready(self) -> bool:
        res = self.in_ns(self.ns_b, "avahi-browse", "-pt", "_nothing._tcp", check=False, timeout=10)
        return res.returncode == 0

    def spawn(self, ns: str, *cmd: str, env: dict | None = None, stdout=subprocess.DEVNULL) -> subprocess.Popen:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, *cmd], env=env or self.env, stdout=stdout, stderr=subprocess.PIPE, text=True,
            cwd=ROOT,
        )
        self.procs.append(proc)
        return proc

    def in_ns(self, ns: str, *cmd: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        return _run("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout, env=self.env)

    def mirror(self, ns: str, addr: str | None, library: Path, config: Path) -> tuple[subprocess.Popen, str]:
        """Start ``kiosk serve`` in ``ns`` (on ``addr``, or on all but loopback); returns it and its name."""
        where = ["--interface", addr] if addr else []
        proc = self.spawn(
            ns, *KIOSK, "serve", "--config", str(config), "--library", str(library), "--port", "0", *where,
            stdout=subprocess.PIPE,
        )
        line = proc.stdout.readline()
        assert line.startswith("kiosk serve:"), f"kiosk serve did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        return proc, line.split("'")[1]

    def down(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        for ns in (self.ns_a, self.ns_b):
            _run("ip", "netns", "del", ns, check=False)  # takes the veth pair with it


def _avahi_records(lab: Lab) -> list[dict]:
    """Resolved ``_smartmirror._tcp`` services as avahi-browse -rpt prints them."""
    out = lab.in_ns(lab.ns_b, "avahi-browse", "-rpt", "_smartmirror._tcp", timeout=20).stdout
    records = []
    for line in out.splitlines():
        f = line.split(";")
        if f[0] == "=" and len(f) >= 10:
            txt = dict(item.strip('"').split("=", 1) for item in _txt_items(f[9]))
            records.append({"name": _unescape(f[3]), "host": f[6], "address": f[7], "port": int(f[8]), "txt": txt})
    return records


def _txt_items(field: str) -> list[str]:
    items, cur, inside = [], "", False
    for ch in field:
        if ch == '"':
            inside = not inside
            if not inside:
                items.append(cur)
                cur = ""
        elif inside:
            cur += ch
    return items


def _unescape(text: str) -> str:
    """avahi-browse -p escapes spaces and punctuation as \\DDD."""
    import re

    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1))), text)


@pytest.fixture
def lab(tmp_path):
    _need_tools()
    lab = Lab(tmp_path)
    try:
        lab.up()
        yield lab
    finally:
        lab.down()


def _config(path: Path, room: str) -> Path:
    path.write_text(f'[api]\nname = "{NAME}"\nroom = "{room}"\nstore = "Test Store"\ntxt_interval_s = 0.5\n')
    return path


def test_avahi_and_kiosk_discover_see_the_mirror_and_a_clash_is_renamed(lab, tmp_path):
    # no --interface: the mirror picks every address but loopback (here: its end of the veth)
    mirror_a, announced = lab.mirror(lab.ns_a, None, tmp_path / "lib-a", _config(tmp_path / "a.toml", "3"))
    assert announced == NAME

    def avahi_sees(names):
        found = {r["name"]: r for r in _avahi_records(lab)}
        return found if set(names) <= set(found) else None

    wait_for(lambda: avahi_sees([NAME]), 20, "avahi-browse in the other namespace never saw the mirror")
    rec = avahi_sees([NAME])[NAME]
    assert rec["address"] == lab.addr_a
    assert rec["txt"]["api"] == "/api/v1"
    assert rec["txt"]["room"] == "3"
    assert rec["txt"]["store"] == "Test Store"
    assert rec["txt"]["state"] == "idle"
    assert rec["txt"]["ver"]
    mirror_id = rec["txt"]["id"]
    assert len(mirror_id) == 36

    res = lab.in_ns(lab.ns_b, *KIOSK, "discover", "--timeout", "3", "--json")
    found = {m["name"]: m for m in json.loads(res.stdout)}
    assert NAME in found, res.stdout
    assert found[NAME]["addresses"] == [lab.addr_a]
    assert found[NAME]["txt"] == rec["txt"]
    assert found[NAME]["port"] == rec["port"]

    # a second mirror with the same name, on the other side of the link, must rename itself
    _, second = lab.mirror(lab.ns_b, lab.addr_b, tmp_path / "lib-b", _config(tmp_path / "b.toml", "4"))
    assert second == f"{NAME}-2"
    wait_for(lambda: avahi_sees([NAME, f"{NAME}-2"]), 20, "avahi-browse did not see both mirrors")
    res = lab.in_ns(lab.ns_b, *KIOSK, "discover", "--timeout", "3", "--json")
    names = {m["name"]: m["txt"]["room"] for m in json.loads(res.stdout)}
    assert names == {NAME: "3", f"{NAME}-2": "4"}

    # the mirror's address changes (DHCP renewed it): it announces itself at the new one
    # (a namespace's own sysctl: keep the new address when the old primary one goes)
    lab.in_ns(lab.ns_a, "sysctl", "-qw", f"net.ipv4.conf.{lab.veth_a}.promote_secondaries=1")
    lab.in_ns(lab.ns_a, "ip", "addr", "add", f"{lab.addr_a_new}/24", "dev", lab.veth_a)
    lab.in_ns(lab.ns_a, "ip", "addr", "del", f"{lab.addr_a}/24", "dev", lab.veth_a)

    def discovered_at_new_address():
        res = lab.in_ns(lab.ns_b, *KIOSK, "discover", "--timeout", "2", "--json")
        return any(m["name"] == NAME and m["addresses"] == [lab.addr_a_new] for m in json.loads(res.stdout))

    wait_for(discovered_at_new_address, 30, "the mirror was not announced at its new address")
    wait_for(
        lambda: (avahi_sees([NAME]) or {}).get(NAME, {}).get("address") == lab.addr_a_new,
        20,
        "avahi did not learn the new address",
    )

    # stopping sends goodbye packets: avahi forgets the mirror at once, not after its TTL
    mirror_a.send_signal(signal.SIGTERM)
    assert mirror_a.wait(10) == 0
    wait_for(lambda: NAME not in {r["name"] for r in _avahi_records(lab)}, 8, "the stopped mirror stayed in avahi's cache")
