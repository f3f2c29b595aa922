"""What the mirror notices by itself, without a touch (the screen's words promise only these)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Senses:
    """What the body analysis lets the mirror notice; all False without it."""

    presence: bool = False  # someone stepping in wakes it
    turns: bool = False  # a turn in front of it records itself
    gestures: bool = False  # a hand held up or swiped sideways does something
