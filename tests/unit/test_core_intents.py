"""The core decides what a touch, a gesture or a card tap means right now."""

import time

import pytest

from kiosk.config import Config
from kiosk.consent_prompt import ConsentAsked, ConsentPromptClosed
from kiosk.events import TrayStep
from kiosk.wiring import build_core


@pytest.fixture
def core(tmp_path):
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    core = build_core(config, "synthetic:?width=320&height=240&fps=15")
    events = []
    core.bus.subscribe(events.append)
    core.events = events
    core.start()
    yield core
    core.stop()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_hand_up_answers_the_consent_question_when_it_is_shown(core):
    core.touch()
    sid = core.session.session_id
    assert core.ask_consent()
    assert any(isinstance(e, ConsentAsked) for e in core.events)
    core.on_gesture("raise_hand")
    closed = [e for e in core.events if isinstance(e, ConsentPromptClosed)]
    assert closed and closed[-1].answer == "yes"
    assert core.cards.consent.is_consented(sid)
    assert not core.studio.recording, "the gesture answered the question; it must not also record"
    assert not core.ask_consent(), "the question is asked once per session"


def test_swipe_says_no_when_asked_and_steps_the_tray_otherwise(core):
    core.touch()
    sid = core.session.session_id
    core.ask_consent()
    core.on_gesture("swipe_left")
    assert not core.cards.consent.is_consented(sid)
    core.on_gesture("swipe_left")
    assert [e.delta for e in core.events if isinstance(e, TrayStep)] == [1]


def test_hand_up_toggles_recording_otherwise(core):
    core.touch()
    assert wait_for(lambda: core.hub.latest() is not None)
    core.on_gesture("raise_hand")
    assert core.studio.recording
    core.on_gesture("raise_hand")
    assert wait_for(lambda: not core.studio.recording)


def test_session_end_closes_an_open_question_and_deletes_unconsented_looks(core):
    core.touch()
    assert wait_for(lambda: core.hub.latest() is not None)
    core.start_recording()
    time.sleep(1.5)
    core.stop_recording()
    assert wait_for(lambda: len(core.studio.session_looks()) == 1)
    core.ask_consent()
    core.end_session()
    assert [e.answer for e in core.events if isinstance(e, ConsentPromptClosed)] == [""]
    assert core.studio.library.list() == []


def test_a_yes_keeps_the_session_looks_after_it_ends(core):
    core.touch()
    assert wait_for(lambda: core.hub.latest() is not None)
    core.ask_consent()
    core.answer_consent(True)
    core.start_recording()
    time.sleep(1.5)
    core.stop_recording()
    assert wait_for(lambda: len(core.studio.session_looks()) == 1)
    core.end_session()
    kept = core.studio.library.list()
    assert len(kept) == 1 and kept[0].consented and kept[0].consent_by == "customer"
