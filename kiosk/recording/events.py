"""Events the recorder puts on the ``EventBus`` (emitted on the recorder's own threads)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class RecordingStarted(Event):
    """A take began; its look will have id ``look_id`` if it is kept."""

    look_id: str
    reason: str
    session_id: str | None
    #: Capture time (``time.monotonic()``) of the take's first frame: time 0 of its video.
    first_ts: float | None = None


@dataclass(frozen=True)
class RecordingStopped(Event):
    """A take ended and is being finished (a second or so before ``LookRecorded``)."""

    look_id: str
    reason: str


@dataclass(frozen=True)
class LookRecorded(Event):
    """A take is finished, checked and stored: ``path`` is its MP4, ready to play."""

    look_id: str
    path: str
    duration_s: float
    session_id: str | None


@dataclass(frozen=True)
class RecordingDiscarded(Event):
    """A take was too short to keep; nothing was stored."""

    look_id: str
    reason: str


@dataclass(frozen=True)
class RecordingFailed(Event):
    """A take could not start or could not be stored; ``reason`` is one plain sentence."""

    reason: str
    look_id: str | None = None


@dataclass(frozen=True)
class RecordingAvailability(Event):
    """Record can work now (``why`` is "") or cannot, for ``why``: a few plain words for under the button."""

    why: str


@dataclass(frozen=True)
class TakeRequested(Event):
    """Someone other than the shopper's own hand wants a take (the turn detector): the core decides."""

    reason: str


@dataclass(frozen=True)
class TakeSkipped(Event):
    """The take asked for with ``TakeRequested`` was not tried: Record cannot work (a full disk; the
    greyed button says why). Whoever asked may ask again at the next turn."""

    reason: str


@dataclass(frozen=True)
class TakeEndRequested(Event):
    """The take asked for with ``TakeRequested`` should end now (the turn was completed, or given up)."""

    reason: str


@dataclass(frozen=True)
class TakeDiscardRequested(Event):
    """A look asked for with ``TakeRequested`` is not wanted after all (the turn was not completed)."""

    look_id: str
    reason: str
