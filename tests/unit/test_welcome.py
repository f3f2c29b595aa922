"""The welcome screen promises only what this mirror does by itself: without the body analysis,
stepping in wakes nothing and a turn records nothing, so it asks for a touch and the Record button."""

from __future__ import annotations

import os

import pytest

from kiosk.analysis.senses import Senses
from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.events import Notice
from kiosk.welcome import TURN_HINT, welcome
from kiosk.wiring import Switches, build_parts

SEES_ALL = Senses(presence=True, turns=True, gestures=True)


@pytest.mark.parametrize("senses, records, title, text", [
    (SEES_ALL, True, "Step in and turn around once", "The mirror records your turn"),
    (Senses(), True, "Touch the mirror to start", "Then tap Record and turn around once"),
    (Senses(presence=True), False, "Step in", ""),
    (Senses(), False, "Touch the mirror to start", ""),
])
def test_the_words_promise_only_what_the_mirror_does(senses, records, title, text):
    words = welcome(senses, records)
    assert words.title == title
    assert words.text.startswith(text) and (not text or words.text.endswith("Nothing is kept unless you say so."))


def core_for(tmp_path, **analysis) -> KioskCore:
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    for key, value in analysis.items():
        setattr(config.analysis, key, value)
    return KioskCore(build_parts(config, Switches(camera=False)))


@pytest.mark.parametrize("analysis, title, gestures", [
    ({"enabled": False}, "Touch the mirror to start", False),
    ({}, "Step in and turn around once", True),
    ({"gestures": False}, "Step in and turn around once", False),
])
def test_the_configuration_decides_what_the_mirror_notices(tmp_path, analysis, title, gestures):
    core = core_for(tmp_path, **analysis)
    assert core.welcome.title == title
    assert core.senses.gestures is gestures


def test_the_bridge_hands_the_core_s_words_to_the_screen_and_logs_them(tmp_path, caplog):
    import logging

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QtCore = pytest.importorskip("PySide6.QtCore")
    from kiosk.metrics import RateMeter
    from ui.bridge import MirrorBridge

    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])  # noqa: F841 - Qt objects need one
    core = core_for(tmp_path, enabled=False)
    with caplog.at_level(logging.INFO, logger="ui.bridge"):
        bridge = MirrorBridge(core, RateMeter())
    try:
        assert bridge.property("welcomeTitle") == "Touch the mirror to start"
        assert bridge.property("welcomeText").startswith("Then tap Record")
        assert bridge.property("handsFree") is False
        assert "shown to the shopper: Touch the mirror to start" in caplog.text
    finally:
        bridge.close()


@pytest.mark.parametrize("analysis, hint", [({}, TURN_HINT), ({"enabled": False}, "")])
def test_a_visit_starts_by_saying_how_to_record_where_a_turn_records_itself(tmp_path, analysis, hint):
    # A person in view lights a dark screen and her whole body seen starts the visit in under a
    # second: the welcome screen's "Step in and turn around once" was gone before she had read it,
    # and the live mirror said nothing of turning. Where Record must be tapped, it says so itself.
    core = core_for(tmp_path, **analysis)
    said = []
    core.bus.subscribe(lambda e: said.append(e.text) if isinstance(e, Notice) else None)
    core.start()
    try:
        core.touch()
        assert core.flush() and core.flush()
        assert core.session.session_id is not None
    finally:
        core.stop()
    assert said == ([hint] if hint else []), said
