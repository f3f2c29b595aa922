"""After a failed re-announce on a new address the announcer tries that address again at the next poll."""

from __future__ import annotations

import asyncio

import kiosk.net.announce as announce


class FakeZeroconf:
    """AsyncZeroconf that cannot bind the new address the first time (EADDRNOTAVAIL while DHCP settles)."""

    refusals = 1
    registered: list[list[str]] = []

    def __init__(self, interfaces, ip_version):
        if interfaces == ["192.0.2.20"] and FakeZeroconf.refusals:
            FakeZeroconf.refusals -= 1
            raise OSError(99, "Cannot assign requested address")
        self.interfaces, self.zeroconf = interfaces, None

    async def _done(self):
        return None

    async def async_register_service(self, info, allow_name_change=True):
        FakeZeroconf.registered.append(self.interfaces)
        return self._done()

    async def async_unregister_service(self, info):
        return self._done()

    async def async_update_service(self, info):
        return self._done()

    async def async_close(self):
        pass


class FakeBrowser:
    def __init__(self, *args, **kwargs):
        pass

    async def async_cancel(self):
        pass


def test_a_failed_reannounce_is_retried_at_the_same_address(monkeypatch):
    addresses = ["192.0.2.10"]
    monkeypatch.setattr(announce, "host_addresses", lambda: list(addresses))
    monkeypatch.setattr(announce, "AsyncZeroconf", FakeZeroconf)
    monkeypatch.setattr(announce, "AsyncServiceBrowser", FakeBrowser)
    FakeZeroconf.registered = []

    async def scenario():
        announcer = announce.Announcer(announce.Announcement("mirror", 8080, "id", "1", "room", "store", "idle"), None,
                                       2.0, address_poll_s=0.05, learn_s=0.0)
        await announcer.async_start()
        try:
            addresses[:] = ["192.0.2.20"]
            for _ in range(200):
                if ["192.0.2.20"] in FakeZeroconf.registered:
                    break
                await asyncio.sleep(0.02)
            assert FakeZeroconf.refusals == 0, "the first try on the new address failed"
            assert FakeZeroconf.registered == [["192.0.2.10"], ["192.0.2.20"]]
            assert announcer.addresses == ["192.0.2.20"] and announcer.registered_name == "mirror"
        finally:
            await announcer.async_stop()

    asyncio.run(scenario())


def test_the_address_poll_survives_any_error_and_says_so_in_health(monkeypatch):
    # Every long-running loop survives any exception and says so: the address poll called
    # host_addresses() outside its try, so one error (ifaddr, /sys) ended it in silence and the
    # mirror never followed a new address again.
    addresses = ["192.0.2.10"]
    broken = [False]

    def lookup():
        if broken[0]:
            raise RuntimeError("sysfs went away")
        return list(addresses)

    monkeypatch.setattr(announce, "host_addresses", lookup)
    monkeypatch.setattr(announce, "AsyncZeroconf", FakeZeroconf)
    monkeypatch.setattr(announce, "AsyncServiceBrowser", FakeBrowser)
    FakeZeroconf.registered, FakeZeroconf.refusals = [], 0

    async def until(condition):
        for _ in range(250):
            if condition():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("timed out")

    async def scenario():
        announcer = announce.Announcer(announce.Announcement("mirror", 8080, "id", "1", "room", "store", "idle"), None,
                                       2.0, address_poll_s=0.05, learn_s=0.0)
        await announcer.async_start()
        try:
            assert announcer.health() == (True, "announced on the LAN as 'mirror'")
            broken[0] = True
            await until(lambda: not announcer.health()[0])
            assert announcer.health() == (False, "the mirror cannot follow its network addresses (RuntimeError)")
            broken[0], addresses[:] = False, ["192.0.2.20"]  # the poll goes on: the new address is announced
            await until(lambda: ["192.0.2.20"] in FakeZeroconf.registered)
            await until(lambda: announcer.health()[0])
            assert announcer.addresses == ["192.0.2.20"]
        finally:
            await announcer.async_stop()

    asyncio.run(scenario())
