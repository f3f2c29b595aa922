"""The looks tray's model: what the gesture ring binds to, to know whether a swipe can step anywhere."""

from __future__ import annotations

import pytest

QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.library.look import Look  # noqa: E402
from ui.looks_model import LooksModel  # noqa: E402


def look(n: int) -> Look:
    return Look(id=f"look{n}", created=1000.0 + n, duration_s=5.0, width=720, height=1280, bytes=1, stills_bytes=1,
                path=f"/tmp/look{n}.mp4", poster_path="", strip_path="", session_id="s", customer_id=None,
                consent="pending", consent_by=None, consent_at=None, consent_wording=None, reason="turn")


def test_count_follows_the_looks_and_says_so_only_when_it_changes():
    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841 - Qt objects need one
    model = LooksModel()
    changes = []
    model.countChanged.connect(lambda: changes.append(model.property("count")))
    assert model.property("count") == 0
    model.replace([look(2), look(1)])
    assert changes == [2]
    model.replace([look(3), look(2)])  # other looks, as many: the count did not change
    assert changes == [2] and model.ids() == ["look3", "look2"]
    model.replace([look(3)], kept=[look(0)])  # this visit's and the card's kept ones together
    assert changes == [2] and model.property("count") == 2
    model.replace([])
    assert changes == [2, 0]
