"""The headless kiosk: camera, frames hub and session, started and stopped in a stated order.

``KioskCore`` is the composition root's product: ``wiring.build_core`` makes one from the
configuration, ``start()`` brings the parts up in order and ``stop()`` takes them down in
reverse. The UI and the network layer only read its state and send it intents.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hardware.camera_base import CameraSource, SourceState
from kiosk.config import Config
from kiosk.consent_prompt import ConsentPrompt
from kiosk.errors import KioskError
from kiosk.events import CameraStateChanged, Event, EventBus, SessionStateChanged, TrayStep
from kiosk.hub import FrameHub
from kiosk.metrics import RateMeter
from kiosk.recording.events import LookRecorded, RecordingFailed
from kiosk.recording.recorder import RecordingRefused
from kiosk.studio import Studio
from kiosk.session import (
    EndRequested,
    Input,
    Phase,
    SessionEnded,
    SessionSettings,
    SessionStarted,
    SessionState,
    Tick,
    Touch,
    step,
)

from kiosk.identity.events import STEP_CONSENT, CardTapped

if TYPE_CHECKING:
    from kiosk.identity.service import CardService

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraStatus:
    state: str
    reason: str
    fps: float
    captured: int
    dropped: int
    reconnects: int


class KioskCore:
    """Owns the camera, the hub, the event bus and the session state."""

    def __init__(
        self,
        config: Config,
        source: CameraSource,
        source_spec: str,
        hub: FrameHub,
        bus: EventBus,
        studio: Studio | None = None,
    ) -> None:
        self.config = config
        self.source = source
        self.source_spec = source_spec
        self.hub = hub
        self.bus = bus
        self.studio = studio
        self.cards: CardService | None = None
        self.consent_prompt: ConsentPrompt | None = None
        self.net = None  # kiosk.net.service.NetService, attached by wiring when the network is on
        self.net_error = ""  # why the network services could not start, in plain words
        self._unsubscribe: Callable[[], None] | None = None
        self.analysis = None  # kiosk.analysis.live.LiveAnalysis, attached by wiring when enabled
        self.capture_rate = RateMeter()
        self._session = SessionState()
        self._session_lock = threading.Lock()
        self._settings = SessionSettings(
            wake_after_s=config.session.wake_after_s,
            end_after_s=config.session.end_after_s,
            idle_timeout_s=config.session.idle_timeout_s,
        )
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def attach_cards(self, cards: "CardService") -> None:
        """Add the card service (it needs ``touch`` to wake the mirror, so it comes after)."""
        self.cards = cards
        self.consent_prompt = ConsentPrompt(cards.consent, self.bus)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the look library and recorder, cards, network, the camera, analysis, the session clock."""
        self._stop.clear()
        if self.studio is not None:
            self.studio.start()
        if self.cards is not None:
            self.cards.start()
        if self.net is not None:
            try:
                self.net.start()
            except KioskError as exc:
                # The mirror still works as a mirror; sharing and help requests say they are off.
                _log.warning("network services are off: %s", exc)
                self.net_error, self.net = str(exc), None
        self._unsubscribe = self.bus.subscribe(self._on_event)
        if self.analysis is not None:
            # Before the camera: the pose model loads in its own thread while the camera opens.
            self.analysis.start()
        self.source.start(self._on_frame, self._on_camera_state)
        self._ticker = threading.Thread(target=self._tick_loop, name="session-clock", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        """End the session, then stop in reverse: clock, analysis, camera, network, cards, studio."""
        # Nobody's visit outlives the kiosk: their unconsented looks go now, not at the next start.
        if self._session.phase == Phase.SESSION:
            self.end_session()
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(2.0)
            self._ticker = None
        if self.analysis is not None:
            self.analysis.stop()
        self.source.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.net is not None:
            self.net.stop()
        if self.cards is not None:
            self.cards.stop()
        if self.studio is not None:
            self.studio.stop()

    # -- intents and state --------------------------------------------------------------------

    def touch(self) -> None:
        """A touch or key press on the mirror."""
        self.feed(Touch(time.monotonic()))

    def feed(self, event: Input) -> None:
        """Advance the session state machine and carry out its effects."""
        with self._session_lock:
            self._session, effects = step(self._session, event, self._settings, _new_session_id)
            state = self._session
        for effect in effects:
            if isinstance(effect, SessionStarted):
                _log.info("session %s started", effect.session_id)
                if self.studio is not None:
                    self.studio.session_started(effect.session_id)
            elif isinstance(effect, SessionEnded):
                _log.info("session %s ended: %s", effect.session_id, effect.reason)
                if self.consent_prompt is not None:
                    self.consent_prompt.close()
                if self.studio is not None:
                    self.studio.session_ended(effect.session_id)
            self.bus.emit(SessionStateChanged(state=state.phase.value, session_id=state.session_id))

    def ask_consent(self) -> bool:
        """Show the consent question (once per session); False when it was already answered."""
        if self.consent_prompt is None:
            return False
        return self.consent_prompt.ask(self._session.session_id)

    def answer_consent(self, yes: bool, via: str = "touch") -> None:
        if self.consent_prompt is not None:
            self.consent_prompt.answer(self._session.session_id, yes, via)

    def on_gesture(self, gesture: str) -> None:
        """A touchless gesture fired: it answers the consent question when that is on screen,
        otherwise a hand held up starts or stops a recording and a swipe moves through the tray."""
        if self.consent_prompt is not None and self.consent_prompt.pending:
            self.answer_consent(gesture == "raise_hand", via="gesture")
        elif gesture == "raise_hand":
            self.toggle_recording()
        elif gesture in ("swipe_left", "swipe_right"):
            self.bus.emit(TrayStep(delta=1 if gesture == "swipe_left" else -1))

    def share_look(self, look_id: str):
        """The Share button: a link and QR code for a consented look (``KioskError`` says why not)."""
        if self.net is None:
            raise KioskError("sharing needs the mirror's network service, which is off")
        return self.net.share_look(look_id)

    def request_assist(self, kind: str) -> None:
        """The shopper asks for another size or an associate."""
        if self.net is None:
            raise KioskError("asking for help needs the mirror's network service, which is off")
        self.net.request_assist(kind)

    def end_session(self) -> None:
        """An associate (or the shopper) ends the session now."""
        self.feed(EndRequested(time.monotonic()))

    def start_recording(self, reason: str = "manual") -> str | None:
        """Start a take for the shopper in front of the mirror; None (and an event) when refused."""
        if self.studio is None:
            return None
        if self._session.phase != Phase.SESSION:
            self.touch()  # recording wakes the mirror: there is someone in front of it
        try:
            return self.studio.begin(reason)
        except RecordingRefused as exc:
            self.bus.emit(RecordingFailed(reason=str(exc)))
            return None

    def stop_recording(self, reason: str = "stopped") -> None:
        if self.studio is not None:
            self.studio.end(reason)

    def toggle_recording(self) -> None:
        """The record button or the hold-a-hand-up gesture."""
        if self.studio is not None and self.studio.recording:
            self.stop_recording("stopped by the shopper")
        else:
            self.start_recording("manual")

    @property
    def session(self) -> SessionState:
        return self._session

    def camera_status(self) -> CameraStatus:
        stats = self.source.stats
        return CameraStatus(
            state=self.source.state.value,
            reason=self.source.state_reason,
            fps=round(self.capture_rate.rate(), 1),
            captured=stats.captured,
            dropped=stats.dropped,
            reconnects=stats.reconnects,
        )

    # -- internals ----------------------------------------------------------------------------

    def _on_frame(self, frame) -> None:
        self.capture_rate.tick(frame.ts)
        self.hub.publish(frame)

    def _on_event(self, event: Event) -> None:
        # A look recorded in a session whose shopper said yes is kept and tied to their card.
        if isinstance(event, LookRecorded) and self.cards is not None:
            self.cards.consent.look_added(event.look_id, event.session_id)
        # A card tapped in a session that has not answered yet: ask the question.
        elif isinstance(event, CardTapped) and event.next_step == STEP_CONSENT:
            self.ask_consent()

    def _on_camera_state(self, state: SourceState, reason: str) -> None:
        self.bus.emit(CameraStateChanged(state=state.value, reason=reason))

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.5):
            self.feed(Tick(time.monotonic()))


def _new_session_id() -> str:
    return secrets.token_urlsafe(12)
