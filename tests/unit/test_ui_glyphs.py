"""Every character the mirror's screens can show has a glyph in the font the mirror is installed
with (fonts-dejavu-core, in scripts/lib/bootstrap.sh's RUNTIME_PACKAGES): a character without one
is drawn as an empty box. The gesture ring's raised hand was one (U+270B is in no DejaVu font).

Checked: every non-ASCII character of the QML files, and of the string literals of the bridges and
the core (the messages they put on screen)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# What Debian's fonts-dejavu-core holds: fontconfig falls back from one to another per character.
CORE_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
              "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf")


@pytest.fixture(scope="module")
def covered() -> set[int]:
    codepoints: set[int] = set()
    for name in CORE_FONTS:
        path = DEJAVU / name
        assert path.is_file(), f"{path} is missing: install fonts-dejavu-core (scripts/test does)"
        codepoints |= set(TTFont(path).getBestCmap())
    return codepoints


def shown_characters() -> dict[str, set[str]]:
    """Non-ASCII character → the files it appears in (QML text, Python string literals)."""
    found: dict[str, set[str]] = {}

    def note(text: str, path: Path) -> None:
        for ch in text:
            if ord(ch) > 127:
                found.setdefault(ch, set()).add(str(path.relative_to(ROOT)))

    for path in sorted((ROOT / "ui").rglob("*.qml")):
        note(path.read_text(encoding="utf-8"), path)
    for path in sorted([*(ROOT / "ui").rglob("*.py"), *(ROOT / "kiosk").rglob("*.py")]):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.STRING:
                note(token.string, path)
    return found


def test_the_screens_show_symbols_and_not_only_letters():
    shown = shown_characters()
    # The check reads the real sources: the buttons' symbols are among what it checks.
    assert {"⌫", "⇄", "●", "←", "→"} <= set(shown), sorted(shown)


def test_every_character_on_screen_has_a_glyph(covered):
    missing = {f"U+{ord(ch):04X} {ch}": sorted(files) for ch, files in shown_characters().items()
               if ord(ch) not in covered}
    assert not missing, f"drawn as empty boxes on the mirror: {missing}"


def test_a_character_outside_dejavu_is_caught(covered):
    assert ord("✋") not in covered and ord("☝") in covered
