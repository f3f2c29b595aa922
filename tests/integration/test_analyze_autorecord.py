"""Done-when of issue 5: a turning clip played as the camera gives, untouched, one look with the whole turn."""

from __future__ import annotations

import threading
import time

import pytest

from kiosk.analysis.events import PersonPresenceChanged, TurnPhase
from kiosk.config import Config
from kiosk.events import SessionStateChanged
from kiosk.recording.events import LookRecorded
from kiosk.wiring import build_core

pytestmark = [pytest.mark.footage, pytest.mark.slow]


def test_turning_clip_records_one_look_with_its_turn(footage_dir, tmp_path):
    clip = footage_dir / "ubc_91-3003CN5S_mint_dress_turn.mp4"
    config = Config()
    core = build_core(config, f"file:{clip}?loop=0&realtime=1", library_dir=str(tmp_path / "looks"))
    assert core.parts.analysis.worker is not None
    landed = threading.Event()
    events = []

    def listen(event):
        events.append(event)
        if isinstance(event, LookRecorded):
            landed.set()

    core.bus.subscribe(listen)
    # The clip plays once, from the moment the camera opens: hold that back until the pose
    # model has loaded (seconds on a busy machine), or its turn may be over before analysis runs.
    capture = core.parts.capture
    open_camera = capture.start

    def start_when_analysing():
        deadline = time.monotonic() + 120
        while core.parts.analysis.worker.state != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        open_camera()

    capture.start = start_when_analysing
    core.start()
    try:
        assert landed.wait(60), f"no look was recorded; turn events: {[e for e in events if isinstance(e, TurnPhase)]}"
        looks = core.parts.library.list()
        assert len(looks) == 1
        look = looks[0]
        assert look.reason == "turn"
        # The auto-recorder stores the yaw track right after the look lands (same event).
        deadline = time.monotonic() + 30
        while "turn" not in core.parts.library.analysis(look.id) and time.monotonic() < deadline:
            time.sleep(0.05)
        stored = core.parts.library.analysis(look.id)["turn"]
    finally:
        core.stop()
    turn = stored["turn"]
    assert turn["complete"] is True and turn["direction"] == "cw"
    # Times are seconds into the video: the whole turn (4.5 s long) lies inside the look.
    assert 0.0 <= turn["start_s"] < turn["back_s"] < turn["end_s"] <= look.duration_s
    assert turn["end_s"] - turn["start_s"] == pytest.approx(7.7 - 3.15, abs=0.6)
    yaw = stored["yaw"]
    # Samples as often as the machine allows (the rate is `kiosk bench analyze`'s business):
    # at the 5 analysed frames a second the tracker is made for, ~30 over this clip's look.
    assert len(yaw) >= 15 and all(len(row) == 4 for row in yaw)
    assert yaw[-1][2] - yaw[0][2] >= 300  # the track covers the whole rotation
    phases = [e.phase for e in events if isinstance(e, TurnPhase)]
    assert phases == ["started", "back", "completed"]
    # The whole body was seen and fed to the session, which is awake (the look belongs to it).
    assert any(isinstance(e, PersonPresenceChanged) and e.full_body for e in events)
    assert any(isinstance(e, SessionStateChanged) and e.state == "session" for e in events)
    assert look.session_id is not None
