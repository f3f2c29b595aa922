"""The share code on the mirror's screen goes when it leads nowhere any more: its look deleted or
forgotten, the visit's links revoked by a withdrawn yes, its comparison closed or deleted, or its
link revoked through the API."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.compare.events import ComparisonChanged, ComparisonClosed  # noqa: E402
from kiosk.events import EventBus, LinkRevoked, SharesEnded, ShareShown, TrayChanged  # noqa: E402
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
    return ShareShown(look_id=look_id, url=f"http://mirror/s/{look_id}", expires_at=2e9, qr_png=b"png", kind=kind,
                      share_id=f"id-of-{look_id}")


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


def test_a_code_whose_link_the_store_revoked_goes(bridge):
    # DELETE /api/v1/shares/{token} with the store's token, while the shopper still stands there.
    bridge.on_event(tray("a"))
    bridge.on_event(shown("a"))
    bridge.on_event(LinkRevoked(share_id="id-of-another-link"))
    assert bridge.property("shareVisible")
    bridge.on_event(LinkRevoked(share_id="id-of-a"))
    assert not bridge.property("shareVisible")


def test_a_comparisons_code_goes_when_the_store_deletes_the_comparison(bridge):
    # DELETE /api/v1/comparisons/{id}: the renderer tells the core it is gone; its links are revoked.
    bridge.on_event(shown("cmp1", kind="comparison"))
    bridge.on_event(ComparisonChanged(comparison_id="cmp2", state="deleted"))
    bridge.on_event(ComparisonChanged(comparison_id="cmp1", state="ready"))
    assert bridge.property("shareVisible")
    bridge.on_event(ComparisonChanged(comparison_id="cmp1", state="deleted"))
    assert not bridge.property("shareVisible")
