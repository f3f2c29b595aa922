"""The store's opening hours, in a small strict subset of OpenStreetMap's ``opening_hours`` syntax.

``Mo-Sa 09:00-20:00; Su 11:00-17:00`` — rules separated by ``;``. Each rule names days
(``Mo Tu We Th Fr Sa Su``, ranges ``Mo-Fr`` and lists ``Mo,We,Sa-Su``) and either time ranges
(``09:00-12:30,13:30-20:00``, from 00:00 up to 24:00) or ``off``. A later rule replaces what
earlier ones said about its days, as in OSM: ``Mo-Sa 09:00-20:00; We off``. ``24/7`` is
always open; an empty text means no schedule (always open). A range that runs past midnight is
refused: write it as two rules (``Fr 22:00-24:00; Sa 00:00-02:00``). Anything else is an error
with one sentence naming the part that is wrong, so a typo never leaves a mirror dark all day.

This module reads no clock: ``is_open`` is given the weekday (0 = Monday) and the minute of the
day, local time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class OpeningHours:
    """Open minutes per weekday: ``week[d]`` is a tuple of (start, end) minutes, end exclusive."""

    text: str
    week: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def always_open(self) -> bool:
        return all(day == ((0, 1440),) for day in self.week)

    def is_open(self, weekday: int, minute: int) -> bool:
        """Whether the store is open on ``weekday`` (0 Monday) at ``minute`` after midnight."""
        return any(start <= minute < end for start, end in self.week[weekday % 7])


ALWAYS = OpeningHours("", tuple(((0, 1440),) for _ in DAYS))


def parse_opening_hours(text: str) -> OpeningHours:
    """The schedule ``text`` describes; raises ``ValueError`` with one plain sentence."""
    stripped = text.strip()
    if stripped in ("", "24/7"):
        return OpeningHours(text, ALWAYS.week)
    week: list[tuple[tuple[int, int], ...]] = [() for _ in DAYS]
    for rule in stripped.split(";"):
        rule = rule.strip()
        if not rule:
            raise ValueError(f"empty rule in {text!r} (two ';' in a row?)")
        parts = rule.split()
        if len(parts) != 2:
            raise ValueError(f"expected days then times in {rule!r}, e.g. 'Mo-Sa 09:00-20:00'")
        days, times = parts
        spans = () if times == "off" else _spans(times, rule)
        for day in _days(days, rule):
            week[day] = spans
    return OpeningHours(text, tuple(week))


def _days(text: str, rule: str) -> list[int]:
    found: list[int] = []
    for piece in text.split(","):
        ends = piece.split("-")
        if len(ends) > 2 or any(end not in DAYS for end in ends):
            raise ValueError(f"unknown days {piece!r} in {rule!r}: use Mo Tu We Th Fr Sa Su, e.g. Mo-Fr or Sa,Su")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if last < first:
            raise ValueError(f"days {piece!r} in {rule!r} run backwards: write {ends[0]}-Su,Mo-{ends[-1]}")
        found += range(first, last + 1)
    return found


def _spans(text: str, rule: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for piece in text.split(","):
        ends = piece.split("-")
        if len(ends) != 2:
            raise ValueError(f"expected a time range such as 09:00-20:00, got {piece!r} in {rule!r}")
        start, end = (_minute(end, rule) for end in ends)
        if end <= start:
            raise ValueError(f"{piece!r} in {rule!r} does not end after it starts; split a night at 24:00")
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise ValueError(f"time ranges overlap in {rule!r}")
    return tuple(spans)


def _minute(text: str, rule: str) -> int:
    match = _TIME.match(text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"expected a time from 00:00 to 24:00, got {text!r} in {rule!r}")
    return int(match.group(1)) * 60 + int(match.group(2))
