"""The kiosk core: one thread that turns events and intents into the session's effects, in order.

``KioskCore`` receives the parts (``kiosk.parts.Parts``) from ``kiosk.wiring`` and drives
them; no part holds the core. Everything that changes the mirror's state goes through one
inbox, handled by the ``core`` thread one item at a time:

- events the parts publish on the bus that call for a decision (presence samples, card taps,
  fired gestures, take requests, takes that landed, consent answers, looks deleted from a tablet) and
- intents from the screen and the network (touch, record, share, delete, compare looks, end the session…).

Presence, touches and the clock feed the session's pure ``step`` (``kiosk.session``); its
effects are carried out here in a stated order (``_start_session``, ``_end_session``). The
camera's state changes and the clock feed the camera notice's pure ``notice_step``
(``kiosk.camera_notice``), told to the screen as ``CameraNoticeChanged``. The clock also follows
what commands beside the kiosk change in its databases (``kiosk customers forget``, ``kiosk looks
delete``; ``_follow_elsewhere``): the visit in front of the mirror lets go at once. So no
decision ever runs on the UI thread or depends on which listener the bus calls first, and no
database is touched by the UI thread. The loop survives any exception and says so in
``health()`` and with a ``CoreFault`` event.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from kiosk.analysis.events import GestureProgress, PresenceSample
from kiosk.analysis.senses import Senses
from kiosk.camera_notice import CameraNotice, gap_for, notice_step
from kiosk.capture import CameraStatus
from kiosk.comparing import Comparing
from kiosk.compare.events import ComparisonChanged
from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.events import (
    BY_SHOPPER,
    BY_STORE_IT,
    CameraNoticeChanged,
    CameraStateChanged,
    CoreFault,
    Event,
    EventBus,
    LookDeleted,
    Notice,
    SessionStateChanged,
    SharesEnded,
    TrayChanged,
)
from kiosk.hub import FrameHub
from kiosk.identity.events import (
    PANEL_EXPIRED,
    PANEL_FORGOTTEN,
    PANEL_SESSION_ENDED,
    STEP_ASSOCIATE,
    STEP_CONSENT,
    STEP_WELCOME,
    AssociatePanelShown,
    CardPresented,
    CardTapped,
    ConsentChanged,
    ReaderStateChanged,
)
from kiosk.identity.prompt import ConsentPromptClosed
from kiosk.inbox import Inbox
from kiosk.opening_hours import parse_opening_hours
from kiosk.parts import Parts
from kiosk.recording.events import (
    LookRecorded,
    RecordingDiscarded,
    RecordingFailed,
    TakeDiscardRequested,
    TakeEndRequested,
    TakeRequested,
)
from kiosk.screen_policy import ScreenSettings, ScreenState, presence_counts, screen_step
from kiosk.storage.database import impatient
from kiosk.session import (
    EndRequested,
    Input,
    Phase,
    PersonGone,
    PersonSeen,
    SessionEnded,
    SessionSettings,
    SessionStarted,
    SessionState,
    Tick,
    Touch,
    step,
)
from kiosk.effects import Effects
from kiosk.intents import Meaning, gesture_meaning
from kiosk.welcome import Welcome, wake_hint, welcome

_log = logging.getLogger(__name__)

TICK_S = 0.5
CORE = "core"  # the core's own place in the start and stop orders

# Bus events the core acts on; everything else passes it by.
_HANDLED = (PresenceSample, CardPresented, CardTapped, GestureProgress, TakeRequested, TakeEndRequested,
            TakeDiscardRequested, LookRecorded, RecordingDiscarded, RecordingFailed, ConsentPromptClosed, ConsentChanged,
            TrayChanged, ComparisonChanged, ReaderStateChanged, CameraStateChanged, LookDeleted)


class KioskCore:
    """Starts the parts in order, runs the ``core`` thread, and offers the screen's intents."""

    def __init__(self, parts: Parts) -> None:
        self._parts = parts
        cfg = parts.config.session
        self._settings = SessionSettings(cfg.wake_after_s, cfg.end_after_s, cfg.idle_timeout_s)
        display = parts.config.display
        self._screen_settings = ScreenSettings(display.sleep_after_s)
        self._hours = parse_opening_hours(display.opening_hours)
        self._screen = ScreenState()
        self._effects = Effects(parts, self._fault)
        self._comparing = Comparing(parts)
        self._inbox = Inbox("core", self._handle, self._tick, self._fault, TICK_S)
        self._state = SessionState()
        self._notice = CameraNotice()
        self._panel_open = False  # the associate panel is on screen: it follows the shopper's looks
        self._running = False
        self._unsubscribe: Callable[[], None] | None = None
        self._health = parts.vitals.core  # faults and parts that could not start, read by /api/v1/health
        self._health.watch(lambda: self._inbox.alive)
        self._started: set[str] = set()

    # -- what the screen reads --------------------------------------------------------------------

    @property
    def config(self) -> Config:
        return self._parts.config

    @property
    def bus(self) -> EventBus:
        return self._parts.bus

    @property
    def hub(self) -> FrameHub:
        return self._parts.hub

    @property
    def parts(self) -> Parts:
        return self._parts

    @property
    def session(self) -> SessionState:
        return self._state

    def camera_status(self) -> CameraStatus:
        return self._parts.capture.status()

    @property
    def camera_notice(self) -> str:
        """The camera state whose words the camera notice says now, or "" while the picture shows."""
        return self._notice.shows

    @property
    def senses(self) -> Senses:
        """What the mirror notices without a touch (nothing with the body analysis off)."""
        return self._parts.analysis.senses

    @property
    def welcome(self) -> Welcome:
        """What the welcome screen says on this mirror."""
        studio = self._parts.studio
        return welcome(self.senses, studio.available, studio.unavailable)

    def health(self) -> dict:
        """The core loop's own health: faults caught so far and parts that could not start."""
        status = self._health.read()
        return {"alive": self._inbox.alive, "faults": status.faults,
                "last_fault": status.last_fault, "parts": status.parts_off}

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the core thread and the parts in the order ``kiosk.wiring`` states."""
        for name in self._parts.start_order:
            if name == CORE:
                # Listen from here on; what is heard (and any intent) waits in the inbox until
                # every part is up, so nothing is decided against a library not yet open.
                self._unsubscribe = self._parts.bus.subscribe(self._on_bus)
                self._running = True
                continue
            try:
                getattr(self._parts, name).start()
                self._started.add(name)
            except Exception as exc:
                if name not in self._parts.optional or not isinstance(exc, KioskError):
                    self.stop()
                    raise
                # The mirror still works as a mirror; sharing and help requests say they are off.
                _log.warning("the %s part is off: %s", name, exc)
                self._health.part_off(name, str(exc))
        self._inbox.start()
        self._health.started(True)

    def stop(self) -> None:
        """End the visit, then stop the parts (and the core thread) in the order ``kiosk.wiring`` states."""
        if not self._running:
            return
        handling = self._inbox.alive  # False when a part failed to start: nothing was handled yet
        if handling:
            self._post(EndRequested(time.monotonic()))
            self.flush(10.0)
        for name in self._parts.stop_order:
            if name == CORE:
                # The parts that make takes have stopped, so the last takes have landed:
                # finish every ended session, then stop listening.
                if handling:
                    self._inbox.call(self._effects.settle)
                self._health.started(False)
                self._inbox.stop()
                self._running = False
                if self._unsubscribe is not None:
                    self._unsubscribe()
                    self._unsubscribe = None
                continue
            if name not in self._started:
                continue
            self._started.discard(name)
            try:
                getattr(self._parts, name).stop()
            except Exception:  # noqa: BLE001 - the rest must still stop
                _log.exception("stopping the %s failed", name)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything posted before this call has been handled (tests, shutdown)."""
        return self._inbox.flush(timeout)

    # -- intents (any thread; handled in order on the core thread) -----------------------------

    def touch(self) -> None:
        """A touch, click or key press on the mirror."""
        self._post(Touch(time.monotonic()))

    def end_session(self) -> None:
        """An associate (or the shopper) ends the session now."""
        self._post(EndRequested(time.monotonic()))

    def ask_consent(self) -> None:
        """Keep, touched: show the consent question (not after a yes; after a no, again)."""
        self._call(lambda: self._effects.ask_consent(self._sid(), touched=True))

    def answer_consent(self, yes: bool, via: str = "touch", wording_version: str | None = None) -> None:
        """The shopper's yes or no; ``wording_version``: the version of the question the screen
        showed (None: the one asked now, as for a gesture)."""
        self._call(lambda: self._effects.answer_consent(self._sid(), yes, via, wording_version))

    def on_gesture(self, gesture: str) -> None:
        """A touchless gesture fired (the analysis does this through the bus)."""
        self._call(lambda: self._gesture(gesture))

    def toggle_recording(self) -> None:
        """The record button or the hold-a-hand-up gesture."""
        self._call(self._toggle_recording)

    def start_recording(self, reason: str = "manual") -> None:
        self._call(lambda: self._start_recording(reason))

    def stop_recording(self, reason: str = "stopped") -> None:
        self._call(lambda: self._effects.stop_recording(reason))

    def share(self, look_id: str) -> None:
        """The Share button: a QR code for the look (``ShareShown``), asking for consent first if needed."""
        self._call(lambda: self._effects.share(look_id, self._sid()))

    def delete_look(self, look_id: str) -> None:
        self._call(lambda: self._effects.delete_look(look_id))

    def replaying(self, look_id: str) -> None:
        """The screen began to play a look of the tray (one deleted meanwhile leaves the tray, with a notice)."""
        self._call(lambda: self._effects.replaying(look_id))

    def request_assist(self, kind: str, size: str = "") -> None:
        """The shopper asks for another size (``size``: "smaller", "larger" or "" unsaid) or an associate."""
        self._call(lambda: self._effects.request_assist(kind, size))

    def forget_me(self) -> None:
        """"Forget me" after the shopper's card was tapped again (the associate panel closes with it)."""
        self._call(self._forget_me)

    def open_associate_panel(self) -> None:
        """Show (or refresh) the associate panel a staff card unlocked."""
        self._call(self._open_panel)

    def close_associate_panel(self) -> None:
        """The associate closed the panel: it no longer follows the shopper's looks."""
        self._call(self._close_panel)

    def keep_for_customer(self, look_id: str) -> None:
        """Associate panel: move a look of this session to the customer's card (the panel follows
        with the tray, as for a look kept any other way)."""
        self._call(lambda: self._effects.keep_for_customer(look_id, self._sid()))

    def start_picking(self) -> None:
        """"Compare": the shopper is about to pick looks from the tray."""
        self._call(self._comparing.start_picking)

    def pick_look(self, look_id: str) -> None:
        """A tap on a look while picking: it joins the comparison (two to four), or leaves it."""
        self._call(lambda: self._comparing.pick(look_id))

    def cancel_picking(self) -> None:
        self._call(self._comparing.cancel_picking)

    def open_comparison(self, width: int, height: int) -> None:
        """Show the picked looks side by side in the screen's pane area of ``width`` × ``height`` pixels."""
        self._call(lambda: self._comparing.open((width, height)))

    def close_comparison(self) -> None:
        self._call(self._comparing.close)

    def share_comparison(self) -> None:
        """"Share this comparison": a QR code once its video is made, asking for consent first if needed."""
        self._call(lambda: self._comparing.share(self._sid()))

    def tap_card(self, card_key: str, protocol: str = "manual") -> None:
        """A card key as if its card had been tapped (associate tools, tests)."""
        self._post(CardPresented(card_key=card_key, protocol=protocol))

    # -- the core thread ----------------------------------------------------------------------

    def _post(self, item) -> None:
        self._inbox.post(item)

    def _call(self, fn) -> None:
        self._inbox.call(fn)

    def _on_bus(self, event: Event) -> None:
        if isinstance(event, _HANDLED) and not (isinstance(event, GestureProgress) and not event.fired):
            self._inbox.post(event)

    def _fault(self, what: str, exc: Exception) -> None:
        # The first fault of each kind is an error (it reaches /api/v1/health's last_error and
        # kiosk_errors_total); its repetitions are counted (the core check) and logged quietly.
        if self._health.fault(what, exc):
            _log.error("the core could not handle %s (%s: %s); it carries on", what, type(exc).__name__, exc,
                       exc_info=exc)
        else:
            _log.debug("the core could not handle %s again (%s: %s)", what, type(exc).__name__, exc)
        self._parts.bus.emit(CoreFault(what=what, error=str(exc)))  # the bus never raises

    def _handle(self, item) -> None:  # noqa: C901 - one dispatch table, read top to bottom
        effects = self._effects
        if isinstance(item, (Touch, EndRequested)):
            self._feed(item)
        elif isinstance(item, PresenceSample):
            # Outside opening hours a person walking past wakes nothing (kiosk.screen_policy).
            seen = item.seen and presence_counts(self._state.phase, self._open_now())
            self._feed(PersonSeen(item.t, item.full_body) if seen else PersonGone(item.t))
        elif isinstance(item, CardPresented):
            self._wake()  # a tap wakes a sleeping mirror first
            effects.card_presented(item, self._sid())
        elif isinstance(item, CardTapped):
            if item.next_step == STEP_CONSENT:
                effects.ask_consent(item.session_id)
            elif item.next_step == STEP_ASSOCIATE:
                self._open_panel()
            elif item.next_step == STEP_WELCOME:
                self._parts.studio.publish_tray()  # the card's kept looks join the tray
        elif isinstance(item, GestureProgress):
            _log.info("gesture: %s", item.gesture)
            self._gesture(item.gesture)
        elif isinstance(item, TakeRequested):
            studio = self._parts.studio
            if not studio.recording:  # never take over a take someone started by hand
                if studio.record_blocked:  # the greyed Record says why; a refusal at each turn would repeat it
                    studio.skip_take(item.reason)
                else:
                    self._start_recording(item.reason)
        elif isinstance(item, TakeEndRequested):
            effects.stop_recording(item.reason)
        elif isinstance(item, TakeDiscardRequested):
            effects.discard_take(item.look_id)
        elif isinstance(item, (LookRecorded, RecordingDiscarded, RecordingFailed)):
            effects.take_landed(item, self._sid())
        elif isinstance(item, ConsentPromptClosed):
            effects.prompt_closed(item.answer)
            self._comparing.prompt_closed(item.answer, self._sid())
        elif isinstance(item, ConsentChanged):
            if item.decision != "accepted":  # saved: a take of hers waiting for room is not kept
                self._parts.studio.consent_refused(item.session_id)
            if item.decision == "withdrawn":
                self._comparing.consent_withdrawn()
                self._parts.bus.emit(SharesEnded())  # the network part revokes the links themselves
            self._parts.studio.publish_tray()
        elif isinstance(item, LookDeleted):
            # Deleted from a tablet while the shopper may still stand here: the tray is told
            # again, and the replay, an open comparison and the panel follow it as for her own Delete
            # (hers published the tray already, as did the core that saw store IT's; her event is for
            # the network part).
            if item.by not in (BY_SHOPPER, BY_STORE_IT):
                self._parts.studio.publish_tray()
        elif isinstance(item, TrayChanged):
            # Every change to the shopper's looks (one recorded or deleted, a yes or a withdrawal,
            # a card tied, a look kept from the panel) publishes the tray: the open panel follows.
            self._comparing.tray_changed(item)
            self._follow_panel()
        elif isinstance(item, ComparisonChanged):
            self._comparing.comparison_changed(item)
        elif isinstance(item, ReaderStateChanged):
            effects.reader_changed(item.state, self._sid())
        elif isinstance(item, CameraStateChanged):
            self._camera_notice()

    def _gesture(self, gesture: str) -> None:
        meaning = gesture_meaning(gesture, self._parts.identity.asking, self._comparing.is_open)
        if meaning in (Meaning.CONSENT_YES, Meaning.CONSENT_NO):
            self._effects.answer_consent(self._sid(), meaning is Meaning.CONSENT_YES, "gesture")
        elif meaning is Meaning.TOGGLE_RECORDING:
            self._toggle_recording()
        elif meaning in (Meaning.TRAY_OLDER, Meaning.TRAY_NEWER):
            self._effects.tray_step(meaning)
        elif meaning in (Meaning.TURN_LEFT, Meaning.TURN_RIGHT):
            self._comparing.turn(meaning)

    def _toggle_recording(self) -> None:
        if self._parts.studio.recording:
            self._effects.stop_recording("stopped by the shopper")
        else:
            self._start_recording("manual")

    def _start_recording(self, reason: str) -> None:
        self._wake()  # recording wakes the mirror: there is someone in front of it
        self._effects.start_recording(reason)

    def _forget_me(self) -> None:
        if self._effects.forget_me(self._sid()):
            self._comparing.forgotten()
            self._end_panel(PANEL_FORGOTTEN)

    def _open_panel(self) -> None:
        panel = self._effects.associate_view(self._sid())
        if panel is not None:
            self._panel_open = True
            self._parts.bus.emit(AssociatePanelShown(panel=panel))

    def _follow_panel(self) -> None:
        """New contents for the panel on screen; once it locked itself, it closes instead."""
        if not self._panel_open:
            return
        panel = self._effects.associate_view(self._sid(), quiet=True)
        if panel is None:
            self._end_panel(PANEL_EXPIRED)
        else:
            self._parts.bus.emit(AssociatePanelShown(panel=panel, follow_up=True))

    def _close_panel(self) -> None:
        self._panel_open = False

    def _end_panel(self, reason: str) -> None:
        """The panel's unlock ended (``PANEL_*``): the panel on screen, if any, closes and is cleared."""
        if self._panel_open:
            self._panel_open = False
            self._effects.panel_closed(reason)

    def _wake(self) -> None:
        if self._state.phase != Phase.SESSION:
            self._feed(Touch(time.monotonic()))

    def _sid(self) -> str | None:
        return self._state.session_id

    def _tick(self, now: float) -> None:
        self._feed(Tick(now))
        if self._panel_open and not self._parts.identity.panel_unlocked:
            # The staff card's unlock ran out: the shopper's looks and notes leave the screen.
            self._end_panel(PANEL_EXPIRED)
        self._camera_notice()
        self._parts.studio.follow_room(now)  # Record greyed while the disk is full, back once there is room
        # What the clock tries again by itself never waits out another program's lock (10 s each):
        # meanwhile the shopper's touches wait on this thread. A lock answers in 0.1 s; a later tick tries again.
        with impatient():
            self._effects.settle(force=False)  # an ended visit whose end could not be written is tried again
            self._follow_elsewhere()
            try:
                self._effects.finish_forgets(self._sid(), now)  # a "forget me" a locked database left unfinished
            except Exception as exc:  # noqa: BLE001 - the clock must go on; health says so
                self._fault("an unfinished forget", exc)

    def _follow_elsewhere(self) -> None:
        """Follow what commands beside the kiosk changed in its databases (``kiosk customers forget``,
        ``kiosk looks delete``), each tick: one failing is a fault like any other, and the other still runs."""
        for what, follow in (("a card forgotten elsewhere", self._forgotten_elsewhere),
                             ("looks deleted elsewhere", self._effects.follow_library)):
            try:
                follow()
            except Exception as exc:  # noqa: BLE001 - the clock must go on; health says so
                self._fault(what, exc)

    def _forgotten_elsewhere(self) -> None:
        if self._effects.forgotten_elsewhere(self._sid()):
            self._comparing.forgotten()
            self._end_panel(PANEL_FORGOTTEN)

    def _camera_notice(self) -> None:
        """Follow the camera's state as it is now (an event may be older) and its newest picture."""
        now = time.monotonic()
        latest = self._parts.hub.latest()
        age = None if latest is None else now - latest.ts
        camera = self._parts.capture.status()
        # the slower of the rate it was opened at and the rate it gives (a dark shop slows a camera)
        rate = min((fps for fps in (self._parts.capture.fps, camera.fps) if fps > 0), default=0.0)
        before, self._notice = self._notice, notice_step(self._notice, camera.state, age, now, gap_s=gap_for(rate))
        if self._notice.shows != before.shows:
            self._parts.bus.emit(CameraNoticeChanged(shows=self._notice.shows))

    def _feed(self, event: Input) -> None:
        """Advance the session state machine and carry out its effects, in order; then the screen's."""
        self._state, effects = step(self._state, event, self._settings, _new_session_id)
        # The new state is told and the screen follows it even when an effect fails (a fault of the
        # core): a visit whose end failed half-way was still shown as going on, on the screen and the tablets.
        try:
            for effect in effects:
                try:
                    if isinstance(effect, SessionStarted):
                        self._effects.start_session(effect.session_id)
                        studio = self._parts.studio
                        if hint := wake_hint(self.senses, studio.available, studio.unavailable):
                            self._parts.bus.emit(Notice(text=hint, topic="studio"))
                    elif isinstance(effect, SessionEnded):
                        self._end_panel(PANEL_SESSION_ENDED)  # the panel locks with the session
                        self._comparing.session_ended()
                        self._effects.end_session(effect.session_id, effect.reason)
                finally:
                    self._announce()
        finally:
            screen = screen_step(self._screen, event, self._state.phase, self._open_now(), self._screen_settings)
            if screen.on != self._screen.on:
                self._effects.screen_power(screen.on, screen.reason)
            self._screen = screen

    def _open_now(self) -> bool:
        if self._hours.always_open:
            return True
        local = time.localtime()
        return self._hours.is_open(local.tm_wday, local.tm_hour * 60 + local.tm_min)

    def _announce(self) -> None:
        state = self._state
        started = None
        if state.started_at is not None:  # the session keeps monotonic time; others want Unix time
            started = time.time() - (time.monotonic() - state.started_at)
        self._parts.bus.emit(SessionStateChanged(state=state.phase.value, session_id=state.session_id,
                                                 started_at=started))


def _new_session_id() -> str:
    return secrets.token_urlsafe(12)
