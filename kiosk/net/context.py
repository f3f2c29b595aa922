"""What the HTTP handlers can reach: one frozen object, built by the service and stored on the app.

Everything in it is either immutable or a thread-safe part with its own lock (the databases'
stores, the event stream, ``LiveState``); nothing in it is replaced after the service starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kiosk import __version__
from kiosk.config import Config
from kiosk.net.asked import AskedBook
from kiosk.net.assist import AssistQueue
from kiosk.net.auth import Auth
from kiosk.net.hello_limit import HelloLimit
from kiosk.net.live import FollowsLive, LiveState
from kiosk.net.outbox import Outbox
from kiosk.net.pacing import BytePacer
from kiosk.net.peers import PeerBook
from kiosk.net.shares import ShareStore
from kiosk.net.stream import EventStream
from kiosk.release import DEV


class LookSource(Protocol):
    """The part of ``kiosk.library.Library`` the API uses."""

    def list(self) -> list: ...
    def get(self, look_id: str): ...
    def video_path(self, look_id: str) -> Path: ...
    def delete(self, look_id: str) -> None: ...


class MirrorList(Protocol):
    def mirrors(self) -> list: ...

    def health(self) -> tuple[bool, str]: ...


@dataclass(frozen=True)
class NetContext(FollowsLive):
    """Everything a request handler needs; ``live`` follows the core's events."""

    config: Config
    mirror_id: str
    auth: Auth
    shares: ShareStore
    assist: AssistQueue
    outbox: Outbox
    stream: EventStream
    live: LiveState = field(default_factory=LiveState)
    library: LookSource | None = None
    camera: Callable[[], object] | None = None  # kiosk.capture.Capture.status; None without a camera
    readings: object | None = None  # kiosk.vitals.Readings (painted fps, analysis, reader, screen…)
    directory: MirrorList | None = None
    peers: PeerBook = field(default_factory=PeerBook)  # hellos' outcomes, backoff, hellos in flight
    hello_limit: HelloLimit = field(default_factory=HelloLimit)  # hellos answered per client address
    asked: AskedBook = field(default_factory=AskedBook)  # each sign-in's last comparison and link: asked again, the same
    pin_reports: object | None = None  # kiosk.net.pin_reports.PinReports: wrong PINs told to the other mirrors
    hellos: object | None = None  # kiosk.net.hello_round.HelloRounds: whether the others hold our store secret
    data_dir: Path | None = None
    bus: object | None = None  # kiosk.events.EventBus: the mirror's screen hears about help and shares
    pacer: BytePacer | None = None  # shared budget for video bytes (None: unlimited)
    announcer: object | None = None  # kiosk.net.announce.Announcer (None: not announced)
    comparisons: object | None = None  # kiosk.compare.jobs.ComparisonJobs: renders comparisons (None: not offered)
    port: int = 0
    started_at: float = field(default_factory=time.time)
    version: str = __version__
    release: str = DEV  # which build runs (kiosk.release): the service reads it once at start

    @property
    def name(self) -> str:
        return (self.announcer.registered_name if self.announcer else None) or self.config.api.name

    def public_base(self) -> str | None:
        """Base URL for links made without a request (the mirror's own Share button)."""
        if self.config.api.public_url:
            return self.config.api.public_url.rstrip("/")
        addresses = self.announcer.addresses if self.announcer else []
        if addresses:  # follows address changes, like the announcement
            return f"http://{addresses[0]}:{self.port}"
        if self.config.api.bind not in ("0.0.0.0", ""):
            return f"http://{self.config.api.bind}:{self.port}"
        return None

    def emit(self, name: str, data: dict) -> None:
        """Tell live clients (SSE) and the store service (webhook outbox) about an event, and the
        mirror's screen (the core's bus) about those it shows."""
        self.tell(name, data)
        if self.bus is not None:
            event = _bus_event(name, data)
            if event is not None:
                self.bus.emit(event)

    def tell(self, name: str, data: dict) -> None:
        """Tell live clients (SSE) and the store service (webhook outbox) about an event; not the
        core's bus (for an event that came from it)."""
        payload = {"mirror_id": self.mirror_id, **data}
        self.stream.publish(name, payload)
        self.outbox.enqueue(name, payload)


def _bus_event(name: str, data: dict):
    """The core event for the network events the mirror's screen shows, else None."""
    from kiosk.events import LookDeleted
    from kiosk.net.events import AssistAcknowledged, AssistRequested, LookShared

    if name == "assist_requested":
        req = data["request"]
        return AssistRequested(request_id=req["id"], kind=req["kind"], detail=req["detail"])
    if name == "assist_acked":
        req = data["request"]
        return AssistAcknowledged(request_id=req["id"], by=req["acked_by"])
    if name == "look_shared":
        return LookShared(look_id=data["look_id"], url=data["url"], expires_at=data["expires_at"])
    if name == "look_deleted":
        return LookDeleted(look_id=data["look_id"], by=data["by"])
    return None
