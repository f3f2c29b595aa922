"""A light, periodic hello to the devices announced on the LAN, so that the mirror knows whether
the others hold its store secret even when nobody opens its console (``secret_match``).

Off the request path, on the network loop, bounded: a round says hello (the hello alone, nothing
signed, nothing secret; ``peer_client.say_hello``) to at most ``MAX_PER_ROUND`` addresses, at most
``peers.MAX_HELLOS`` at once (shared with the console and the wrong-PIN reports), and skips a
device in the shared book's backoff. A round runs every ``ROUND_S``; an address announced since
(never heard of in the book) is asked sooner, but rounds are never closer than ``NEW_GAP_S``,
however many names a rogue announces. What the hellos teach goes into the shared ``PeerBook``, as
the console's would; after each poll the tally over the directory is kept for health and metrics,
which read it from the HTTP workers' threads (the book itself lives on the loop).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx

from kiosk.net.peer_client import PeerError, say_hello
from kiosk.net.peers import PeerBook
from kiosk.net.secret_match import Tally, judge, tally
from kiosk.net.trust import PeerTrust

_log = logging.getLogger(__name__)

ROUND_S = 60.0
NEW_GAP_S = 5.0
POLL_S = 1.0
MAX_PER_ROUND = 16
TIMEOUT_S = 1.5


class HelloRounds:
    """Says hello to the announced devices now and then; ``tally`` is what their answers proved."""

    def __init__(self, directory, peers: PeerBook, clock: Callable[[], float] = time.monotonic) -> None:
        self._directory = directory  # kiosk.net.discover.MirrorDirectory: where the others may be
        self._peers = peers
        self._clock = clock
        self._trust: PeerTrust | None = None
        self._task: asyncio.Task | None = None
        self._last_round: float | None = None
        self._said: tuple[bool, str] | None = None
        self.tally: Tally | None = None  # None until started with a store secret
        self.rounds = 0

    async def async_start(self, trust: PeerTrust | None) -> None:
        """Start on this loop with the app's peer trust (None: no store secret, nothing to prove)."""
        if trust is None:
            return
        self._trust = trust
        self.tally = Tally()
        self._task = asyncio.create_task(self._run(), name="hello-rounds")

    async def async_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def check(self) -> tuple[bool, str] | None:
        """The ``store_secret`` health check (any thread); None when not started (no store secret)."""
        return judge(self.tally) if self.tally is not None else None

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:  # the rounds must outlive any one of them
                _log.error("saying hello to the other mirrors failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
            await asyncio.sleep(POLL_S)

    async def poll(self) -> None:
        """One tick: a round when one is due, then the tally over what the book knows now."""
        targets = self.due()
        if targets:
            self._last_round = self._clock()
            self.rounds += 1
            async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
                await asyncio.gather(*(self._hello(client, where) for where in targets))
        self.tally = tally(self._records(), self._peers, self._trust.mirror_id)
        self._log_change()

    def due(self) -> list[str]:
        """The addresses the round now due says hello to ([] when none is due): proven ones first."""
        addresses = []
        for record in self._records():
            where = record.base_url().removeprefix("http://")
            if where not in addresses and self._peers.waiting(where) is None:
                addresses.append(where)
        if not addresses:
            return []
        since = None if self._last_round is None else self._clock() - self._last_round
        fresh = any(not self._peers.knows(w) for w in addresses)
        if since is not None and since < ROUND_S and not (fresh and since >= NEW_GAP_S):
            return []
        addresses.sort(key=lambda w: 0 if self._peers.is_proven(w) else 1 if not self._peers.knows(w) else 2)
        return addresses[:MAX_PER_ROUND]

    def _records(self) -> list:
        """The announced devices with an address, whatever their TXT says: which of them is this mirror
        only a hello tells (it then answers its own, once a round, and the tally leaves it out)."""
        return self._directory.with_address() if self._directory is not None else []

    async def _hello(self, client: httpx.AsyncClient, where: str) -> None:
        try:
            async with self._peers.slot():
                peer = await say_hello(client, self._trust, f"http://{where}")
        except PeerError as exc:
            self._peers.failed_with(where, exc)
            return
        self._peers.proved(where, peer)

    def _log_change(self) -> None:
        """The judgement in the log when it changes, with the addresses health does not name."""
        said = judge(self.tally)
        if said == self._said:
            return
        first = self._said is None
        self._said = said
        if not said[0]:
            _log.warning("store secret: %s (devices that do not prove it: %s)", said[1], ", ".join(self.tally.not_proving_at))
        elif self.tally.not_proving:
            _log.info("store secret: %s (at %s)", said[1], ", ".join(self.tally.not_proving_at))
        elif not first:
            _log.info("store secret: %s", said[1])
