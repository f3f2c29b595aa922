"""The live directory on a mirror that boots before it has a network address: it waits, then browses.

No mDNS traffic: the address lookup is injected and zeroconf is a fake.
"""

from __future__ import annotations

import asyncio

import kiosk.net.discover as discover
from kiosk.net.discover import MirrorDirectory


class FakeZeroconf:
    """AsyncZeroconf that records where it was opened; refuses an address while ``refusing``."""

    opened: list[list[str]] = []
    refusing: set[str] = set()

    def __init__(self, interfaces, ip_version):
        if set(interfaces) & FakeZeroconf.refusing:
            raise OSError(99, "Cannot assign requested address")
        self.interfaces, self.zeroconf = interfaces, None
        FakeZeroconf.opened.append(interfaces)

    async def async_close(self):
        pass


class FakeBrowser:
    def __init__(self, *args, **kwargs):
        pass

    async def async_cancel(self):
        pass


def fakes(monkeypatch):
    monkeypatch.setattr(discover, "AsyncZeroconf", FakeZeroconf)
    monkeypatch.setattr(discover, "AsyncServiceBrowser", FakeBrowser)
    FakeZeroconf.opened, FakeZeroconf.refusing = [], set()


async def until(condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_without_an_address_the_directory_waits_says_so_and_starts_once_one_appears(monkeypatch):
    fakes(monkeypatch)
    addresses: list[str] = []

    async def scenario():
        directory = MirrorDirectory(None, addresses=lambda: list(addresses), address_poll_s=0.02)
        await directory.async_start()
        try:
            ok, detail = directory.health()
            assert not ok and detail.startswith("waiting for a network address")
            assert not FakeZeroconf.opened
            addresses.append("192.0.2.10")  # DHCP answered
            await until(lambda: directory.health()[0])
            assert FakeZeroconf.opened == [["192.0.2.10"]]
            assert directory.health() == (True, "looking for the store's other mirrors on 1 network address (none seen yet)")
        finally:
            await directory.async_stop()

    asyncio.run(scenario())


def test_an_address_that_cannot_be_used_yet_is_tried_again(monkeypatch):
    fakes(monkeypatch)
    FakeZeroconf.refusing = {"192.0.2.10"}  # EADDRNOTAVAIL while DHCP settles

    async def scenario():
        directory = MirrorDirectory(None, addresses=lambda: ["192.0.2.10"], address_poll_s=0.02)
        await directory.async_start()
        try:
            ok, detail = directory.health()
            assert not ok and "cannot look for other mirrors on this network address yet" in detail
            assert "Cannot assign" in detail and "192.0.2.10" not in detail  # public health names no address
            FakeZeroconf.refusing = set()
            await until(lambda: directory.health()[0])
            assert FakeZeroconf.opened == [["192.0.2.10"]]
        finally:
            await directory.async_stop()

    asyncio.run(scenario())


def test_a_one_shot_browse_without_an_address_does_not_wait(monkeypatch):
    fakes(monkeypatch)

    async def scenario():
        directory = MirrorDirectory(None, addresses=lambda: [])
        await directory.async_start()
        try:
            return directory.health()
        finally:
            await directory.async_stop()

    ok, detail = asyncio.run(scenario())
    assert not ok and "no network address" in detail and "again" not in detail


def test_health_says_the_directory_waits_for_a_network_address(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from kiosk.config import Config
    from kiosk.net.api_status import get_health
    from kiosk.net.assist import AssistQueue
    from kiosk.net.auth import Auth
    from kiosk.net.context import NetContext
    from kiosk.net.db import NetworkDatabase
    from kiosk.net.outbox import Outbox
    from kiosk.net.shares import ShareStore
    from kiosk.net.stream import EventStream

    fakes(monkeypatch)
    db = NetworkDatabase(tmp_path / "n.sqlite3")
    db.open()

    async def scenario():
        directory = MirrorDirectory(None, addresses=lambda: [], address_poll_s=10.0)
        await directory.async_start()
        try:
            ctx = NetContext(config=Config(), mirror_id="m-1", auth=Auth("t"), shares=ShareStore(db, 60),
                             assist=AssistQueue(db), outbox=Outbox(db, None, {}), stream=EventStream(),
                             directory=directory, data_dir=tmp_path)
            request = SimpleNamespace(headers={}, client=None, app=SimpleNamespace(state=SimpleNamespace(trust=None)))
            return get_health(request, ctx)  # no token: the public answer
        finally:
            await directory.async_stop()

    try:
        health = asyncio.run(scenario())
    finally:
        db.close()
    assert not health.checks["directory"].ok
    assert health.checks["directory"].detail == ("waiting for a network address to look for the store's other "
                                                 "mirrors on")
    assert "directory: waiting for a network address" in " ".join(health.problems)


def test_the_directory_follows_the_host_to_new_addresses(monkeypatch):
    # A new DHCP lease, or the cable moved to another port: browsing on the old address would
    # find nobody, as the announcer moves with the host too.
    fakes(monkeypatch)
    addresses = ["192.0.2.10"]

    async def scenario():
        directory = MirrorDirectory(None, addresses=lambda: list(addresses), address_poll_s=0.02)
        await directory.async_start()
        try:
            assert directory.health()[0]
            addresses[:] = []  # the link went down for a while
            await until(lambda: not directory.health()[0])
            assert directory.health()[1].startswith("waiting for a network address")
            addresses[:] = ["198.51.100.7"]  # and came back with a new lease
            await until(lambda: directory.health()[0])
            assert FakeZeroconf.opened == [["192.0.2.10"], ["198.51.100.7"]]
        finally:
            await directory.async_stop()

    asyncio.run(scenario())


def test_fixed_interfaces_are_browsed_on_as_they_are(monkeypatch):
    fakes(monkeypatch)
    looked: list[int] = []

    def lookup():
        looked.append(1)
        return ["198.51.100.7"]

    async def scenario():
        directory = MirrorDirectory(["192.0.2.10"], addresses=lookup, address_poll_s=0.02)
        await directory.async_start()
        try:
            assert directory._poller is None  # nothing to follow: no address polling at all
            return directory.health()
        finally:
            await directory.async_stop()

    ok, detail = asyncio.run(scenario())
    assert ok and "1 network address" in detail and not looked and FakeZeroconf.opened == [["192.0.2.10"]]


def test_after_a_move_mirrors_the_new_browse_does_not_find_again_are_dropped(monkeypatch):
    # A record the old browse found gets no "Removed" once that browse is closed: a mirror that
    # went (or stays behind on the old network) would be listed for ever. Those the new browse
    # finds again within KEEP_S stay.
    import time

    from kiosk.net.discover import MirrorRecord

    fakes(monkeypatch)
    monkeypatch.setattr(discover, "KEEP_S", 0.2)
    addresses = ["192.0.2.10"]
    changes: list[int] = []

    def record(name: str, host: str) -> MirrorRecord:
        return MirrorRecord(name, host, [host], 8080, {"id": name})

    async def scenario():
        directory = MirrorDirectory(None, on_change=lambda: changes.append(1), addresses=lambda: list(addresses),
                                    address_poll_s=0.02)
        await directory.async_start()
        try:
            before = time.monotonic()
            for name, host in (("gone", "192.0.2.20"), ("still-here", "192.0.2.21")):
                directory._records[name] = {(host, 8080, name): (record(name, host), before)}
            addresses[:] = ["198.51.100.7"]  # a new lease
            await until(lambda: len(FakeZeroconf.opened) == 2)
            found = record("still-here", "192.0.2.21")  # the new browse resolves it again
            directory._records["still-here"] = {("192.0.2.21", 8080, "still-here"): (found, time.monotonic())}
            await until(lambda: [r.name for r in directory.mirrors()] == ["still-here"], timeout=3.0)
            await asyncio.sleep(0.3)
            return [r.name for r in directory.mirrors()]
        finally:
            await directory.async_stop()

    assert asyncio.run(scenario()) == ["still-here"]
    assert changes  # the console hears that the list changed
