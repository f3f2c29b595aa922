"""One person's body over time: pose in, facts out (presence, yaw, turn, gestures).

``BodyAnalyser`` chains the small trackers in a fixed order (presence from every pose; then
the person gate, ``continuity``, which drops a pose that is someone else's; then yaw, turn,
gestures and how far across the picture her body reaches, ``extent``) and is shared by the offline analysis of a file (``video``) and the live worker
(``worker``), so both see the same turns.
It does no I/O and reads no clock: each pose carries its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.analysis.continuity import GateSettings, PersonGate
from kiosk.analysis.gestures import GestureSettings, GestureTracker, GestureUpdate
from kiosk.analysis.pose import Pose
from kiosk.analysis.presence import Presence, PresenceChange, PresenceTracker, classify
from kiosk.analysis.turn import TurnSettings, TurnTracker, TurnUpdate
from kiosk.analysis.cues import cues_of
from kiosk.analysis.extent import Extent, extent_of
from kiosk.analysis.yaw import YawSample, YawSettings, YawTracker


@dataclass(frozen=True)
class BodySettings:
    turn: TurnSettings = field(default_factory=TurnSettings)
    yaw: YawSettings = field(default_factory=YawSettings)
    gestures: GestureSettings = field(default_factory=GestureSettings)
    gate: GateSettings = field(default_factory=GateSettings)
    presence_bridge_s: float = 0.5
    lost_after_s: float = 2.0  # no usable body for this long ends a turn and resets the yaw


@dataclass(frozen=True)
class FrameFacts:
    """What one analysed frame added."""

    t: float
    presence: Presence  # this frame, before debouncing
    change: PresenceChange | None
    yaw: YawSample | None
    turn: list[TurnUpdate]
    gestures: list[GestureUpdate]
    extent: Extent | None = None  # how far across the picture her body reaches (her pose, seen well)


class BodyAnalyser:
    """Feeds each pose through presence, yaw, turn and gesture tracking."""

    def __init__(self, settings: BodySettings | None = None) -> None:
        self.settings = settings or BodySettings()
        self.presence = PresenceTracker(self.settings.presence_bridge_s)
        self.yaw = YawTracker(self.settings.yaw)
        self.turns = TurnTracker(self.settings.turn)
        self.gestures = GestureTracker(self.settings.gestures)
        self.gate = PersonGate(self.settings.gate)
        self._last_body: float | None = None

    @property
    def track(self) -> list[YawSample]:
        """The yaw path so far (offline: the whole of it; live: the last ``window_s``)."""
        return self.yaw.path()

    def keep_track(self, keep: bool) -> None:
        """Whether to keep the whole yaw track (offline) or not (live, memory stays flat)."""
        self.yaw.keep = keep

    def feed(self, t: float, pose: Pose | None) -> FrameFacts:
        seen = classify(pose)
        change = self.presence.update(t, seen)
        if not self.gate.accepts(t, pose):
            pose = None  # someone else's (a passer-by behind her): her body's facts skip it
        turn: list[TurnUpdate] = []
        cues = cues_of(pose) if pose is not None else None
        if cues is not None:
            self._last_body = t
        elif self._last_body is not None and t - self._last_body > self.settings.lost_after_s:
            turn += self.turns.lost(t)
            self.yaw.reset()
            self.gestures.forget()
            self.gate.forget()
            self._last_body = None
        sample = self.yaw.update(t, cues)
        if sample is not None:
            turn += self.turns.update(self.yaw.window(), self.yaw.back_probability(), self.yaw.side_views)
        gestures = self.gestures.update(t, pose, turning=self.turns.turning)
        return FrameFacts(t, seen, change, sample, turn, gestures, extent_of(pose))

    def finish(self) -> list[TurnUpdate]:
        """End of the stream: close any turn."""
        return self.turns.finish()
