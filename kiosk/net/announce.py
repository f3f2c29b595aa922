"""Announces the mirror on the LAN as ``_smartmirror._tcp.local.`` with python-zeroconf.

All ``async_`` methods run on the network loop; ``set_state`` may be called from any thread.
A name already taken on the LAN is resolved by zeroconf's probing (``Name-2``, ``Name-3``…).
State changes reach the TXT record at most once per ``txt_interval_s`` (the last one always
wins), so a flapping session cannot flood the multicast group. Every TXT record this mirror
sends carries a new ``seq``: python-zeroconf reports a TXT record as updated only when it is
not already in its cache, and a state returning to an earlier value (idle → session → idle)
would otherwise look like the record it still holds and never reach the browsers. When no interfaces are given,
the host's addresses are polled and the announcement moves with them; ``async_stop`` sends
goodbye packets so browsers drop the mirror at once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, replace

from zeroconf import DNSQuestionType, IPVersion
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from kiosk.net.addresses import SERVICE_TYPE, host_addresses, mirror_host

_log = logging.getLogger(__name__)

STATES = ("idle", "session", "recording")


@dataclass(frozen=True)
class Announcement:
    """What the mirror tells the LAN about itself."""

    name: str
    port: int
    mirror_id: str
    version: str
    room: str = ""
    store: str = ""
    state: str = "idle"
    api: str = "/api/v1"
    release: str = ""  # the build (kiosk.release); "ver" stays the same from one build to the next

    def txt(self) -> dict[str, str]:
        return {
            "id": self.mirror_id,
            "ver": self.version,
            "rel": self.release,
            "api": self.api,
            "room": self.room,
            "store": self.store,
            "state": self.state,
        }

    def host_name(self) -> str:
        """A host name of our own, so two mirrors never claim the same A record."""
        return f"{mirror_host(self.mirror_id)}.local."


class Announcer:
    """Keeps one zeroconf registration alive and current; start/stop on the network loop."""

    def __init__(
        self,
        announcement: Announcement,
        interfaces: list[str] | None = None,
        txt_interval_s: float = 2.0,
        address_poll_s: float = 10.0,
        learn_s: float = 1.5,
    ) -> None:
        self._wanted = announcement
        self._fixed_interfaces = list(interfaces) if interfaces else None
        self._txt_interval_s = txt_interval_s
        self._address_poll_s = address_poll_s
        self._learn_s = learn_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._zc: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        self._announced: Announcement | None = None
        self._addresses: list[str] = []
        self._last_txt_at = 0.0
        self._flush_handle: asyncio.TimerHandle | None = None
        self._poller: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._seq = secrets.randbelow(2**31)  # random start: a restarted mirror never repeats a cached record
        self._problem = ""  # why the last try to follow the addresses failed ("" when it worked)

    @property
    def registered_name(self) -> str | None:
        """The instance name in use on the LAN (after any conflict renaming)."""
        if self._info is None:
            return None
        return self._info.name[: -len(SERVICE_TYPE) - 1]

    @property
    def addresses(self) -> list[str]:
        return list(self._addresses)

    async def async_start(self) -> None:
        self._loop = asyncio.get_running_loop()
        async with self._lock:
            await self._register(self._current_addresses())
        if self._fixed_interfaces is None:
            self._poller = asyncio.create_task(self._poll_addresses(), name="announce-addresses")

    async def async_stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        async with self._lock:
            await self._unregister()

    def set_state(self, state: str) -> None:
        """Announce a new state (idle, session, recording); safe from any thread."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        loop = self._loop
        if loop is None or loop.is_closed():
            self._wanted = replace(self._wanted, state=state)
            return
        loop.call_soon_threadsafe(self._want_state, state)

    # -- on the loop ----------------------------------------------------------------------------

    def _want_state(self, state: str) -> None:
        if state == self._wanted.state:
            return
        self._wanted = replace(self._wanted, state=state)
        if self._flush_handle is not None:
            return  # an update is already due; it will carry the newest state
        delay = max(0.0, self._last_txt_at + self._txt_interval_s - time.monotonic())
        self._flush_handle = self._loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        asyncio.ensure_future(self._update_txt())

    async def _update_txt(self) -> None:
        async with self._lock:
            if self._zc is None or self._info is None:
                return
            if self._announced == self._wanted:
                return
            self._seq += 1
            self._info = self._make_info(self._info.name, self._addresses)
            self._announced = self._wanted
            self._last_txt_at = time.monotonic()
            try:
                await (await self._zc.async_update_service(self._info))
                _log.debug("announced state %s", self._wanted.state)
            except Exception as exc:  # a dead socket must not take the API down with it
                _log.warning("zeroconf update failed: %s", exc)

    def _current_addresses(self) -> list[str]:
        return self._fixed_interfaces if self._fixed_interfaces is not None else host_addresses()

    async def _register(self, addresses: list[str]) -> None:
        # The addresses are recorded only once the mirror is announced on them: after a failure
        # (EADDRNOTAVAIL while DHCP settles) the poller sees a difference and tries again.
        self._addresses = []
        if not addresses:
            _log.warning("no network address to announce the mirror on; will retry")
            return
        self._zc = AsyncZeroconf(interfaces=addresses, ip_version=IPVersion.V4Only)
        await self._learn_names()
        wanted_name = f"{self._wanted.name}.{SERVICE_TYPE}"
        self._info = self._make_info(wanted_name, addresses)
        self._announced = self._wanted
        # the first await probes (and renames on a clash); the second waits for the announcements
        await (await self._zc.async_register_service(self._info, allow_name_change=True))
        self._addresses = addresses
        self._last_txt_at = time.monotonic()
        if self._info.name != wanted_name:
            _log.warning("the name %r is taken on this network; announced as %r", self._wanted.name, self.registered_name)
        _log.info("announced %r on %s port %d", self.registered_name, ", ".join(addresses), self._wanted.port)

    async def _learn_names(self) -> None:
        """Fill the cache with the mirrors already on the LAN before probing our name.

        zeroconf's probe asks for unicast answers; where avahi-daemon also listens on port 5353
        (Raspberry Pi OS runs it), the kernel may hand such an answer to avahi instead, and the
        clash would go unseen. A browse asks for multicast answers, which every socket receives.
        """
        browser = AsyncServiceBrowser(
            self._zc.zeroconf, SERVICE_TYPE, handlers=[_ignore], question_type=DNSQuestionType.QM
        )
        try:
            await asyncio.sleep(self._learn_s)
        finally:
            await browser.async_cancel()

    async def _unregister(self) -> None:
        zc, info = self._zc, self._info
        self._zc = None
        if zc is None:
            return
        try:
            if info is not None:
                await (await zc.async_unregister_service(info))  # goodbye packets (TTL 0), all sent
        finally:
            await zc.async_close()

    def _make_info(self, name: str, addresses: list[str]) -> AsyncServiceInfo:
        return AsyncServiceInfo(
            SERVICE_TYPE,
            name,
            port=self._wanted.port,
            properties={**self._wanted.txt(), "seq": str(self._seq)},
            server=self._wanted.host_name(),
            parsed_addresses=addresses,
        )

    def health(self) -> tuple[bool, str]:
        """Whether the mirror is announced where it can be reached, in plain words (no address: the
        public health names none; the log does)."""
        if self._problem:
            return False, self._problem
        name = self.registered_name
        # not yet: starting (probing the name takes a second or two), or no address yet (the directory's
        # check says so)
        return True, f"announced on the LAN as {name!r}" if name else "not announced on the LAN yet"

    def start_failed(self, exc: BaseException) -> None:
        """The first announcement failed (the network part goes on without it): health says so."""
        self._problem = f"the mirror is not announced on the LAN: zeroconf could not start ({type(exc).__name__})"

    async def _poll_addresses(self) -> None:
        """Follow the host's addresses for as long as the mirror runs: whatever one pass raises, the next
        one comes, and health says what went wrong meanwhile."""
        while True:
            await asyncio.sleep(self._address_poll_s)
            try:
                await self._follow_addresses()
            except Exception as exc:  # noqa: BLE001 - the loop must survive anything; health says so
                if not self._problem:
                    _log.warning("could not follow the network addresses: %s: %s", type(exc).__name__, exc)
                self._problem = f"the mirror cannot follow its network addresses ({type(exc).__name__})"
            else:
                if self._problem:
                    _log.info("the mirror follows its network addresses again")
                self._problem = ""

    async def _follow_addresses(self) -> None:
        now = host_addresses()
        if now == self._addresses:
            return
        _log.info("network addresses changed (%s -> %s); announcing again", self._addresses, now)
        async with self._lock:
            await self._move(now)

    async def _move(self, addresses: list[str]) -> None:
        """Follow new host addresses: fresh sockets and records under the same (checked) name."""
        try:
            await self._unregister()  # goodbye where the old addresses still work
        except Exception as exc:
            _log.debug("goodbye on the old addresses failed: %s", exc)
        self._zc = self._info = None
        await self._register(addresses)

def _ignore(**_kwargs) -> None:
    """Browse handler that does nothing: the browse only fills the cache."""
