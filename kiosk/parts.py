"""The kiosk's parts, as ``kiosk.wiring`` builds them: one frozen, typed object for the core.

A kiosk may run without some parts (``kiosk serve`` has no camera, ``kiosk bench preview``
does not record, ``kiosk run --no-network``…); an absent part is a null object with the same
methods that does nothing or refuses in plain words, so the core never asks "is it there?".
Every part has ``start()`` and ``stop()``; constructors only store their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.metrics import RateMeter
from kiosk.identity.errors import IdentityError
from kiosk.identity.events import ReaderStateChanged
from kiosk.screen import NoScreen
from kiosk.vitals import Vitals

if TYPE_CHECKING:
    from kiosk.analysis.live import LiveAnalysis, NoAnalysis
    from kiosk.compare.jobs import ComparisonJobs
    from kiosk.capture import Capture, NoCamera
    from kiosk.identity.service import Identity
    from kiosk.library import Library
    from kiosk.liveness import Liveness
    from kiosk.net.service import NetService
    from kiosk.screen import Screen
    from kiosk.studio import NoStudio, Studio


@dataclass(frozen=True)
class Parts:
    """Everything the core drives, built before anything starts."""

    config: Config
    bus: EventBus
    hub: FrameHub
    capture: "Capture | NoCamera"
    library: "Library | NoLibrary"
    identity: "Identity | NoIdentity"
    studio: "Studio | NoStudio"
    comparisons: "ComparisonJobs | NoComparisons"
    network: "NetService | NoNetwork"
    analysis: "LiveAnalysis | NoAnalysis"
    painted: RateMeter  # frames the window paints (the UI ticks it; the analysis paces itself by it)
    start_order: tuple[str, ...] = ()  # part names, and "core" for the core's own thread
    stop_order: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()  # parts that may fail to start without stopping the kiosk
    screen: "Screen | NoScreen" = field(default_factory=NoScreen)  # the panel's power
    vitals: Vitals = field(default_factory=Vitals)  # what the screen writes, the last error logged
    liveness: "Liveness | NoLiveness" = field(default_factory=lambda: NoLiveness())  # systemd's watchdog


class NoLibrary:
    """The look library of a kiosk that keeps no looks."""

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to close."""

    def notes(self, look_ids: list[str]) -> dict:
        return {}


class NoIdentity:
    """The identity part of a kiosk without cards or consent (it keeps nothing, so asks nothing)."""

    available = False
    reader_state = ReaderStateChanged(state="stopped", reason="no card reader", protocol=None)
    asking = False
    panel_unlocked = False

    def start(self) -> None:
        """No reader to start."""

    def stop(self) -> None:
        """No reader to stop."""

    def tap(self, card_key: str, session_id: str | None, protocol: str = "manual"):
        raise IdentityError("this mirror has no card reader")

    def ask_consent(self, session_id: str | None, touched: bool = False) -> bool:
        return False

    def reader_changed(self) -> None:
        """No question to reword."""

    def answer_consent(self, session_id: str | None, yes: bool, via: str, wording_version: str | None = None) -> None:
        """No question was asked."""

    def is_consented(self, session_id: str | None) -> bool:
        return False

    def answered(self, session_id: str | None) -> bool:
        return True  # nothing to ask

    def owner(self, session_id: str | None) -> str | None:
        return None

    def look_added(self, look_id: str, session_id: str | None) -> None:
        """Nothing to keep."""

    def settle(self, session_id: str) -> None:
        """Nothing to apply."""

    def session_ended(self, session_id: str) -> None:
        """No question on screen, no panel open."""

    def forget_session(self, session_id: str) -> None:
        """Nothing remembered."""

    def forget_me(self, session_id: str | None):
        return None

    def follow_directory(self, current: str | None) -> list[str]:
        return []

    def finish_forgets(self, now: float | None = None) -> list:
        return []

    def associate_view(self, session_id: str | None):
        raise IdentityError("this mirror has no card reader for staff cards")

    def keep_for_customer(self, look_id: str, session_id: str | None) -> None:
        raise IdentityError("this mirror has no card reader for loyalty cards")


class NoComparisons:
    """The comparison renderer of a kiosk without the network services (nobody to hand videos to)."""

    def start(self) -> None:
        """Nothing to render."""

    def stop(self) -> None:
        """Nothing to stop."""

    def submit(self, look_ids: list[str], align: str = "angle"):
        raise KioskError("sharing a comparison needs the mirror's network service, which is off")


class NoNetwork:
    """The network part of a kiosk run without it (``kiosk run --no-network``, tests, benchmarks)."""

    available = False
    start_error = ""

    def start(self) -> None:
        """No server, no announcement."""

    def stop(self) -> None:
        """Nothing to stop."""

    def health(self) -> str:
        return "off"

    def share_look(self, look_id: str):
        raise KioskError("sharing needs the mirror's network service, which is off")

    def share_comparison(self, comparison_id: str):
        raise KioskError("sharing needs the mirror's network service, which is off")

    def request_assist(self, kind: str = "size", detail: str = "") -> dict:
        raise KioskError("asking for help needs the mirror's network service, which is off")


class NoLiveness:
    """No systemd watchdog: the kiosk runs exactly as it would without systemd."""

    pings = 0

    def start(self) -> None:
        """Nobody to tell."""

    def stop(self) -> None:
        """Nobody to tell."""
