"""Devices that announce themselves as mirrors, on loopback: they neither enter the fleet files nor
make a mirror knock on every door they name.

``kiosk discover --prometheus/--ansible-inventory`` runs beside a real mirror (B) and two rogues
announced by real zeroconf on 127.0.0.1: one claims B's id at an address of its own and passes
every request on to B (so it answers hellos with B's real proof), the other claims an id of its
own. Only B, at its own address, may enter the files. Then a rogue announces 150 names: the
console's directory keeps a bounded number, B among them, and a console refresh sends a bounded
number of hellos, a few at a time, and none again to a device that just failed one.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from kiosk.net import discover, peers
from kiosk.net.addresses import SERVICE_TYPE
from tests.integration.faults.waiting import wait_for

from .conftest import PIN, STORE_SECRET, copy_library, server_config, start_server, stop_server, write_store_secret

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


class Relay:
    """An HTTP server on ``address`` that passes every request on to ``target`` and its answer back."""

    def __init__(self, address: str, target: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.request(self.command, target + self.path, content=body, headers=headers, timeout=5)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _any  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((address, 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, name="test-relay", daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Doors:
    """``count`` HTTP servers on 127.0.0.1 that refuse every hello, counting them and how many at once.

    Each holds its request until ``peers.MAX_HELLOS`` are in flight (or a second passes), so
    hellos sent without a limit would pile up beyond it.
    """

    def __init__(self, count: int) -> None:
        self.hellos = 0
        self.per_door: dict[int, int] = {}
        self.inflight = 0
        self.most = 0
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.cond:
                    outer.hellos += 1
                    port = self.server.server_address[1]
                    outer.per_door[port] = outer.per_door.get(port, 0) + 1
                    outer.inflight += 1
                    outer.most = max(outer.most, outer.inflight)
                    outer.cond.notify_all()
                    outer.cond.wait_for(lambda: outer.inflight >= peers.MAX_HELLOS, timeout=1.0)
                    outer.inflight -= 1
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(count)]
        for httpd in self.servers:
            threading.Thread(target=httpd.serve_forever, name="test-door", daemon=True).start()
        self.ports = [s.server_address[1] for s in self.servers]

    def close(self) -> None:
        for httpd in self.servers:
            httpd.shutdown()
            httpd.server_close()


class Announcer:
    """Real zeroconf on 127.0.0.1, on a loop of its own, announcing whatever the test says."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="test-announcer", daemon=True).start()
        self.zc = self._run(self._make())

    async def _make(self) -> AsyncZeroconf:
        return AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)

    def _run(self, coro, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def announce(self, *services: tuple[str, str, str, int, dict]) -> None:
        """(name, host, address, port, txt) each."""
        infos = [ServiceInfo(SERVICE_TYPE, f"{name}.{SERVICE_TYPE}", port=port, server=host, properties=txt,
                             addresses=[socket.inet_aton(address)]) for name, host, address, port, txt in services]

        async def register():
            await asyncio.gather(*(self.zc.async_register_service(i, cooperating_responders=True) for i in infos))

        self._run(register())

    def close(self) -> None:
        self._run(self.zc.async_close(), 30)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def announcer():
    a = Announcer()
    try:
        yield a
    finally:
        a.close()


def _discover(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "discover.toml"
    config.write_text(f'[api]\ninterfaces = ["127.0.0.1"]\n[library]\ndata_dir = "{tmp_path / "no-data"}"\n')
    env = dict(os.environ, KIOSK_CONFIG=str(config))
    return subprocess.run([sys.executable, "-m", "kiosk", "discover", *args], capture_output=True, text=True,
                          timeout=90, cwd=ROOT, env=env)


def test_only_mirrors_that_prove_themselves_at_their_own_address_enter_the_fleet(recorded_library, tmp_path, announcer):
    b = start_server(copy_library(recorded_library, tmp_path / "lib-b"),
                     server_config(announce=True, name="Mirror 3", room="3", store="Oxford Street"))
    relay = Relay("127.0.0.66", b.url)
    try:
        b_id = httpx.get(b.url + "/api/v1/status").json()["id"]
        b_port = int(b.url.rsplit(":", 1)[1])
        announcer.announce(
            ("Mirror 3 copy", "evil.local.", "127.0.0.66", relay.port, {"id": b_id, "store": "Oxford Street", "room": "3"}),
            ("Mirror 9", "evil9.local.", "127.0.0.67", 8080, {"id": "rogue-9", "store": "Oxford Street", "room": "9"}),
        )
        secret = write_store_secret(tmp_path / "store.secret", STORE_SECRET)
        targets, inventory = tmp_path / "targets.json", tmp_path / "inventory.yml"
        # a target a person keeps (a mirror that is off today) stays, and the rogue cannot take B's place
        targets.write_text(json.dumps([{"targets": ["10.9.9.9:8080"], "labels": {"id": "old-mirror", "room": "1"}}]))

        def every_device_seen():
            res = _discover(tmp_path, "--once", "--timeout", "3", "--prometheus", str(targets),
                            "--ansible-inventory", str(inventory), "--store-secret", str(secret))
            assert res.returncode == 0, res.stderr
            return res if "127.0.0.66" in res.stderr and "127.0.0.67" in res.stderr else None

        res = wait_for(every_device_seen, 60, "kiosk discover never saw both rogues")
        groups = {g["labels"]["id"]: g for g in json.loads(targets.read_text())}
        assert set(groups) == {b_id, "old-mirror"}
        assert groups[b_id]["targets"] == [f"127.0.0.1:{b_port}"]
        # no version label: the mirror's own kiosk_build_info carries it (a target label would rename it exported_version)
        assert groups[b_id]["labels"]["room"] == "3" and "version" not in groups[b_id]["labels"]
        hosts = {
            name: host
            for store in json.loads(inventory.read_text())["all"]["children"]["smartmirrors"]["children"].values()
            for room in store["children"].values()
            for name, host in room["hosts"].items()
        }
        assert [(h["mirror_id"], h["ansible_host"], h["mirror_proven"]) for h in hosts.values()] == [(b_id, "127.0.0.1", True)]
        assert "passed on" in res.stderr and "Traceback" not in res.stderr
        assert res.stdout.startswith("2 mirrors written to ")
    finally:
        relay.close()
        stop_server(b)


def test_fleet_files_without_a_store_secret_are_refused_in_one_sentence(tmp_path):
    for args, words in (
        (("--prometheus", str(tmp_path / "t.json")), "this machine has none: pass --store-secret FILE"),
        (("--unverified", "--prometheus", str(tmp_path / "t.json"), "--ansible-inventory", str(tmp_path / "i.yml")),
         "--unverified cannot write an inventory"),
        (("--prometheus", str(tmp_path / "t.json"), "--store-secret", str(tmp_path / "missing")), "does not exist"),
    ):
        res = _discover(tmp_path, "--once", "--timeout", "0.5", *args)
        assert res.returncode != 0 and words in res.stderr, res.stderr
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "t.json").exists()


def test_a_flood_of_announced_names_costs_a_bounded_directory_and_few_hellos(recorded_library, tmp_path, announcer):
    a = start_server(copy_library(recorded_library, tmp_path / "lib-a"), server_config(name="Mirror Left", room="1"))
    b = start_server(copy_library(recorded_library, tmp_path / "lib-b"),
                     server_config(announce=True, name="Mirror Middle", room="5", txt_interval_s=0.5))
    doors = Doors(20)
    try:
        session = httpx.post(a.url + "/console/api/sign-in", json={"secret": PIN}).json()["token"]
        auth = {"Authorization": f"Bearer {session}"}

        def overview():
            r = httpx.get(a.url + "/console/api/overview", headers=auth, timeout=60)
            assert r.status_code == 200, r.text
            return r.json()["mirrors"]

        def b_trusted():
            return any(m["name"] == "Mirror Middle" and m["trusted"] for m in overview())

        wait_for(b_trusted, 20, "the console never proved the second mirror")
        directory = a.service.ctx.directory
        announcer.announce(*((f"Rogue {i}", "rogue.local.", "127.0.0.1", doors.ports[i % 20], {"id": f"r{i}"})
                             for i in range(150)))
        sizes = []

        def flood_taken_in():
            sizes.append(len(directory.mirrors()))
            return sizes[-1] >= discover.MAX_RECORDS and not directory._tasks

        wait_for(flood_taken_in, 60, f"the directory never filled up: {sizes[-5:]}")
        wait_for(lambda: flood_taken_in() and flood_taken_in(), 30, "the directory never settled")
        assert max(sizes) <= discover.MAX_RECORDS, max(sizes)
        assert any(m.name == "Mirror Middle" for m in directory.mirrors()), "the proven mirror was evicted"

        mirrors = overview()
        # However many names: each address is asked once per backoff (15 s, doubling), by the console
        # and the mirror's hello round together (kiosk/net/hello_round.py), not once per name.
        assert max(doors.per_door.values()) <= 4, doors.per_door
        assert doors.most <= peers.MAX_HELLOS, doors.most
        assert any(m["name"] == "Mirror Middle" and m["trusted"] for m in mirrors)
        first = doors.hellos
        assert first > 0, "the rogue's doors were never knocked on: the test proves nothing"
        mirrors = overview()  # the devices that just failed are not asked again yet
        assert doors.hellos == first
        unverified = [m for m in mirrors if not m["trusted"]]
        assert unverified and all("not asked again" in m["problem"] for m in unverified)
    finally:
        doors.close()
        stop_server(b)
        stop_server(a)
