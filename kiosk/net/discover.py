"""Finds the mirrors on the LAN: a one-shot browse for ``kiosk discover`` and a live directory.

``MirrorDirectory`` keeps browsing on the network loop and holds the newest record of every
mirror (its TXT carries room and live state), for the associate console.

A service name is not proof of anything: a second device may announce the name a mirror
already has (a rogue hiding a mirror from the console, or a misconfigured box). Every device
that answers for a name is kept as a record of its own, for as long as its announcement lasts
(``KEEP_S``) even when another device's announcement of the name flushes it from the mDNS
cache, so the name cannot hide the mirror; the peer hello tells which of them belongs to the
store. Nor is a TXT record: the id in it may be anyone's (this mirror's, a real mirror's at
another's address, junk), so it is shown before a hello and decides nothing; who a device is,
this mirror included, is the id its hello proved (``peers.PeerBook.proven_as``).

Nor is a record's address: only addresses another mirror can have are kept (no loopback unless
the directory itself browses on loopback, no link-local, multicast, broadcast or unspecified
address), so nobody can point the mirror's hellos at itself or at a neighbour it should not
reach. And a rogue may announce any number of names: the directory keeps at most
``MAX_RECORDS``, dropping the records that never proved themselves (``proven``) before those
that did, the least recently seen first.

A mirror may boot before DHCP has answered. Told to keep trying (``address_poll_s``, as the
kiosk's network part does), the directory then looks for an address every so often and starts
browsing once one works; meanwhile ``health()`` says it is waiting. It keeps looking after
that, and follows the host to new addresses (a new DHCP lease, the cable moved to another
port) as the announcer does; mirrors already seen stay listed until the new browse has had
``KEEP_S`` to find them again (the closed one never says they went). ``kiosk discover`` browses
once, on the addresses it was given.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from zeroconf import DNSAddress, DNSService, DNSText, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.const import _CLASS_IN, _TYPE_A, _TYPE_SRV, _TYPE_TXT
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from kiosk.log import QuietLogger
from kiosk.net.addresses import SERVICE_TYPE, host_addresses, is_loopback, peer_address_ok

_log = logging.getLogger(__name__)

RESOLVE_TIMEOUT_MS = 3000
#: A device that answered for a name stays a candidate this long after it was last seen (the
#: TTL of an SRV record): another device announcing the same name flushes it from the cache.
KEEP_S = 120.0
#: Records kept in all: a store has a handful of mirrors; a rogue's thousand names cost no more.
MAX_RECORDS = 64


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
        """The id the TXT claims: shown before a hello proves one, never relied on (``others``)."""
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


def records_for(zeroconf: Zeroconf, info: AsyncServiceInfo) -> tuple[MirrorRecord, ...]:
    """Every device answering for the resolved name: one record normally, one per device when
    several announce the same name. Which TXT came from which device cannot be told, so each
    device is given each TXT seen for the name (the TXT is a hint; the hello decides)."""
    resolved = record_from_info(info)
    now = time.time() * 1000
    cache = zeroconf.cache
    services = [r for r in cache.async_all_by_details(info.name, _TYPE_SRV, _CLASS_IN)
                if isinstance(r, DNSService) and not r.is_expired(now)]
    if len(services) < 2:
        return (resolved,)
    texts = [_txt(r.text) for r in cache.async_all_by_details(info.name, _TYPE_TXT, _CLASS_IN)
             if isinstance(r, DNSText) and not r.is_expired(now)] or [resolved.txt]
    out: list[MirrorRecord] = []
    for service in sorted(services, key=lambda r: (r.server, r.port)):
        found = cache.async_all_by_details(service.server, _TYPE_A, _CLASS_IN)
        addresses = sorted({socket.inet_ntoa(a.address) for a in found
                            if isinstance(a, DNSAddress) and len(a.address) == 4 and not a.is_expired(now)})
        if not addresses:
            continue  # not resolved yet: the next update of the name brings it
        for txt in texts:
            record = MirrorRecord(resolved.name, service.server.rstrip("."), addresses, service.port, txt)
            if record not in out:
                out.append(record)
    return tuple(out) or (resolved,)


def _txt(text: bytes) -> dict[str, str]:
    """A TXT record's ``key=value`` strings (each prefixed by its length), as a dict."""
    out: dict[str, str] = {}
    i = 0
    while i < len(text):
        length = text[i]
        item = text[i + 1:i + 1 + length]
        i += 1 + length
        key, _, value = item.partition(b"=")
        if key:
            out.setdefault(key.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    return out


class MirrorDirectory:
    """Live set of the mirrors on the LAN; async_start/async_stop on the network loop."""

    def __init__(
        self,
        interfaces: list[str] | None = None,
        on_change: Callable[[], None] | None = None,
        proven: Callable[[str], bool] | None = None,
        addresses: Callable[[], list[str]] = host_addresses,
        address_poll_s: float | None = None,
    ) -> None:
        self._interfaces = interfaces
        self._host_addresses = addresses  # used when no interfaces are given
        self._retry_s = address_poll_s  # None: one try (kiosk discover); else keep trying this often
        self._on_change = on_change
        # whether the device at "ADDR:PORT" proved it belongs to the store (kept first when full)
        self._proven = proven or (lambda where: False)
        # loopback peers only where we were told to look on loopback (tests, one-machine set-ups)
        self._loopback = any(is_loopback(a) for a in interfaces or [])
        self._quiet = QuietLogger(_log)
        self._full = QuietLogger(_log)
        self._zc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        # Per service name, every device that answered for it, with each id its TXT gave:
        # (host, port, id) -> (record, last seen).
        self._records: dict[str, dict[tuple[str, int, str], tuple[MirrorRecord, float]]] = {}
        self._tasks: set[asyncio.Task] = set()
        self._opening = QuietLogger(_log)
        self._poller: asyncio.Task | None = None
        self._browsing: list[str] = []  # the addresses browsed on, once browsing
        self._reopened_at: float | None = None  # browsing again on new addresses since (monotonic)
        self._problem = "not started"

    def mirrors(self) -> list[MirrorRecord]:
        """The mirrors seen so far, sorted by name. Any thread: the HTTP workers (health, the
        console's list) ask while the network loop changes the records, so each dict is copied
        in one step (``list`` of a dict view holds the GIL) before it is walked."""
        return sorted((r for seen in list(self._records.values()) for r, _ in list(seen.values())),
                      key=lambda r: (r.name.lower(), r.host, r.port))

    def with_address(self) -> list[MirrorRecord]:
        """The mirrors seen with an address, whatever their TXT says: this one may be among them,
        and only a hello tells (what the hello round asks)."""
        return [r for r in self.mirrors() if r.base_url() is not None]

    def others(self, proven_as: Callable[[str], str], own_id: str) -> list[MirrorRecord]:
        """The mirrors seen with an address, less those at an address that proved to be this mirror
        (``proven_as``: ``PeerBook.proven_as``); what the console and the wrong-PIN reports ask.

        Never by the TXT ``id``: anyone can announce a real mirror's name and address with this
        mirror's id, and the real mirror would be left out as "this one"."""
        return [r for r in self.with_address() if proven_as(r.base_url().removeprefix("http://")) != own_id]

    def health(self) -> tuple[bool, str]:
        """Whether the directory browses, and what it is doing, in plain words."""
        if self._browsing:
            seen = len(self.mirrors())
            # No address here: the public health names none (the log does).
            count = len(self._browsing)
            return True, (f"looking for the store's other mirrors on {count} network address{'es' if count > 1 else ''} "
                          f"({seen or 'none'} seen{'' if seen else ' yet'})")
        return False, self._problem

    async def async_start(self) -> None:
        opened = await self._open()
        if self._retry_s is None or (opened and self._interfaces):
            return  # one try (kiosk discover), or fixed interfaces browsed on: nothing to follow
        self._poller = asyncio.create_task(self._follow_addresses(), name="directory-addresses")

    async def _open(self) -> bool:
        """Start browsing; False (the reason in ``health``) when there is no address or it cannot be used."""
        again = f"; trying again every {self._retry_s:g} s" if self._retry_s is not None else ""
        addresses = self._interfaces or self._host_addresses()
        if not addresses:
            self._problem = ("waiting for a network address to look for the store's other mirrors on" if again
                             else "no network address to look for other mirrors on")
            self._opening.warning("%s%s", self._problem, again)
            return False
        try:
            self._zc = AsyncZeroconf(interfaces=addresses, ip_version=IPVersion.V4Only)
            self._browser = AsyncServiceBrowser(self._zc.zeroconf, SERVICE_TYPE, handlers=[self._on_service])
        except Exception as exc:
            if self._zc is not None:
                await self._zc.async_close()
                self._zc = None
            if not again:
                raise
            self._problem = f"cannot look for other mirrors on this network address yet ({exc}){again}"
            self._opening.warning("cannot look for other mirrors on %s (%s)%s", ", ".join(addresses), exc, again)
            return False
        self._browsing = list(addresses)
        if self._records:  # found by an earlier browse, which will never say they went
            self._reopened_at = time.monotonic()
        if self._opening.clear():
            _log.warning("looking for the store's other mirrors on %s now", ", ".join(addresses))
        return True

    async def _follow_addresses(self) -> None:
        """Until browsing works, try again; then, without fixed interfaces, follow the host's
        addresses: browse on the new ones when they change."""
        while True:
            await asyncio.sleep(self._retry_s)
            try:
                self._drop_unconfirmed()
                if not self._browsing:
                    if await self._open() and self._interfaces:
                        return
                    continue
                now = self._host_addresses()
                if self._interfaces or now == self._browsing:
                    continue
                _log.warning("the mirror's network addresses changed (%s -> %s): looking for the store's "
                             "other mirrors on the new ones", ", ".join(self._browsing), ", ".join(now) or "none")
                await self._close()
                await self._open()
            except Exception as exc:  # _open raises nothing here; the loop outlives a surprise all the same
                self._problem = f"could not start ({type(exc).__name__}: {exc}); trying again every {self._retry_s:g} s"
                self._opening.error("the directory %s", self._problem)

    def _drop_unconfirmed(self) -> None:
        """``KEEP_S`` after browsing again on new addresses: the records the new browse has not
        found again go (no "Removed" comes for them from the closed browse); the others stay."""
        if self._reopened_at is None or time.monotonic() - self._reopened_at < KEEP_S:
            return
        since, self._reopened_at = self._reopened_at, None
        dropped = False
        for name in list(self._records):
            kept = {key: value for key, value in self._records[name].items() if value[1] >= since}
            if len(kept) == len(self._records[name]):
                continue
            dropped = True
            if kept:
                self._records[name] = kept
            else:
                del self._records[name]
        if dropped:
            self._changed()

    async def _close(self) -> None:
        """Stop browsing (the records seen so far stay, until a new browse had time to find them again)."""
        self._browsing = []
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None
        if self._zc is not None:
            await self._zc.async_close()
            self._zc = None

    async def async_stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close()
        self._problem = "stopped"

    async def async_wait_for(self, count: int, timeout: float) -> list[MirrorRecord]:
        """Browse until ``count`` mirrors are known or ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.mirrors()) < count and loop.time() < deadline:
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
        try:
            await self._resolve_name(zeroconf, service_type, name)
        except Exception as exc:  # one bad answer must not stop the directory following the others
            self._quiet.warning("could not follow %s: %s: %s", name, type(exc).__name__, exc)

    async def _resolve_name(self, zeroconf: Zeroconf, service_type: str, name: str) -> None:
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(zeroconf, RESOLVE_TIMEOUT_MS):
            _log.debug("could not resolve %s", name)
            return
        now = time.monotonic()
        before = self._records.get(name, {})
        seen = {k: v for k, v in before.items() if now - v[1] <= KEEP_S}
        for record in records_for(zeroconf, info):
            record = self._usable(record)
            if record is not None:
                seen[(record.host, record.port, record.mirror_id)] = (record, now)
        if seen:
            self._records[name] = seen
        else:
            self._records.pop(name, None)
        evicted = self._evict()
        if evicted or [r for r, _ in self._records.get(name, {}).values()] != [r for r, _ in before.values()]:
            self._changed()

    def _usable(self, record: MirrorRecord) -> MirrorRecord | None:
        """``record`` with only the addresses a mirror can have; None when it announced none such."""
        addresses = [a for a in record.addresses if peer_address_ok(a, self._loopback)]
        if addresses == record.addresses:
            return record
        if not addresses:
            _log.debug("ignoring %s: no address another mirror can have (%s)", record.name, ", ".join(record.addresses))
            return None
        return replace(record, addresses=addresses)

    def _evict(self) -> bool:
        """Keep at most ``MAX_RECORDS``: unproven ones go before proven ones, the least recently seen first."""
        kept = [(self._is_proven(record), seen, name, key)
                for name, records in self._records.items() for key, (record, seen) in records.items()]
        if len(kept) <= MAX_RECORDS:
            return False
        kept.sort(key=lambda k: (k[0], k[1]))
        for _, _, name, key in kept[: len(kept) - MAX_RECORDS]:
            del self._records[name][key]
            if not self._records[name]:
                del self._records[name]
        self._full.warning("more than %d mirrors are announced on the LAN; the directory keeps %d, "
                           "those that proved they belong to the store first", MAX_RECORDS, MAX_RECORDS)
        return True

    def _is_proven(self, record: MirrorRecord) -> bool:
        return bool(record.addresses) and self._proven(f"{record.addresses[0]}:{record.port}")

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
