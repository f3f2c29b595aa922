"""Core events → the network's state, counters and event names (no sockets, SQLite under tmp_path)."""

from __future__ import annotations

import pytest

from kiosk.config import Config
from kiosk.events import CameraStateChanged, SessionStateChanged
from kiosk.net.assist import AssistQueue
from kiosk.net.auth import Auth
from kiosk.net.context import NetContext
from kiosk.net.db import NetworkDatabase
from kiosk.net.feed import EventFeed
from kiosk.net.metrics_text import render_metrics
from kiosk.net.outbox import Outbox
from kiosk.net.shares import ShareStore
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingStarted


class Stream:
    """Records what would go to SSE clients."""

    subscribers = 0

    def __init__(self):
        self.sent = []

    def publish(self, name, data):
        self.sent.append((name, data))


@pytest.fixture
def ctx(tmp_path):
    db = NetworkDatabase(tmp_path / "n.sqlite3")
    db.open()
    context = NetContext(
        config=Config(), mirror_id="m-1", auth=Auth("t"), shares=ShareStore(db, 60), assist=AssistQueue(db),
        outbox=Outbox(db, None, {}), stream=Stream(),
    )
    yield context
    db.close()


def test_states_follow_sessions_and_recordings(ctx):
    states = []
    feed = EventFeed(ctx, states.append)
    feed(CameraStateChanged(state="running", reason=""))  # not ours: ignored
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(SessionStateChanged(state="session", session_id="s1"))  # repeated: no second start
    feed(RecordingStarted(look_id="L1", reason="turn", session_id="s1"))
    feed(LookRecorded(look_id="L1", path="/x.mp4", duration_s=6.0, session_id="s1"))
    feed(RecordingStarted(look_id="L2", reason="turn", session_id="s1"))
    feed(RecordingDiscarded(look_id="L2", reason="too short"))
    feed(SessionStateChanged(state="idle", session_id=None))
    assert states == ["session", "recording", "session", "recording", "session", "idle"]
    names = [name for name, _ in ctx.stream.sent if name != "state"]
    assert names == ["session_started", "look_recorded", "session_ended"]
    assert ctx.sessions_started == 1 and ctx.looks_recorded == 1
    assert ctx.state == "idle"


def test_session_ending_while_recording_goes_idle(ctx):
    states = []
    feed = EventFeed(ctx, states.append)
    feed(SessionStateChanged(state="session", session_id="s1"))
    feed(RecordingStarted(look_id="L1", reason="turn", session_id="s1"))
    feed(SessionStateChanged(state="idle", session_id=None))
    assert states[-1] == "idle"


def test_metrics_are_prometheus_text(ctx):
    text = render_metrics(ctx)
    lines = text.splitlines()
    assert text.endswith("\n")
    samples = [line for line in lines if not line.startswith("#")]
    for sample in samples:
        name = sample.split("{")[0].split(" ")[0]
        assert f"# TYPE {name} " in text, name
        float(sample.rsplit(" ", 1)[1])
    assert "kiosk_camera_up 0" in samples  # kiosk serve: no camera, and it says so
    assert "kiosk_camera_configured 0" in samples  # on purpose: no alert on its camera


def test_camera_metrics_tell_a_camera_that_came_back_from_tries_while_it_is_away(ctx):
    from dataclasses import replace

    from kiosk.capture import CameraStatus

    status = CameraStatus(state="unavailable", reason="camera /dev/video0 is not plugged in", fps=0.0,
                          captured=900, dropped=2, reconnects=1, open_failures=17)
    text = render_metrics(replace(ctx, camera=lambda: status))
    samples = text.splitlines()
    assert "kiosk_camera_reconnects_total 1" in samples and "kiosk_camera_open_failures_total 17" in samples
    assert "# HELP kiosk_camera_reconnects_total Times the camera came back" in text
    assert "kiosk_camera_up 0" in samples and "kiosk_camera_configured 1" in samples  # a camera that is down
