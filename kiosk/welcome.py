"""What the welcome (attract) screen says: only what this mirror does by itself, else what to touch."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.analysis.senses import Senses

KEPT = "Nothing is kept unless you say so."


@dataclass(frozen=True)
class Welcome:
    """The welcome screen's invitation and the line below it ("" for none)."""

    title: str
    text: str


def welcome(senses: Senses, records: bool) -> Welcome:
    """The words for a mirror that notices ``senses`` by itself and ``records`` looks (or does not)."""
    if records and senses.turns:
        return Welcome("Step in and turn around once",
                       f"The mirror records your turn so you can see yourself from every side. {KEPT}")
    start = "Step in" if senses.presence else "Touch the mirror to start"
    if records:  # the Record button, shown once the mirror is awake, records
        return Welcome(start, f"Then tap Record and turn around once to see yourself from every side. {KEPT}")
    return Welcome(start, "")
