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
