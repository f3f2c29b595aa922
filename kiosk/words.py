"""Counts in plain words for people: "1 look", "3 looks", never "look(s)"."""

from __future__ import annotations


def count(n: int, noun: str, plural: str = "") -> str:
    """``n`` and ``noun`` in the number that fits: count(1, "look") == "1 look", count(0, "entry",
    "entries") == "0 entries"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
