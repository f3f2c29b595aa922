"""Which discovered devices are mirrors of the store, for ``kiosk discover``'s fleet files.

Each device is asked at the address and port it announced, the way one mirror asks another
(``peer_client``): a hello it must answer with a proof over the store secret and over the
address the hello reached it on, then a signed request for its overview, whose answer it must
sign. So a device enters the fleet only when it holds the store secret and is itself the one
listening at that address (a device that passes the hello on to a real mirror proves the
mirror's address, not its own), under the id it proved, with the name, store, room and
version it signed. ``kiosk discover`` takes a random id of its own for the hellos; the
mirrors answer it as they answer any other member of the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from kiosk.net import fleet
from kiosk.net.discover import MirrorRecord
from kiosk.net.fleet import FleetMirror
from kiosk.net.peer_client import OVERVIEW_PATH, TIMEOUT_S, PeerError, ask
from kiosk.net.peers import PeerBook
from kiosk.net.trust import PeerTrust

#: A proof is asked again after this long (a mirror's room or store may change; an address may
#: pass to another device); between changes on the LAN it is not asked at all.
PROVEN_FOR_S = 300.0


@dataclass(frozen=True)
class LeftOut:
    """A device that did not enter the fleet, and why, in words."""

    where: str
    record: MirrorRecord
    problem: str

    def sentence(self) -> str:
        claimed = f"announced as {self.record.name!r}, id {self.record.mirror_id or '-'}"
        return f"left out the device at {self.where} ({claimed}): {self.problem}"


@dataclass(frozen=True)
class Roll:
    """The outcome of one pass: the mirrors that proved themselves, and the devices left out."""

    proven: list[FleetMirror] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


class FleetProof:
    """Proves discovered records on the event loop; results are kept ``PROVEN_FOR_S``, failures back off."""

    def __init__(self, trust: PeerTrust, peers: PeerBook, clock: Callable[[], float] = time.monotonic) -> None:
        self._trust = trust
        self._peers = peers
        self._clock = clock
        self._proven: dict[str, tuple[FleetMirror, float]] = {}  # where -> (mirror, proved at)

    async def check(self, records: list[MirrorRecord]) -> Roll:
        targets: dict[str, MirrorRecord] = {}
        for record in records:
            if record.addresses and 0 < record.port < 65536:
                targets.setdefault(f"{record.addresses[0]}:{record.port}", record)
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            results = await asyncio.gather(*(self._one(client, where, r) for where, r in targets.items()))
        roll = Roll()
        for (where, record), result in zip(targets.items(), results):
            if isinstance(result, FleetMirror):
                roll.proven.append(result)
            else:
                roll.left_out.append(LeftOut(where, record, result))
        return roll

    async def _one(self, client: httpx.AsyncClient, where: str, record: MirrorRecord) -> FleetMirror | str:
        kept = self._proven.get(where)
        if kept is not None and self._clock() - kept[1] < PROVEN_FOR_S:
            return kept[0]
        if self._peers.waiting(where) is not None:
            # the same words each pass while it waits (no countdown): discover says each device once
            return self._peers.problem(where)
        try:
            async with self._peers.slot():
                answer = await ask(client, self._trust, f"http://{where}", "GET", OVERVIEW_PATH, at=where)
        except PeerError as exc:
            self._proven.pop(where, None)
            self._peers.failed(where, f"it {exc}", reachable=exc.untrusted, wrong_secret=exc.wrong_secret)
            return f"it {exc}"
        if answer.status != 200 or not isinstance(answer.data, dict):
            self._peers.failed(where, f"it proved itself but answered HTTP {answer.status}", reachable=True)
            return f"it proved itself but answered HTTP {answer.status}"
        self._peers.proved(where, answer.peer_id)
        mirror = fleet.proven_mirror(record, answer.peer_id, answer.data)
        self._proven[where] = (mirror, self._clock())
        return mirror
