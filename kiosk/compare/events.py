"""Events of the comparison on the mirror (the core publishes them) and of the comparison renderer."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event


@dataclass(frozen=True)
class ComparePicksChanged(Event):
    """The shopper is picking looks to compare (``picking``) and has picked ``look_ids``, in order."""

    picking: bool
    look_ids: tuple[str, ...]


@dataclass(frozen=True)
class ComparePane:
    """What one pane says: its number, when the look was recorded, its note and hints, and where it goes."""

    look_id: str
    number: int
    label: str  # when it was recorded ("Today 14:32")
    note: str  # the associate's note, "" without one
    hint: str  # always shown: why it plays by time ("" when it follows the angle)
    partial_hint: str  # shown while the pane shows a view its turn does not reach ("" when it reaches every angle)
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class ComparisonOpened(Event):
    """Looks side by side: ``session`` (a ``CompareSession``, already decoding) answers ``frames(angle)`` from any thread."""

    look_ids: tuple[str, ...]
    panes: tuple[ComparePane, ...]
    session: object
    area: tuple[int, int]
    by_angle: bool = True  # the dial shows the shared body angle; False: every pane plays by time, it shows the time


@dataclass(frozen=True)
class ComparisonClosed(Event):
    """The comparison left the screen (closed, a look in it was deleted, or the session ended)."""


@dataclass(frozen=True)
class CompareTurn(Event):
    """Turn the open comparison by ``delta_deg`` (a touchless swipe)."""

    delta_deg: float


@dataclass(frozen=True)
class CompareShareProgress(Event):
    """A note while the shared comparison's video is being made ("" when it is done or dropped)."""

    text: str


@dataclass(frozen=True)
class ComparisonChanged(Event):
    """The renderer moved a comparison to ``state`` (queued, rendering, ready, failed with ``error``),
    or the store deleted it (``deleted``)."""

    comparison_id: str
    state: str
    error: str | None = None
