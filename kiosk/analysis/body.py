"""One person's body over time: pose in, facts out (presence, yaw, turn, gestures).

``BodyAnalyser`` chains the small trackers in a fixed order and is shared by the offline
analysis of a file (``video``) and the live worker (``worker``), so both see the same turns.
It does no I/O and reads no clock: each pose carries its time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.analysis.gestures import GestureSettings, GestureTracker, GestureUpdate
from kiosk.analysis.pose import Pose
from kiosk.analysis.presence import Presence, PresenceChange, PresenceTracker, classify
from kiosk.analysis.turn import TurnSettings, TurnTracker, TurnUpdate
from kiosk.analysis.yaw import YawSample, YawTracker, observe


@dataclass(frozen=True)
class BodySettings:
    turn: TurnSettings = field(default_factory=TurnSettings)
    gestures: GestureSettings = field(default_factory=GestureSettings)
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


class BodyAnalyser:
    """Feeds each pose through presence, yaw, turn and gesture tracking."""

    def __init__(self, settings: BodySettings | None = None) -> None:
        self.settings = settings or BodySettings()
        self.presence = PresenceTracker(self.settings.presence_bridge_s)
        self.yaw = YawTracker(max_gap_s=0.6)
        self.turns = TurnTracker(self.settings.turn)
        self.gestures = GestureTracker(self.settings.gestures)
        self.track: list[YawSample] = []  # every settled yaw sample, for reports and looks
        self._last_body: float | None = None
        self._keep_track = True

    def keep_track(self, keep: bool) -> None:
        """Whether to keep the whole yaw track (offline) or not (live, memory stays flat)."""
        self._keep_track = keep

    def feed(self, t: float, pose: Pose | None) -> FrameFacts:
        seen = classify(pose)
        change = self.presence.update(t, seen)
        turn: list[TurnUpdate] = []
        obs = observe(pose) if pose is not None else None
        if obs is not None:
            self._last_body = t
        elif self._last_body is not None and t - self._last_body > self.settings.lost_after_s:
            turn += self._settle(self.yaw.flush())
            turn += self.turns.lost(t)
            self.yaw.reset()
            self._last_body = None
        sample = self.yaw.update(obs, turning=self.turns.direction)
        turn += self._settle(sample)
        gestures = self.gestures.update(t, pose, turning=self.turns.turning)
        return FrameFacts(t, seen, change, sample, turn, gestures)

    def finish(self) -> list[TurnUpdate]:
        """End of the stream: the held-back sample, then close any turn."""
        out = self._settle(self.yaw.flush())
        return out + self.turns.finish()

    def _settle(self, sample: YawSample | None) -> list[TurnUpdate]:
        if sample is None:
            return []
        if self._keep_track:
            self.track.append(sample)
        return self.turns.update(sample)
