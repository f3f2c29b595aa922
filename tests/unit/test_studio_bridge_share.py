"""The share code on the mirror's screen goes when it leads nowhere any more: its look deleted or
forgotten, the visit's links revoked by a withdrawn yes, or its comparison closed."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.compare.events import ComparisonClosed  # noqa: E402
from kiosk.events import EventBus, SharesEnded, ShareShown, TrayChanged  # noqa: E402
from ui.studio_bridge import StudioBridge  # noqa: E402


class FakeCore:
    def __init__(self) -> None:
        self.bus = EventBus()
        self.parts = SimpleNamespace(studio=SimpleNamespace(available=True, record_blocked=""))


@pytest.fixture
def bridge():
    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841
    made = StudioBridge(FakeCore())
    yield made
    made.close()


def tray(*ids: str) -> TrayChanged:
    return TrayChanged(session_id="s1", looks=tuple(SimpleNamespace(id=i) for i in ids))


def shown(look_id: str, kind: str = "look") -> ShareShown:
    return ShareShown(look_id=look_id, url=f"http://mirror/s/{look_id}", expires_at=2e9, qr_png=b"png", kind=kind)


def test_a_looks_code_goes_with_the_look(bridge):
    bridge.on_event(tray("a", "b"))
    bridge.on_event(shown("a"))
    assert bridge.property("shareVisible")
    bridge.on_event(tray("a"))  # another look deleted: the code stays
    assert bridge.property("shareVisible")
    bridge.on_event(tray())  # its look deleted, or the shopper forgotten
    assert not bridge.property("shareVisible")


def test_a_withdrawn_yes_takes_any_code_down(bridge):
    bridge.on_event(tray("a"))
    bridge.on_event(shown("cmp1", kind="comparison"))
    bridge.on_event(tray("a"))  # the look stays in the visit (until it ends)...
    assert bridge.property("shareVisible")
    bridge.on_event(SharesEnded())  # ...but its links were revoked
    assert not bridge.property("shareVisible")


def test_a_comparisons_code_goes_with_its_comparison(bridge):
    bridge.on_event(shown("a"))
    bridge.on_event(ComparisonClosed())  # a look's code is not the comparison's
    assert bridge.property("shareVisible")
    bridge.on_event(shown("cmp1", kind="comparison"))
    bridge.on_event(ComparisonClosed())
    assert not bridge.property("shareVisible")
