"""Core events and a small thread-safe subscriber list.

Events are frozen dataclasses. Whoever produces one calls ``EventBus.emit`` on its own thread;
listeners run there too and must hand real work to their own thread (the UI bridge re-emits
them as queued Qt signals, the network layer puts them on its asyncio loop).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of all events; ``at`` is ``time.monotonic()`` when it happened."""

    at: float = field(default_factory=time.monotonic, kw_only=True)


@dataclass(frozen=True)
class CameraStateChanged(Event):
    """The camera started, failed, came back or stopped; ``reason`` is plain words."""

    state: str
    reason: str


@dataclass(frozen=True)
class CameraNoticeChanged(Event):
    """The camera notice came or went (``kiosk.camera_notice``): ``shows`` is the camera state
    whose words it says, or "" when the picture shows."""

    shows: str


@dataclass(frozen=True)
class SessionStateChanged(Event):
    """The mirror moved between the attract screen and an active session."""

    state: str
    session_id: str | None
    started_at: float | None = None  # Unix time the session started (None when idle)


@dataclass(frozen=True)
class TrayStep(Event):
    """Move through the looks tray (a swipe): +1 older, -1 newer."""

    delta: int


@dataclass(frozen=True)
class TrayChanged(Event):
    """The shopper's looks changed; ``looks`` (this session's) and ``kept`` (the card's customer's
    from earlier visits) are ``kiosk.library.Look`` rows, newest first."""

    session_id: str | None
    looks: tuple
    kept: tuple = ()


#: ``LookDeleted.by`` for the shopper's own Delete at the mirror: the one deletion the network
#: part tells as ``look_deleted`` from the bus (the API told a tablet's before putting it here).
BY_SHOPPER = "shopper"
#: ``LookDeleted.by`` for a look a command beside the kiosk deleted (``kiosk looks delete``, ``kiosk
#: customers forget``): the running mirror sees it gone from the library and lets it go at once.
BY_STORE_IT = "store IT"


@dataclass(frozen=True)
class LookDeleted(Event):
    """A look was deleted: from beside the mirror's screen (an associate's tablet, the store's token),
    and the screen's tray, replay, comparison and associate panel let it go; or by the shopper at the
    mirror (``BY_SHOPPER``, a look she had said yes to), and live clients and the store service hear
    of it; or by a command beside the kiosk (``BY_STORE_IT``), which told the store service itself.
    ``by`` is the role that deleted it ("associate", "store token", "shopper" or "store IT"), never
    who, nor whose look it was."""

    look_id: str
    by: str


@dataclass(frozen=True)
class SharesEnded(Event):
    """The visit's share links were revoked (the shopper withdrew consent): a code on screen now
    leads nowhere, so the screen takes it down."""


@dataclass(frozen=True)
class LinkRevoked(Event):
    """The store revoked one share link through the API (``DELETE /api/v1/shares/{token}``): a code on
    the screen for it leads nowhere now, so the screen takes it down. ``share_id`` names the link
    without opening it (``kiosk.net.shares.share_id``), as ``ShareShown.share_id`` does."""

    share_id: str


@dataclass(frozen=True)
class Notice(Event):
    """A plain-words message for the shopper, shown for ``seconds``; ``topic`` groups them on screen."""

    text: str
    topic: str = "mirror"
    seconds: float = 5.0


@dataclass(frozen=True)
class ShareShown(Event):
    """A share link for the shopper to scan: ``qr_png`` encodes ``url``, valid until ``expires_at`` (Unix)."""

    look_id: str  # or the comparison's id
    url: str
    expires_at: float
    qr_png: bytes
    kind: str = "look"  # or "comparison"
    share_id: str = ""  # the link's name that does not open it (a LinkRevoked for it takes the code down)


@dataclass(frozen=True)
class CoreFault(Event):
    """The core caught an unexpected error while handling ``what`` and carried on."""

    what: str
    error: str


Listener = Callable[[Event], None]


class EventBus:
    """Delivers each event to every listener; a failing listener is logged, never fatal."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                _log.exception("listener for %s failed", type(event).__name__)
