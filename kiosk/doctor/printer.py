"""The doctor's answers for people (one block per check) and for scripts (one JSON object)."""

from __future__ import annotations

import json
import re
import textwrap

from kiosk.doctor.check import Result, State
from kiosk.words import count

MARK = {State.OK: "ok  ", State.WARNING: "WARN", State.FAIL: "FAIL"}


def as_text(results: list[Result], width: int = 100) -> str:
    """One block per check, wrapped at ``width``, never inside a word, and never inside a quoted
    command: 'journalctl -t smartmirror-kiosk' stays on one line, to be copied as it stands.

    A hint is written once: a later check with the same hint (the camera's cable, for the camera,
    its modes and its frame rate) points back to the first (the JSON keeps every check whole)."""
    lines = []
    first_with: dict[str, str] = {}  # hint → the id of the first check that gave it
    for r in results:
        lines.append(_fill(r.sentence, width, f"{MARK[r.state]}  {r.id:<12} ", " " * 19))
        if r.hint and r.state is not State.OK:
            hint = f"See the hint for {first_with[r.hint]} above." if r.hint in first_with else r.hint
            first_with.setdefault(r.hint, r.id)
            lines.append(_fill(hint, width, " " * 19 + "→ ", " " * 21))
    counts = {state: sum(1 for r in results if r.state is state) for state in State}
    lines.append("")
    lines.append(f"{counts[State.OK]} ok, {count(counts[State.WARNING], 'warning')}, {counts[State.FAIL]} failed.")
    return "\n".join(lines)


# A quotation opens after a space or a bracket and closes before one: the apostrophe of
# "camera's" or "store's" is neither, or it would glue half a sentence into one unbreakable word.
QUOTED = re.compile(r"(?<![\w'])'[^'\n]+'(?![\w'])")
_GLUE = "\u00a0"  # a space textwrap does not break at (it splits on ASCII whitespace only)


def _fill(text: str, width: int, first: str, rest: str) -> str:
    glued = QUOTED.sub(lambda m: m.group(0).replace(" ", _GLUE), text)
    wrapped = textwrap.fill(glued, width, initial_indent=first, subsequent_indent=rest,
                            break_on_hyphens=False, break_long_words=False)
    return wrapped.replace(_GLUE, " ")


def as_json(results: list[Result]) -> str:
    """One object: ``ok`` (nothing failed), the counts, and every check's id, state, sentence and hint."""
    counts = {state.value: sum(1 for r in results if r.state is state) for state in State}
    return json.dumps({"ok": counts["fail"] == 0, "counts": counts, "checks": [r.as_dict() for r in results]}, indent=2)
