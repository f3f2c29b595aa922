""""Other size" on the mirror asks which way, and the associate's request says it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiosk.effects import ASSIST_FAILED, Effects
from kiosk.errors import KioskError
from kiosk.events import EventBus, Notice
from kiosk.net.assist import size_detail


class Network:
    def __init__(self, fail: str = "") -> None:
        self.requests: list[tuple[str, str]] = []
        self.fail = fail

    def request_assist(self, kind: str = "size", detail: str = "") -> dict:
        if self.fail:
            raise KioskError(self.fail)
        self.requests.append((kind, detail))
        return {}


def effects(network: Network):
    bus = EventBus()
    notices: list[Notice] = []
    bus.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    return Effects(SimpleNamespace(network=network, bus=bus)), notices


def test_the_size_buttons_say_which_way_in_words():
    assert size_detail("smaller") == "one size smaller"
    assert size_detail("larger") == "one size larger"
    assert size_detail("") == ""
    with pytest.raises(ValueError, match="smaller or larger"):
        size_detail("huge")


def test_the_request_carries_the_choice_to_the_network():
    network = Network()
    fx, notices = effects(network)
    fx.request_assist("size", "smaller")
    fx.request_assist("size", "larger")
    fx.request_assist("size")
    fx.request_assist("associate")
    assert network.requests == [("size", "one size smaller"), ("size", "one size larger"), ("size", ""),
                                ("associate", "")]
    assert notices == []


def test_a_refused_call_for_help_is_told_plainly_and_why_is_in_the_journal(caplog):
    why = "the network database /var/lib/smartmirror/network.sqlite3 could not be written (database is locked)"
    fx, notices = effects(Network(fail=why))
    with caplog.at_level("WARNING", logger="kiosk.effects"):
        fx.request_assist("size", "larger")
    assert [n.text for n in notices] == [ASSIST_FAILED]  # no file, no error: she cannot act on them
    assert notices[0].topic == "assist"
    assert any(why in r.getMessage() for r in caplog.records)


class FakeCore:
    def __init__(self) -> None:
        self.bus = EventBus()
        self.parts = SimpleNamespace(network=SimpleNamespace(available=True))


def test_the_mirror_repeats_what_was_asked_for():
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QtCore = pytest.importorskip("PySide6.QtCore")
    from kiosk.net.events import AssistAcknowledged, AssistRequested
    from ui.assist_bridge import AssistBridge

    QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    bridge = AssistBridge(FakeCore())
    try:
        bridge.on_event(AssistRequested(request_id="r1", kind="size", detail="one size smaller"))
        assert bridge.property("message") == "Asked for one size smaller. Someone will come to your fitting room."
        bridge.on_event(AssistRequested(request_id="r2", kind="size", detail=""))
        assert bridge.property("message") == "Asked for another size. Someone will come to your fitting room."
        bridge.on_event(AssistAcknowledged(request_id="r1", by="Sam"))
        assert (bridge.property("state"), bridge.property("message")) == ("coming", "Someone is on the way.")
    finally:
        bridge.close()
