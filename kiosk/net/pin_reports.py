"""Telling the store's other mirrors about the wrong PINs counted here, so that the count is the store's.

Every mirror of a store has the same PIN, and each pauses PIN sign-in after too many wrong PINs
(``throttle.SignInPause``). Counted on each mirror alone, a store of N mirrors gave a guesser N
times the rate. So each wrong PIN this mirror counts is reported to the others (``POST
/api/v1/peer/wrong-pins``, a request between mirrors like any other: sent only to a device that
proved it holds the store secret, signed over a nonce it issued, see ``trust``), and each counts
it as its own; a report from the wrong PIN that paused sign-in here says so, and the others
pause too. Nothing else crosses the wire: no PIN, no address, no time; how many, and whether
they paused.

Best effort, and never on the sign-in's path: ``wrong_pin`` (any thread) adds to a count and
wakes the sender on the network loop; the sign-in is answered without waiting for any peer.
One round is out at a time, and what is counted meanwhile goes together in the next
(``{"wrong_pins": n, "paused": …}``), so a peer gets at most one report in flight. A round
tells at most ``MAX_PEERS`` mirrors, each once, by the id it proved in a hello (the hello
round's, the console's, a report's), never the one its TXT record announces: a mirror is asked at
the addresses where it proved itself (``ask(expect=…)``), and an address that proved nothing yet
is asked whoever proves to be a mirror there, unless it is this mirror or one the round tells
anyway. So one mirror at two addresses counts a wrong PIN once, a device claiming its id gets a
hello and nothing else, and no announcement (this mirror's id, or junk, at a mirror's address)
keeps a mirror from the reports. Hellos share ``peers.MAX_HELLOS`` with the console, and a
device in backoff in the shared ``PeerBook`` is skipped, unless it proved to be a mirror (one
missed hello, the console's or the hello round's, must not cost it the reports of the next
seconds): a mirror that is down costs each round ``peer_client.TOTAL_TIMEOUT_S`` at most, off the
sign-in's path. A report that fails is not sent again: its mirror counts fewer, and still pauses
with the first mirror that pauses and reaches it.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import httpx

from kiosk.net.peer_client import WRONG_PINS_PATH, PeerError, ask
from kiosk.net.peers import PeerBook
from kiosk.net.throttle import MAX_FAILURES_ALL
from kiosk.net.trust import PeerTrust

_log = logging.getLogger(__name__)

#: Mirrors told in one round (a store has a handful; a rogue's names must not make it a flood).
MAX_PEERS = 32
#: Addresses tried per mirror in one round, where it proved itself first.
MAX_ADDRESSES = 3
TIMEOUT_S = 1.5


class PinReports:
    """Reports this mirror's wrong PINs to the store's other mirrors, off the request path."""

    def __init__(self, directory, peers: PeerBook) -> None:
        self._directory = directory  # kiosk.net.discover.MirrorDirectory: where the others may be
        self._peers = peers
        self._trust: PeerTrust | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._lock = threading.Lock()  # the count is added to from the HTTP workers' threads
        self._count = 0
        self._paused = False
        self._sent = 0
        self._failed = 0

    def wrong_pin(self, paused: bool) -> None:
        """A wrong PIN was counted here (``paused``: it paused sign-in); any thread, never blocks."""
        with self._lock:
            self._count = min(self._count + 1, MAX_FAILURES_ALL)  # a peer counts no more than that at once
            self._paused = self._paused or paused
            loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return  # not started (no store secret): reports are dropped, the count here still holds
        try:
            loop.call_soon_threadsafe(wake.set)
        except RuntimeError:  # the loop closed: the mirror is stopping
            pass

    def counts(self) -> tuple[int, int]:
        """(reports a mirror took, reports that failed) since start, for metrics."""
        with self._lock:
            return self._sent, self._failed

    async def async_start(self, trust: PeerTrust | None) -> None:
        """Start sending, on this loop, with the app's peer trust (None: no store secret, nothing is sent)."""
        if trust is None:
            return
        self._trust = trust
        wake = asyncio.Event()
        with self._lock:
            self._loop, self._wake = asyncio.get_running_loop(), wake
            if self._count:
                wake.set()
        self._task = asyncio.create_task(self._run(), name="pin-reports")

    async def async_stop(self) -> None:
        with self._lock:
            self._loop = self._wake = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        wake = self._wake
        while True:
            await wake.wait()
            wake.clear()
            with self._lock:
                count, paused, self._count, self._paused = self._count, self._paused, 0, False
            if not count:
                continue
            try:
                await self._round({"wrong_pins": count, "paused": paused})
            except Exception as exc:  # the sender must outlive any one round
                _log.error("reporting wrong PINs to the other mirrors failed: %s: %s", type(exc).__name__, exc,
                           exc_info=exc)

    async def _round(self, payload: dict) -> None:
        targets = self._targets()
        if not targets:
            return
        told_here = {mirror_id for mirror_id, _ in targets if mirror_id}  # the mirrors this round tells
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            told = await asyncio.gather(*(self._tell(client, mirror_id, addresses, payload, told_here)
                                          for mirror_id, addresses in targets))
        told = [t for t in told if t is not None]
        with self._lock:
            self._sent += sum(told)
            self._failed += len(told) - sum(told)

    def _targets(self) -> list[tuple[str, list[str]]]:
        """Whom a round tells: (the id a mirror proved, the addresses where it proved it) for each
        other mirror, then ("", [ADDR:PORT]) for each address that proved nothing yet (its hello says
        who answers there); at most ``MAX_PEERS``. Never by a TXT id. Devices in backoff are left
        out unless they proved to be a mirror."""
        own = self._trust.mirror_id
        proven: dict[str, list[str]] = {}
        unproven: list[str] = []
        for record in self._directory.others(self._peers.proven_as, own) if self._directory is not None else []:
            where = record.base_url().removeprefix("http://")
            mirror_id = self._peers.proven_as(where)
            if mirror_id:
                # a mirror that proved itself is told even while it waits out a missed hello (a few
                # seconds): a report it misses is not sent again, and it is cheap and off the sign-in's path
                addresses = proven.setdefault(mirror_id, [])
                if where not in addresses:
                    addresses.append(where)
            elif where not in unproven and self._peers.waiting(where) is None:
                unproven.append(where)
        unproven.sort(key=self._peers.knows)  # never asked before first
        # the store's mirrors first: a rogue's names, however many, come last
        targets = [(mirror_id, addresses[:MAX_ADDRESSES]) for mirror_id, addresses in proven.items()]
        return (targets + [("", [where]) for where in unproven])[:MAX_PEERS]

    async def _tell(self, client: httpx.AsyncClient, mirror_id: str, addresses: list[str], payload: dict,
                    told_here: set[str]) -> bool | None:
        """Report to one mirror at the first of its addresses where it proves to be ``mirror_id``;
        ``mirror_id`` "": to whoever proves to be a mirror at the one address, unless it is this
        mirror or one this round tells anyway. Whether it took it; None when there was nobody to tell."""
        taken: list[str] = []

        def anyone_new(peer: str) -> bool:  # one report per mirror a round, however many addresses it answers at
            if peer in told_here:
                return False
            told_here.add(peer)
            taken.append(peer)
            return True

        for where in addresses:
            try:
                async with self._peers.slot():
                    answer = await ask(client, self._trust, f"http://{where}", "POST", WRONG_PINS_PATH, payload,
                                       expect=mirror_id or anyone_new)
            except PeerError as exc:
                if exc.proven and not mirror_id and not taken:  # this mirror itself, or one told at another address
                    self._peers.proved(where, exc.proven)
                    return None
                self._note(where, exc)
                continue
            self._peers.proved(where, answer.peer_id)
            if answer.status == 200:
                return True
            _log.info("the mirror at %s refused a report of wrong PINs (HTTP %d)", where, answer.status)
            return False
        return False

    def _note(self, where: str, exc: PeerError) -> None:
        """What a failed report teaches the shared book, as the console's overview would learn it."""
        if exc.proven:  # it proved itself; what came after failed (an older mirror has no such route)
            self._peers.proved(where, exc.proven)
            hint = " (is its kiosk software older than this one's?)" if exc.untrusted else ""
            _log.info("the mirror at %s did not take a report of wrong PINs: it %s%s", where, exc, hint)
        elif exc.unreachable:
            self._peers.failed(where, f"it {exc}")
            _log.info("could not report wrong PINs to the mirror at %s: it %s", where, exc)
        else:  # it answered the hello, but not as a mirror of the store does (a wrong proof, no JSON)
            self._peers.failed(where, f"not a mirror of this store: it {exc}", reachable=True,
                               wrong_secret=exc.wrong_secret)
            self._peers.forget_answer(where)
