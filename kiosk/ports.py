"""The shapes the core needs from devices, as structural types: no ``hardware`` import needed.

``hardware/`` implements them (``hardware.frames.Frame``, ``hardware.camera_base.CameraSource``,
``hardware.card_reader_serial.SerialCardReader``) without knowing this module exists; only
``kiosk.wiring`` puts the two together. The core relies on nothing else of a device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np


class Frame(Protocol):
    """One captured picture: read-only BGR ``pixels``, capture time ``ts`` (monotonic), ``seq``."""

    @property
    def pixels(self) -> "np.ndarray": ...
    @property
    def ts(self) -> float: ...
    @property
    def seq(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


class CameraCounters(Protocol):
    captured: int
    dropped: int
    reconnects: int  # times the camera gave pictures again after it was lost
    open_failures: int  # openings that gave no picture


class CameraState(Protocol):
    """An enum member whose ``value`` is one of starting, running, unavailable, ended, stopped."""

    @property
    def value(self) -> str: ...


FrameCallback = Callable[[Frame], None]
StateCallback = Callable[[CameraState, str], None]


class Camera(Protocol):
    """A camera source: frames and state changes arrive on its own threads after ``start``."""

    name: str
    fps: float
    stats: CameraCounters
    state: CameraState
    state_reason: str

    def start(self, on_frame: FrameCallback, on_state: StateCallback | None = None) -> None: ...
    def stop(self, timeout: float = 3.0) -> None: ...


class CardReader(Protocol):
    """Reports events with ``kind``/``uid``/``protocol`` (cards) or ``state``/``reason`` (reader)."""

    def start(self, listener: Callable[[Any], None]) -> None: ...
    def stop(self, timeout: float = 3.0) -> None: ...
