"""Finds the mirrors on the LAN: a one-shot browse for ``kiosk discover`` and a live directory.

``MirrorDirectory`` keeps browsing on the network loop and holds the newest record of every
mirror (its TXT carries room and live state), for the associate console.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from kiosk.net.addresses import SERVICE_TYPE, host_addresses

_log = logging.getLogger(__name__)

RESOLVE_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class MirrorRecord:
    """One mirror as seen on the LAN."""

    name: str
    host: str
    addresses: list[str]
    port: int
    txt: dict[str, str] = field(default_factory=dict)

    @property
    def mirror_id(self) -> str:
        return self.txt.get("id", "")

    def base_url(self) -> str | None:
        """``http://ADDR:PORT`` of the mirror's API root, or None without an address."""
        if not self.addresses:
            return None
        return f"http://{self.addresses[0]}:{self.port}"

    def as_dict(self) -> dict:
        return asdict(self)


def record_from_info(info: AsyncServiceInfo) -> MirrorRecord:
    txt = {}
    for key, value in (info.properties or {}).items():
        k = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
        v = value.decode("utf-8", "replace") if isinstance(value, bytes) else ("" if value is None else str(value))
        txt[k] = v
    return MirrorRecord(
        name=info.name[: -len(SERVICE_TYPE) - 1] if info.name.endswith("." + SERVICE_TYPE) else info.name,
        host=(info.server or "").rstrip("."),
        addresses=sorted(info.parsed_addresses(IPVersion.V4Only)),
        port=info.port or 0,
        txt=txt,
    )


class MirrorDirectory:
    """Live set of the mirrors on the LAN; async_start/async_stop on the network loop."""

    def __init__(self, interfaces: list[str] | None = None, on_change: Callable[[], None] | None = None) -> None:
        self._interfaces = interfaces
        self._on_change = on_change
        self._zc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._records: dict[str, MirrorRecord] = {}
        self._tasks: set[asyncio.Task] = set()

    def mirrors(self) -> list[MirrorRecord]:
        """The mirrors seen so far, sorted by name."""
        return sorted(self._records.values(), key=lambda r: r.name.lower())

    async def async_start(self) -> None:
        addresses = self._interfaces or host_addresses()
        if not addresses:
            _log.warning("no network address to look for other mirrors on")
            return
        self._zc = AsyncZeroconf(interfaces=addresses, ip_version=IPVersion.V4Only)
        self._browser = AsyncServiceBrowser(self._zc.zeroconf, SERVICE_TYPE, handlers=[self._on_service])

    async def async_stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None
        if self._zc is not None:
            await self._zc.async_close()
            self._zc = None

    async def async_wait_for(self, count: int, timeout: float) -> list[MirrorRecord]:
        """Browse until ``count`` mirrors are known or ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._records) < count and loop.time() < deadline:
            await asyncio.sleep(0.1)
        return self.mirrors()

    def _on_service(self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed:
            if self._records.pop(name, None) is not None:
                self._changed()
            return
        task = asyncio.ensure_future(self._resolve(zeroconf, service_type, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _resolve(self, zeroconf: Zeroconf, service_type: str, name: str) -> None:
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(zeroconf, RESOLVE_TIMEOUT_MS):
            _log.debug("could not resolve %s", name)
            return
        record = record_from_info(info)
        if self._records.get(name) != record:
            self._records[name] = record
            self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


async def async_browse(timeout: float, interfaces: list[str] | None = None) -> list[MirrorRecord]:
    """Every mirror that answers within ``timeout`` seconds."""
    directory = MirrorDirectory(interfaces)
    await directory.async_start()
    try:
        await asyncio.sleep(timeout)
        return directory.mirrors()
    finally:
        await directory.async_stop()
