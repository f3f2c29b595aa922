"""Counts, lengths of time and sizes in plain words for people: "1 look", "3 looks", never "look(s)";
"15 min"; "1430 MiB"; and the last check on what the shopper's screen says (``for_the_shopper``)."""

from __future__ import annotations

import logging
import re

_log = logging.getLogger(__name__)

#: What the shopper reads in place of a message that carries technical text.
SOMETHING_WENT_WRONG = "Something went wrong. Please try again, or ask a store associate."

# Words that are never in a sentence written for a shopper, and always in an error's own text: a
# file's path or name, an error number or the system's words for it, the database's words, a
# traceback, an exception's class name. Narrow on purpose: every sentence the mirror's sources
# hold for its screens passes (tests/unit/test_shopper_text.py reads them all).
_TECHNICAL = re.compile(
    r"(?<![\w/.:])/[\w.-]+/"  # an absolute path (a link's "://" and "size 38/40" are not one)
    r"|\b[\w-]+\.(?:py|db|sqlite3?|mp4|json|toml|jpg|png|part)\b"  # a file's name
    r"|\bErrno\b|Read-only file system|No space left on device|Permission denied|No such file or directory"
    r"|Input/output error|(?i:sqlite)|database is locked|database disk image|disk I/O error"
    r"|\bTraceback\b|\bFile \"|object at 0x"
    r"|\b[A-Z][A-Za-z0-9]*(?:Error|Exception)\b"  # OSError, av.error.InvalidDataError, LibraryError
)


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


def technical(text: str) -> bool:
    """Whether ``text`` carries words of an error's own (see ``_TECHNICAL``), not only plain ones."""
    return _TECHNICAL.search(text) is not None


def for_the_shopper(text: str) -> str:
    """``text`` as the shopper's screen may show it: itself, or ``SOMETHING_WENT_WRONG`` when an
    error's own words slipped into it (a path, "[Errno 30]", "database is locked"); the original
    goes to the journal at warning, for store IT. The screens' last line of defence: each message
    is meant to be written in plain words where it is made."""
    if not text or not technical(text):
        return text
    _log.warning("a message for the shopper held an error's own words and was replaced by %r: %s",
                 SOMETHING_WENT_WRONG, printable(text))
    return SOMETHING_WENT_WRONG
