"""A message (Toast.qml) wraps its words inside the window, on a small window and a portrait mirror.

Toast.qml is painted offscreen in a child process (tests/qml_offscreen.py) at the two sizes the
legibility tests use (540x960, 1080x1920), filling the window, over black: its words are the
only white there.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtQml")

from kiosk.identity.prompt import NOT_KEPT_TAP_AGAIN  # noqa: E402 (after the skip)
from tests.qml_offscreen import painted  # noqa: E402 (after the skip)
from tests.screen import type_lines  # noqa: E402 (after the skip)


@pytest.mark.parametrize("size", [(540, 960), (1080, 1920)])
def test_the_words_after_a_no_fit_in_two_lines_inside_the_window(size, tmp_path):
    width, height = size
    image = painted("Toast.qml", {"text": NOT_KEPT_TAP_AGAIN}, size, "black", tmp_path / f"{width}.png")
    found = type_lines(image)
    assert len(found) == 2, found  # wrapped, not cut: a short message at a glance
    # Each line inside the message's 90 % of the window, none cut by its edges.
    assert all(width * 0.05 <= x and x + w <= width * 0.95 for x, _, w, _ in found), found
    # The type as big as the messages' (1.4 % of the height, 18 px at least): capitals ~0.7 of it.
    assert all(h >= 0.7 * max(18, height * 0.014) for _, _, _, h in found), found
