"""Devices that announce themselves as mirrors, on loopback: they do not make a mirror knock on
every door they name.

A rogue announces 150 names by real zeroconf on 127.0.0.1: the console's directory keeps a
bounded number, the proven mirror (B) among them, and a console refresh sends a bounded number
of hellos, a few at a time, and none again to a device that just failed one.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from kiosk.net import discover, peers
from kiosk.net.addresses import SERVICE_TYPE

from .conftest import PIN, copy_library, server_config, start_server, stop_server
from .test_peer_trust import _wait

pytestmark = pytest.mark.slow


class Doors:
    """``count`` HTTP servers on 127.0.0.1 that refuse every hello, counting them and how many at once.

    Each holds its request until ``peers.MAX_HELLOS`` are in flight (or a second passes), so
    hellos sent without a limit would pile up beyond it.
    """

    def __init__(self, count: int) -> None:
        self.hellos = 0
        self.inflight = 0
        self.most = 0
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.cond:
                    outer.hellos += 1
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

        _wait(b_trusted, 20, "the console never proved the second mirror")
        directory = a.service.ctx.directory
        announcer.announce(*((f"Rogue {i}", "rogue.local.", "127.0.0.1", doors.ports[i % 20], {"id": f"r{i}"})
                             for i in range(150)))
        sizes = []

        def flood_taken_in():
            sizes.append(len(directory.mirrors()))
            return sizes[-1] >= discover.MAX_RECORDS and not directory._tasks

        _wait(flood_taken_in, 60, f"the directory never filled up: {sizes[-5:]}")
        _wait(lambda: flood_taken_in() and flood_taken_in(), 30, "the directory never settled")
        assert max(sizes) <= discover.MAX_RECORDS, max(sizes)
        assert any(m.name == "Mirror Middle" for m in directory.mirrors()), "the proven mirror was evicted"

        mirrors = overview()
        assert doors.hellos <= len(doors.ports), doors.hellos  # one hello per address, however many names
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
