"""The associate panel through the mirror's bridge: it takes new contents while open, and Close is final."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.events import EventBus  # noqa: E402
from kiosk.identity.events import AssociatePanelShown  # noqa: E402
from ui.identity_bridge import IdentityBridge  # noqa: E402


class PanelCore:
    """The core's part: it hears that the panel was closed."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.parts = SimpleNamespace(identity=SimpleNamespace(available=True))
        self.closed = 0

    def close_associate_panel(self) -> None:
        self.closed += 1


def test_the_open_panel_takes_the_cores_follow_ups_and_a_closed_one_stays_closed():
    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    core = PanelCore()
    bridge = IdentityBridge(core)
    try:
        bridge.on_event(AssociatePanelShown(panel={"name": "Anna", "keptIds": []}))
        bridge.on_event(AssociatePanelShown(panel={"name": "Anna", "keptIds": ["a"]}, follow_up=True))
        assert bridge.property("panelVisible") and bridge.property("panel")["keptIds"] == ["a"]
        bridge.dismiss()
        assert core.closed == 1, "the core must stop following a closed panel"
        # A follow-up the core sent before it heard of Close does not bring the panel back.
        bridge.on_event(AssociatePanelShown(panel={"name": "Anna", "keptIds": ["a", "b"]}, follow_up=True))
        assert not bridge.property("panelVisible")
        bridge.on_event(AssociatePanelShown(panel={"name": "Anna", "keptIds": ["a", "b"]}))  # a staff card again
        assert bridge.property("panelVisible") and bridge.property("panel")["keptIds"] == ["a", "b"]
    finally:
        bridge.close()
