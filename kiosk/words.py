"""Counts, lengths of time and sizes in plain words for people: "1 look", "3 looks", never "look(s)";
"15 min"; "1430 MiB"."""

from __future__ import annotations


def count(n: int, noun: str, plural: str = "") -> str:
    """``n`` and ``noun`` in the number that fits: count(1, "look") == "1 look", count(0, "entry",
    "entries") == "0 entries"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def duration(seconds: float) -> str:
    """A length of time, rounded to the unit that fits: "90 s", "15 min", "23 h", "3 days"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def mebibytes(n_bytes: int) -> str:
    """A disk figure in whole MiB, rounded down, as health and the doctor both say it: "1430 MiB"."""
    return f"{n_bytes // 2**20} MiB"


def reading_seconds(text: str) -> float:
    """How long a message for the shopper stays up at least: 2 s to look, then 2.5 words a second
    (a slow reader's pace, read standing at a mirror). "Look deleted." 2.8 s; a 15-word message 8 s."""
    return 2.0 + len(text.split()) / 2.5


def printable(text: str) -> str:
    """``text`` as a terminal or a journal can show it: each control character written out ("\\x1b",
    "\\n"), so that words from the LAN (an mDNS name, a TXT value) cannot rewrite a terminal's lines
    or forge a log line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
