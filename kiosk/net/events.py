"""Events the network layer puts on the core's ``EventBus``, for the mirror's screen.

The UI bridge listens for these to show "someone is on the way" and a freshly made QR code;
they are emitted on the network's threads, like every bus event on some worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class AssistRequested(Event):
    """A shopper (or the API) asked for help; ``kind`` is size or associate."""

    request_id: str
    kind: str
    detail: str


@dataclass(frozen=True)
class AssistAcknowledged(Event):
    """An associate answered a help request: the mirror shows "someone is on the way"."""

    request_id: str
    by: str | None


@dataclass(frozen=True)
class LookShared(Event):
    """A share link was made for a look; ``url`` is what its QR code holds."""

    look_id: str
    url: str
    expires_at: float
