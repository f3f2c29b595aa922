"""The associate panel through the mirror's bridge: it takes new contents while open, Close is final, and
it closes and empties itself when the staff card's unlock runs out."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")

from kiosk.config import Config  # noqa: E402
from kiosk.effects import panel_closed_sentence  # noqa: E402
from kiosk.events import EventBus  # noqa: E402
from kiosk.identity import Customer  # noqa: E402
from kiosk.identity.associate import UNLOCK_S  # noqa: E402
from kiosk.identity.events import PANEL_EXPIRED, AssociatePanelClosed, AssociatePanelShown  # noqa: E402
from kiosk.identity.setup import load_keyer, open_directory  # noqa: E402
from kiosk.wiring import build_core  # noqa: E402
from tests.unit.test_core_associate import ANNA, STAFF  # noqa: E402
from tests.unit.test_core_intents import of  # noqa: E402
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


class Clock:
    """The associate panel's clock: the test moves it on."""

    now = 1000.0

    def __call__(self) -> float:
        return self.now


def settle(predicate, timeout: float = 15.0) -> bool:
    """Let the UI thread hear the core's events until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QtCore.QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_panel_left_open_closes_and_empties_when_its_unlock_runs_out(tmp_path):
    # The unlock ran out after 120 s, but the panel stayed on the screen with the shopper's name,
    # tier and looks, for whoever came into the fitting room next.
    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    keyer = load_keyer(config)
    with open_directory(config) as directory:
        directory.import_customers([Customer(keyer.key(ANNA), "Anna", "gold"),
                                    Customer(keyer.key(STAFF), "Sam", staff_role="associate")])
    clock = Clock()
    core = build_core(config, "synthetic:?width=320&height=240&fps=15", clock=clock)
    events = []
    core.bus.subscribe(events.append)
    core.start()
    bridge = IdentityBridge(core)
    try:
        core.touch()
        core.tap_card(keyer.key(ANNA))
        assert settle(lambda: bridge.property("consentVisible"))
        core.answer_consent(True)
        core.tap_card(keyer.key(STAFF))
        assert settle(lambda: bridge.property("panel").get("name") == "Anna"), bridge.property("panel")
        assert bridge.property("panel")["tier"] == "gold"

        clock.now += UNLOCK_S - 1  # still unlocked: the panel still opens
        shown = len(of(events, AssociatePanelShown))
        core.open_associate_panel()
        assert settle(lambda: len(of(events, AssociatePanelShown)) > shown) and bridge.property("panelVisible")
        assert not of(events, AssociatePanelClosed)

        clock.now += 2  # past the 120 s of the staff card's tap
        assert settle(lambda: not bridge.property("panelVisible")), "the panel stayed on the screen"
        assert bridge.property("panel") == {}, "the bridge still holds the shopper's details"
        assert [e.reason for e in of(events, AssociatePanelClosed)] == [PANEL_EXPIRED]
        sentence = "The associate panel closed after 2 minutes. Tap a staff card to open it again."
        assert panel_closed_sentence(UNLOCK_S) == sentence and bridge.property("message") == sentence

        # A follow-up the core had sent before it closed the panel does not bring it back.
        bridge.on_event(AssociatePanelShown(panel={"name": "Anna", "keptIds": []}, follow_up=True))
        assert not bridge.property("panelVisible")
    finally:
        bridge.close()
        core.stop()
