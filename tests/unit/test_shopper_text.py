"""The screens' last line of defence (``kiosk.words.for_the_shopper``): a message that carries an
error's own words (a path, "[Errno 30]", "database is locked", a class name) is replaced by one
plain sentence and its words go to the journal; no sentence written for the screens trips it.

The sentences are read from the sources as test_ui_glyphs.py reads their characters: every string
of kiosk/ and ui/ that reads as a sentence (a capital letter first, a space in it; an f-string with
its fields as a word), every string handed to what puts words on the screen (``Notice``,
``_notice``, ``flash``, a take's failure, the identity part's refusals) whatever its case, and the
QML files' sentences."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest

from kiosk.words import SOMETHING_WENT_WRONG, for_the_shopper, technical

ROOT = Path(__file__).resolve().parents[2]
# What puts its text on the shopper's screen.
SHOWN_BY = {"Notice", "_notice", "flash", "_greet", "RecordingFailed", "RecordingDiscarded", "RecordingRefused",
            "IdentityError", "ConsentPromptClosed", "ConsentAsked", "CompareShareProgress", "ShareAfterConsent"}
# Words for store IT, never for the screen: kiosk doctor's advice and the settings' descriptions
# name files and commands on purpose, as the API's token note and metrics' help do.
FOR_STORE_IT = ("kiosk/doctor/", "kiosk/config.py", "kiosk/net/api_status.py", "kiosk/net/metrics_text.py")

LEAKS = [
    "[Errno 30] Read-only file system: '/var/lib/smartmirror/work/3f2a/take.mp4'",
    "the look library /var/lib/smartmirror/looks.db could not be read (database is locked)",
    "cannot write network.sqlite3 (disk I/O error)",
    "The recording failed (cannot read take.mp4 (Invalid data found when processing input)).",
    "These looks cannot be compared: the video file …/lib/looks/ab12.mp4 does not exist",
    "sqlite3.OperationalError: database is locked",
    "OSError: [Errno 5] Input/output error",
    'Traceback (most recent call last):\n  File "kiosk/effects.py", line 12, in share',
    "could not handle intent: LibraryError: cannot delete look L1",
    "<kiosk.library.library.Library object at 0x7f3a2c1d9e50>",
    "No space left on device",
    "Permission denied",
]


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # its fields as a plain word: what they hold is checked where it is made
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def authored_sentences() -> dict[str, str]:
    """Sentence → where it is written (file:line), from kiosk/, ui/ and ui/qml."""
    found: dict[str, str] = {}
    for path in sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "kiosk").rglob("*.py")]):
        where = str(path.relative_to(ROOT))
        if where.startswith(FOR_STORE_IT):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr)}
        shown = {id(arg) for n in ast.walk(tree) if isinstance(n, ast.Call) and _called(n) in SHOWN_BY
                 for arg in [*n.args, *(k.value for k in n.keywords)]}
        for node in ast.walk(tree):
            text = _text(node)
            if text and id(node) not in docstrings and (id(node) in shown or re.match(r"[A-Z]", text) and " " in text):
                found.setdefault(text, f"{where}:{node.lineno}")
    for path in sorted((ROOT / "ui" / "qml").rglob("*.qml")):
        for match in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', path.read_text(encoding="utf-8")):
            if re.match(r"[A-Z]", match.group(1)) and " " in match.group(1):
                found.setdefault(match.group(1), str(path.relative_to(ROOT)))
    return found


def test_the_scan_reads_the_screens_real_sentences():
    found = authored_sentences()
    assert len(found) > 300, len(found)
    from kiosk.effects import DELETE_FAILED, PANEL_FAILED
    from kiosk.identity.consent import NOT_SAVED
    from kiosk.recording.finisher import CANNOT_KEEP
    from kiosk.share_consent import SHARE_FAILED
    assert {DELETE_FAILED, PANEL_FAILED, NOT_SAVED, CANNOT_KEEP, SHARE_FAILED, SOMETHING_WENT_WRONG} <= set(found)
    assert "tap a staff card to open the associate panel" in found  # a refusal's own words, lowercase
    assert "Call staff" in found  # the QML's


def test_no_sentence_written_for_the_screens_is_taken_for_an_error():
    tripped = {where: text for text, where in authored_sentences().items() if technical(text)}
    assert not tripped, f"plain sentences the guard would replace: {tripped}"


@pytest.mark.parametrize("text", [
    "Asked for size 38/40. Someone will come to your fitting room.",
    "Welcome, Anna! Your looks are kept on your card.",
    "Turns only 120°: nearest view",
    "3 looks were deleted.",
    "",
])
def test_plain_words_pass_untouched(text, caplog):
    with caplog.at_level(logging.WARNING, logger="kiosk.words"):
        assert for_the_shopper(text) == text
    assert not caplog.records


@pytest.mark.parametrize("leak", LEAKS)
def test_an_error_s_own_words_are_replaced_and_kept_in_the_journal(leak, caplog):
    with caplog.at_level(logging.WARNING, logger="kiosk.words"):
        assert for_the_shopper(leak) == SOMETHING_WENT_WRONG
    [record] = caplog.records
    assert record.levelno == logging.WARNING and leak.replace("\n", "\\n") in record.getMessage()
