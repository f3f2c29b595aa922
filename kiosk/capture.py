"""The camera as a part of the kiosk: its frames go to the hub, its state changes to the bus.

``Capture`` wraps a ``ports.Camera``: frames are stamped into a rate meter and published to the
``FrameHub`` on the camera's own thread (an O(1) swap), state changes become
``CameraStateChanged`` events. ``status()`` is what health, metrics and the status line read.
``NoCamera`` stands in where there is none (``kiosk serve``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import CameraStateChanged, EventBus
from kiosk.hub import FrameHub
from kiosk.metrics import RateMeter
from kiosk.ports import Camera, CameraState, Frame


@dataclass(frozen=True)
class CameraStatus:
    """The camera at one moment: state and plain-words reason, measured rate and counters."""

    state: str
    reason: str
    fps: float
    captured: int
    dropped: int
    reconnects: int  # times the camera came back (gave pictures again after it was lost)
    open_failures: int  # openings that gave no picture (climbs while the camera is away)


class Capture:
    """Starts and stops a camera that feeds the hub."""

    def __init__(self, camera: Camera, spec: str, hub: FrameHub, bus: EventBus) -> None:
        self.camera = camera
        self.spec = spec
        self._hub = hub
        self._bus = bus
        self._rate = RateMeter()

    @property
    def fps(self) -> float:
        """The camera's nominal rate (the encoder's time base)."""
        return self.camera.fps

    def start(self) -> None:
        self.camera.start(self._on_frame, self._on_state)

    def stop(self) -> None:
        self.camera.stop()

    def status(self) -> CameraStatus:
        stats = self.camera.stats
        return CameraStatus(
            state=self.camera.state.value,
            reason=self.camera.state_reason,
            fps=round(self._rate.rate(), 1),
            captured=stats.captured,
            dropped=stats.dropped,
            reconnects=stats.reconnects,
            open_failures=stats.open_failures,
        )

    def _on_frame(self, frame: Frame) -> None:
        self._rate.tick(frame.ts)
        self._hub.publish(frame)

    def _on_state(self, state: CameraState, reason: str) -> None:
        self._bus.emit(CameraStateChanged(state=state.value, reason=reason))


class NoCamera:
    """The capture part of a kiosk without a camera: never starts, always "stopped"."""

    spec = ""
    fps = 30.0

    def start(self) -> None:
        """Nothing to open."""

    def stop(self) -> None:
        """Nothing to close."""

    def status(self) -> CameraStatus:
        return CameraStatus(state="stopped", reason="this kiosk runs without a camera", fps=0.0,
                            captured=0, dropped=0, reconnects=0, open_failures=0)
