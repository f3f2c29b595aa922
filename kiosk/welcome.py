"""What the welcome (attract) screen says: only what this mirror does by itself, else what to touch."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.analysis.senses import Senses

KEPT = "Nothing is kept unless you say so."
# Said as the mirror wakes for a shopper: the welcome screen's words go as she steps in (a person
# in view lights a dark screen, and her whole body seen for ``session.wake_after_s`` starts the
# visit), so she may never have read them.
TURN_HINT = "Turn around once: the mirror records your turn and plays it back."


@dataclass(frozen=True)
class Welcome:
    """The welcome screen's invitation and the line below it ("" for none)."""

    title: str
    text: str


def welcome(senses: Senses, records: bool, unavailable: str = "") -> Welcome:
    """The words for a mirror that notices ``senses`` by itself and ``records`` looks (or does not:
    ``unavailable`` says why where it would, as on a plain mirror, ``kiosk.plain_mirror``)."""
    if records and senses.turns:
        return Welcome("Step in and turn around once",
                       f"The mirror records your turn so you can see yourself from every side. {KEPT}")
    start = "Step in" if senses.presence else "Touch the mirror to start"
    if records:  # the Record button, shown once the mirror is awake, records
        return Welcome(start, f"Then tap Record and turn around once to see yourself from every side. {KEPT}")
    return Welcome(start, unavailable)


def wake_hint(senses: Senses, records: bool, unavailable: str = "") -> str:
    """What the mirror says as a visit starts: how to record on a mirror that records a turn by
    itself, "" where the Record button must be tapped (it says so itself), and ``unavailable`` on a
    mirror that would record but cannot now (it has no Record button to say so)."""
    if not records:
        return unavailable
    return TURN_HINT if senses.turns else ""
