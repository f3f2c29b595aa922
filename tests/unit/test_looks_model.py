"""The looks tray's model: what the gesture ring binds to, to know whether a swipe can step anywhere."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

QtCore = pytest.importorskip("PySide6.QtCore")
QtTest = pytest.importorskip("PySide6.QtTest")

from kiosk.library.look import Look  # noqa: E402
from ui.looks_model import LooksModel  # noqa: E402


ROLE = {bytes(name).decode(): role for role, name in LooksModel().roleNames().items()}


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


def _signals(model: LooksModel) -> list[tuple]:
    seen: list[tuple] = []
    model.modelReset.connect(lambda: seen.append(("reset",)))
    model.rowsInserted.connect(lambda parent, first, last: seen.append(("inserted", first, last)))
    model.rowsRemoved.connect(lambda parent, first, last: seen.append(("removed", first, last)))
    model.dataChanged.connect(lambda top, bottom, roles: seen.append(("changed", top.row(), bottom.row())))
    return seen


def test_a_new_look_is_one_row_inserted_and_the_tiles_on_screen_stay():
    """A reset would rebuild every tile of the tray (each dark until its poster loads again)
    whenever a look is added, kept or deleted; the rows change one by one instead."""
    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841
    model = LooksModel()
    model.replace([look(2), look(1)], kept=[look(0)])
    seen = _signals(model)
    model.replace([look(3), look(2), look(1)], kept=[look(0)])  # a new take, newest first
    assert seen == [("inserted", 0, 0)]
    seen.clear()
    agreed = dataclasses.replace(look(2), consent="granted")
    model.replace([look(3), agreed, look(1)], kept=[look(0)])  # the shopper kept one
    assert seen == [("changed", 1, 1)]
    assert model.data(model.index(1), ROLE["consented"]) is True
    seen.clear()
    model.replace([look(3), look(1)], kept=[look(0)])  # one deleted
    assert seen == [("removed", 1, 1)] and model.ids() == ["look3", "look1", "look0"]
    seen.clear()
    model.replace([look(3), look(1)], kept=[])  # the card taken away: its kept looks go
    assert seen == [("removed", 2, 2)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 7), unique=True, max_size=6),
                          st.lists(st.integers(8, 11), unique=True, max_size=3),
                          st.booleans()), min_size=1, max_size=8))
def test_any_sequence_of_trays_ends_as_the_last_one_with_every_change_told(trays):
    """Whatever comes (looks added, deleted, kept, reordered), the rows end as asked and a view
    following the model's signals (Qt's own model checker, fatal on any broken rule) agrees."""
    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841
    model = LooksModel()
    tester = QtTest.QAbstractItemModelTester(model, QtTest.QAbstractItemModelTester.FailureReportingMode.Fatal)
    mirror: list[str] = []
    model.modelReset.connect(lambda: mirror.__setitem__(slice(None), model.ids()))
    model.rowsInserted.connect(lambda parent, first, last: mirror.insert(first, model.ids()[first]))
    model.rowsRemoved.connect(lambda parent, first, last: mirror.__delitem__(first))
    for this_visit, kept, granted in trays:
        rows = [dataclasses.replace(look(n), consent="granted" if granted and n % 2 else "pending")
                for n in this_visit]
        model.replace(rows, kept=[look(n) for n in kept])
        assert model.ids() == [f"look{n}" for n in this_visit + kept] == mirror
        for row, n in enumerate(this_visit + kept):
            index = model.index(row)
            assert model.data(index, ROLE["kept"]) is (n in kept)
            assert model.data(index, ROLE["consented"]) is (granted and n % 2 == 1 and n < 8)
    del tester
