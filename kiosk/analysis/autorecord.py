"""The turn that records itself: turn events in, take requests out, yaw track stored with the look.

- ``started`` asks for a take (``TakeRequested``; the core decides, and the recorder's pre-roll
  puts the first steps of the turn in it);
- ``completed`` asks to end it ``stop_after_s`` later, so the clip settles on the front view;
- ``abandoned`` (a glance over the shoulder, a half turn) ends it and drops the look;
- the person leaving ends it; the recorder's own maximum length is the last resort.

The take this recorder asked for is the one the recorder starts next with reason "turn"
(``RecordingStarted``). While it runs (and for its pre-roll), every ``BodyYaw`` sample is kept;
the settled path that comes with ``completed`` replaces the live estimates it covers (the yaw
tracker revises recent frames as it learns more). When the recorder reports the look as stored
(``LookRecorded``), the yaw track and the turn are saved with it as analysis ``"turn"``: rows
``[t, yaw_deg, rotation_deg, confidence]`` (``yaw.samples_from_rows`` also reads the older
three-element rows), and ``"span"``: ``[x0, x1]``, how far across the upright picture her body
reached over the take (``extent.span_of``, fractions of its width; left out where too few frames
showed her), which a comparison crops its pane to, with ``"span_rotation"``: the ``[display]
rotation`` the picture was turned upright by (a span is of that upright picture only: a comparison
made after the rotation was changed shows the whole width). Takes started by someone else (the
record button, the gesture) are left alone.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
import time
from collections.abc import Callable

from kiosk.analysis.events import BodyYaw, PersonPresenceChanged, TurnPhase
from kiosk.analysis.extent import Extent, span_of
from kiosk.events import Event, EventBus
from kiosk.recording.events import TakeDiscardRequested, TakeEndRequested, TakeRequested

_log = logging.getLogger(__name__)


REASON = "turn"


Store = Callable[[str, str, dict], None]  # look id, kind, JSON data: keeps the yaw track with the look


class AutoRecorder:
    """Starts and stops takes from turn events and keeps their yaw tracks."""

    def __init__(self, bus: EventBus, store: Store, stop_after_s: float = 0.7, preroll_s: float = 2.0,
                 rotation: int = 0) -> None:
        self.bus = bus
        self.store = store
        self.stop_after_s = stop_after_s
        self.preroll_s = preroll_s
        self.rotation = rotation % 360  # clockwise degrees the analysed picture was turned upright by
        self._lock = threading.Lock()
        self._look: str | None = None  # the take this recorder asked for ("" until it starts)
        self._busy = False  # a take is running (someone else's, if not ours)
        self._requested_at = 0.0
        self._origin = 0.0  # capture time of the look's first frame
        self._track: list[list[float]] = []  # [t, yaw, rotation, confidence] on the frames' clock
        self._extents: list[Extent] = []  # her body's extent in the take's frames that showed it
        self._since = 0.0  # the take's samples start here (its pre-roll)
        self._turn: dict | None = None
        self._stop_at: float | None = None
        self._finished: dict[str, dict | None] = {}  # look id -> analysis to store (None: discard)
        # yaw samples (and extents) before a take, for its pre-roll
        self._recent: deque[tuple[list[float], Extent | None]] = deque()
        self._unsubscribe = None

    def start(self) -> None:
        self._unsubscribe = self.bus.subscribe(self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Event) -> None:
        from kiosk.recording.events import (
            LookRecorded,
            RecordingDiscarded,
            RecordingFailed,
            RecordingStarted,
            RecordingStopped,
            TakeSkipped,
        )

        if isinstance(event, RecordingStarted):
            with self._lock:
                self._busy = True
                if self._look == "":  # the take asked for, unless someone else's came first
                    self._look = event.look_id if event.reason == REASON else None
                if event.look_id == self._look and event.first_ts is not None:
                    self._origin = event.first_ts  # the video's time 0, exactly
        elif isinstance(event, TurnPhase):
            self._on_turn(event)
        elif isinstance(event, BodyYaw):
            self._on_yaw(event)
        elif isinstance(event, PersonPresenceChanged) and event.presence == "nobody":
            self._end("the shopper left", keep=True)
        elif isinstance(event, RecordingStopped):
            with self._lock:
                self._busy = False
        elif isinstance(event, LookRecorded):
            self._on_look(event.look_id)
        elif isinstance(event, (RecordingDiscarded, RecordingFailed)):
            with self._lock:
                if event.look_id is not None:
                    self._finished.pop(event.look_id, None)
                if event.look_id == self._look or (event.look_id is None and self._look == ""):
                    self._look = None  # refused, or could not start
        elif isinstance(event, TakeSkipped):
            with self._lock:
                if self._look == "":  # not tried (Record cannot work): the next turn asks again
                    self._look = None

    def _on_turn(self, event: TurnPhase) -> None:
        if event.phase == "started":
            with self._lock:
                if self._look is not None or self._busy:
                    return  # ours already, or a take started by hand: leave it alone
                self._look = ""
                self._requested_at = time.monotonic()
                self._origin = self._requested_at - self.preroll_s  # until the recorder says exactly
                since = self._requested_at - self.preroll_s - 0.5
                self._since = since
                self._track, self._stop_at = [p for p, _ in self._recent if p[0] >= since], None
                self._extents = [e for p, e in self._recent if p[0] >= since and e is not None]
                self._recent.clear()
                self._turn = {"direction": event.direction, "start_s": event.start_s}
            _log.info("turn started: asking for a take")
            self.bus.emit(TakeRequested(reason=REASON))
        elif event.phase in ("completed", "abandoned"):
            with self._lock:
                if self._look is None:
                    return
                self._turn = {
                    "direction": event.direction, "start_s": event.start_s, "back_s": event.back_s,
                    "end_s": event.end_s, "rotation_deg": event.rotation_deg, "complete": event.complete,
                }
                if event.track:
                    self._settle(event.track)
                if event.complete:
                    self._stop_at = time.monotonic() + self.stop_after_s
            if not event.complete:
                self._end("the turn was not completed", keep=False)

    def _on_yaw(self, event: BodyYaw) -> None:
        with self._lock:
            sample = [round(event.t, 3), event.yaw_deg, event.rotation_deg, event.confidence]
            extent = Extent(*event.extent) if event.extent is not None else None
            if self._look is None:
                # Keep the last pre-roll's worth: the take will start that far back.
                self._recent.append((sample, extent))
                while self._recent and event.t - self._recent[0][0][0] > self.preroll_s + 1.0:
                    self._recent.popleft()
                return
            self._track.append(sample)
            if extent is not None:
                self._extents.append(extent)
            due = self._stop_at is not None and time.monotonic() >= self._stop_at
        if due:
            self._end("turn completed", keep=True)

    def _settle(self, track) -> None:
        """Replace the live samples that the settled path covers (called with the lock held)."""
        first, last = round(track[0][0], 3), round(track[-1][0], 3)  # the rows' own rounding
        before = [p for p in self._track if p[0] < first - 1e-6]
        after = [p for p in self._track if p[0] > last + 1e-6]
        settled = [[round(t, 3), yaw, rot, conf] for t, yaw, rot, conf in track if t >= self._since]
        self._track = before + settled + after

    def _end(self, reason: str, keep: bool) -> None:
        with self._lock:
            look = self._look
            if look is None:
                return
            self._look = None
            if look:
                self._finished[look] = self._analysis() if keep else None
        self.bus.emit(TakeEndRequested(reason=reason))
        _log.info("recording of look %s ended: %s", look, reason)

    def _analysis(self) -> dict:
        """The look's "turn" analysis; times are seconds from the first frame of the video."""
        origin = self._origin
        turn = dict(self._turn or {})
        for key in ("start_s", "back_s", "end_s"):
            if turn.get(key) is not None:
                turn[key] = round(turn[key] - origin, 3)
        analysis = {
            "clock": "seconds from the first frame of the video (pre-roll included)",
            "turn": turn,
            "yaw": [[round(t - origin, 3), yaw, rot, conf] for t, yaw, rot, conf in self._track],
        }
        span = span_of(self._extents)
        if span is not None:
            analysis["span"] = list(span)
            analysis["span_rotation"] = self.rotation
        return analysis

    def _on_look(self, look_id: str) -> None:
        with self._lock:
            if look_id not in self._finished:
                return
            analysis = self._finished.pop(look_id)
        if analysis is None:
            _log.info("look %s dropped: the turn was not completed", look_id)
            self.bus.emit(TakeDiscardRequested(look_id=look_id, reason="the turn was not completed"))
        else:
            self.store(look_id, "turn", analysis)
