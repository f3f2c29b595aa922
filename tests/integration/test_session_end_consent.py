"""A take still being finished when its session ends keeps the shopper's yes (issue 10's end-of-session case).

The consent answer is kept by the look library with the session, so the take is stored as kept
when it lands, whatever order the session's end and the landing take on the event bus.
"""

from __future__ import annotations

import threading
import time

import pytest

from kiosk.config import Config
from kiosk.recording.events import LookRecorded, RecordingStarted
from kiosk.wiring import build_core

pytestmark = pytest.mark.slow


@pytest.fixture
def core(tmp_path):
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    core = build_core(config, "synthetic:?width=320&height=240&fps=30")
    core.start()
    yield core
    core.stop()


def record_then_leave(core, consent: bool) -> tuple[str, str]:
    started, landed = threading.Event(), threading.Event()
    core.bus.subscribe(lambda e: started.set() if isinstance(e, RecordingStarted) else None)
    core.bus.subscribe(lambda e: landed.set() if isinstance(e, LookRecorded) else None)
    core.touch()
    session = core.session.session_id
    if consent:
        assert core.ask_consent()
        core.answer_consent(True)
    look_id = core.start_recording("manual")
    assert started.wait(30)
    seq = core.hub.latest().seq
    wait_for(lambda: core.hub.latest().seq >= seq + 45, "the camera stopped")  # 1.5 s of frames
    core.end_session()  # the shopper walks away while the take is being finished
    assert landed.wait(60), "the take never landed"
    return session, look_id


def test_a_take_landing_after_its_session_ended_keeps_the_yes(core):
    session, look_id = record_then_leave(core, consent=True)
    look = core.studio.library.find(look_id)
    assert look is not None, "the consented take was deleted when it landed"
    assert (look.consent, look.session_id) == ("granted", session)


def test_without_a_yes_it_is_deleted_when_it_lands(core):
    _session, look_id = record_then_leave(core, consent=False)
    # the studio deletes it on the bus right after it lands
    wait_for(lambda: core.studio.library.find(look_id) is None, "the unconsented take was kept")


def wait_for(condition, failure: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)
