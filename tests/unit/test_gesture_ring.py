"""The gesture ring grows with a portrait mirror, as the dialogs' type does: seen from a step back.

GestureRing.qml is painted offscreen (tests/qml_offscreen.py) with a raised hand held to the end.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6.QtQml")

from tests.qml_offscreen import painted  # noqa: E402 (after the skip)

HELD = {"gesture": "raise_hand", "progress": 1.0, "action": "Record"}


def ring_and_label(size: tuple[int, int], tmp_path) -> tuple[int, int]:
    """(the ring's outer diameter, the height of its label's ink) in px, over a black screen."""
    image = painted("GestureRing.qml", HELD, size, "black", tmp_path / f"ring-{size[0]}x{size[1]}.png")
    bright = image.min(axis=2) > 200
    rows = np.nonzero(bright.any(axis=1))[0]
    # The ring's white track, then a gap, then the label's words under it.
    gap = np.nonzero(np.diff(rows) > 1)[0][0]
    ring, label = rows[:gap + 1], rows[gap + 1:]
    return int(ring[-1] - ring[0] + 1), int(label[-1] - label[0] + 1)


def test_the_ring_and_its_words_grow_on_a_portrait_mirror_and_stay_on_a_small_window(tmp_path):
    small_ring, small_label = ring_and_label((640, 720), tmp_path)
    tall_ring, tall_label = ring_and_label((1080, 1920), tmp_path)
    assert 100 <= small_ring <= 110 and small_label <= 16, (small_ring, small_label)  # as before: 106 px, 15 px type
    assert tall_ring >= 1.5 * small_ring and tall_label >= 1.4 * small_label, (small_ring, tall_ring, small_label,
                                                                               tall_label)
