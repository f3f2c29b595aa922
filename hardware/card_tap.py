"""What every card reader reports, and the debounce that turns sightings into taps.

Readers see a card many times while it is held (a PN532 poll finds it again, an RDM6300 repeats
its frame, some line readers repeat the line). ``TapTracker`` turns those sightings into one
``tap`` when a card arrives and one ``removed`` after it has not been seen for ``removal_s``.
It reads no clock: the time comes in with each call, so it is tested without sleeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

TAP = "tap"
REMOVED = "removed"


@dataclass(frozen=True)
class CardEvent:
    """A card arrived (``kind == "tap"``) or left (``"removed"``) a reader."""

    kind: str
    uid: str  # uppercase hex, no separators
    protocol: str  # pn532, rdm6300 or line
    port: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ReaderState:
    """The reader connected, was lost or stopped; ``reason`` is plain words."""

    state: str  # connecting, connected, unavailable, stopped
    reason: str
    protocol: str | None = None
    cause: str = ""  # why it is unavailable: open, silent, lost or protocol


class TapTracker:
    """One tap per presentation of a card, and its removal after ``removal_s`` unseen."""

    def __init__(self, removal_s: float) -> None:
        self.removal_s = removal_s
        self._uid: str | None = None
        self._last_seen = 0.0

    @property
    def present(self) -> str | None:
        """The UID of the card now on the reader, if any."""
        return self._uid

    def seen(self, uid: str, now: float) -> list[tuple[str, str]]:
        """The card ``uid`` was read at ``now``; returns (kind, uid) pairs to report."""
        events = self.tick(now)
        if uid == self._uid:
            self._last_seen = now
            return events
        if self._uid is not None:
            events.append((REMOVED, self._uid))  # swapped for another card without a gap
        self._uid, self._last_seen = uid, now
        events.append((TAP, uid))
        return events

    def tick(self, now: float) -> list[tuple[str, str]]:
        """Time passed without a sighting; reports the removal once it is due."""
        if self._uid is not None and now - self._last_seen >= self.removal_s:
            uid, self._uid = self._uid, None
            return [(REMOVED, uid)]
        return []

    def clear(self) -> list[tuple[str, str]]:
        """The reader went away: the card on it counts as removed."""
        if self._uid is None:
            return []
        uid, self._uid = self._uid, None
        return [(REMOVED, uid)]
