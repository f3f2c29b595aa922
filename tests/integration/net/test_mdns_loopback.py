"""zeroconf on loopback only: live state in the TXT record follows the session, rate-limited."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from zeroconf import IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from kiosk.events import SessionStateChanged
from kiosk.net.addresses import SERVICE_TYPE
from kiosk.net.discover import MirrorDirectory

from .conftest import copy_library, server_config, start_server, stop_server

pytestmark = pytest.mark.slow


def _announced(recorded_library, tmp_path, interval: float):
    looks = copy_library(recorded_library, tmp_path / "lib")
    return start_server(looks, server_config(announce=True, name="Loop Mirror", txt_interval_s=interval))


class Watch:
    """Browses 127.0.0.1 and records every TXT record of the mirror it sees (time, seq, state)."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str, str]] = []
        self.directory = MirrorDirectory(["127.0.0.1"], on_change=self._changed)

    def _changed(self) -> None:
        for m in self.directory.mirrors():
            if m.name == "Loop Mirror" and (not self.seen or self.seen[-1][1:] != (m.txt.get("seq", ""), m.txt["state"])):
                self.seen.append((time.monotonic(), m.txt.get("seq", ""), m.txt["state"]))

    def states(self) -> list[str]:
        return [state for _, _, state in self.seen]

    async def until(self, state: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.seen and self.seen[-1][2] == state:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the browser never saw {state!r}; it saw {self.seen}")


def test_txt_state_follows_sessions_at_a_limited_rate(recorded_library, tmp_path):
    srv = _announced(recorded_library, tmp_path, 1.0)
    bus = srv.bus

    async def main() -> Watch:
        watch = Watch()
        await watch.directory.async_start()
        try:
            await watch.directory.async_wait_for(1, 10)
            await watch.until("idle", 10)
            start = time.monotonic()
            for i in range(10):  # a flapping presence detector: ten changes in half a second
                state = "session" if i % 2 == 0 else "idle"
                bus.emit(SessionStateChanged(state=state, session_id=f"s{i}" if state == "session" else None))
                await asyncio.sleep(0.05)
            bus.emit(SessionStateChanged(state="session", session_id="final"))
            await watch.until("session", 10)  # the newest state always gets out
            await asyncio.sleep(max(0.0, start + 3.5 - time.monotonic()))  # and nothing else follows
        finally:
            await watch.directory.async_stop()
        return watch

    try:
        watch = asyncio.run(main())
    finally:
        stop_server(srv)
    updates = watch.seen[1:]  # every record sent after the first idle one (each has its own seq)
    assert watch.states()[-1] == "session"
    # eleven changes in 0.55 s at one record a second: the first at once, then at most one per
    # second while they keep coming, then one with the final state; never one per change
    assert 1 <= len(updates) <= 3, watch.seen
    gaps = [b[0] - a[0] for a, b in zip(updates, updates[1:])]
    assert all(g >= 0.8 for g in gaps), watch.seen


def test_a_state_that_returns_reaches_the_browser_every_time(recorded_library, tmp_path):
    """session → idle → session → idle within seconds: each one is seen (issue 11, item 6)."""
    srv = _announced(recorded_library, tmp_path, 0.2)
    bus = srv.bus

    async def main() -> Watch:
        watch = Watch()
        await watch.directory.async_start()
        try:
            await watch.directory.async_wait_for(1, 10)
            await watch.until("idle", 10)
            for n, state in enumerate(("session", "idle", "session", "idle", "session", "idle")):
                bus.emit(SessionStateChanged(state=state, session_id=f"s{n}" if state == "session" else None))
                await watch.until(state, 5)
        finally:
            await watch.directory.async_stop()
        return watch

    try:
        watch = asyncio.run(main())
    finally:
        stop_server(srv)
    assert watch.states() == ["idle", "session", "idle", "session", "idle", "session", "idle"], watch.seen
    assert watch.seen[-1][0] - watch.seen[1][0] < 10  # all within seconds, no waiting for a cache to expire


def test_a_device_announcing_a_mirrors_name_does_not_hide_the_mirror():
    """A rogue (or a misconfigured box) announces the very name a mirror has, without the probe
    that would make it pick another: both stay on the list, for the hello to tell apart."""
    def info(port: int, server: str, mirror_id: str) -> ServiceInfo:
        return ServiceInfo(SERVICE_TYPE, f"Mirror Middle.{SERVICE_TYPE}", port=port, server=server,
                           properties={"id": mirror_id}, addresses=[socket.inet_aton("127.0.0.1")])

    async def main() -> list:
        mirror = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        rogue = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        directory = MirrorDirectory(["127.0.0.1"])
        try:
            await mirror.async_register_service(info(48001, "mirror-middle.local.", "real"))
            await directory.async_start()
            assert [m.port for m in await directory.async_wait_for(1, 10)] == [48001]
            # the rogue skips the probe (cooperating_responders) and announces the same name
            await rogue.async_register_service(info(48002, "rogue.local.", "real"), cooperating_responders=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(directory.mirrors()) < 2:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.5)  # past the mDNS cache flush of the older answer
            return directory.mirrors()
        finally:
            await directory.async_stop()
            await rogue.async_close()
            await mirror.async_close()

    found = asyncio.run(main())
    assert sorted((m.name, m.host, m.port) for m in found) == [
        ("Mirror Middle", "mirror-middle.local", 48001), ("Mirror Middle", "rogue.local", 48002)], found
