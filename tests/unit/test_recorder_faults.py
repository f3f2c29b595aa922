"""The encoder loop's faults: a take asked for is refused in words, never lost; a dead encoder backs off and shows in health."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from hardware.camera_synthetic import SyntheticSource
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.library import Library
from kiosk.net.health_checks import recorder_check
from kiosk.recording import LibrarySink, Recorder, RecorderSettings, RecordingFailed, RecordingStarted
from kiosk.recording import recorder as recmod
from kiosk.recording.recorder import CANNOT_RECORD
from tests.integration.faults.waiting import wait_until


def next_of(events: queue.Queue, kinds, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(event, kinds):
            return event
    raise AssertionError(f"no {kinds} within {timeout} s")


@pytest.fixture
def rig(tmp_path):
    hub, bus, events = FrameHub(), EventBus(), queue.Queue()
    bus.subscribe(events.put)
    source = SyntheticSource(320, 240, 30.0)
    library = Library(tmp_path / "lib").open()
    recorder = Recorder(hub, LibrarySink(library), bus, RecorderSettings(min_free_bytes=1 << 20), fps=30.0)
    source.start(hub.publish)
    recorder.start()
    yield recorder, events
    recorder.stop()
    source.stop()
    library.close()


def test_an_encoder_glitch_on_the_frame_that_opens_a_take_refuses_it_in_words(rig, monkeypatch):
    recorder, events = rig
    wait_until(lambda: recorder.stats.encoded > 5, "recorder.stats.encoded > 5", 15, every=0.02)
    encode, armed = recmod.H264Encoder.encode, threading.Event()

    def glitch(self, *args, **kwargs):
        if armed.is_set() and recorder._opening is not None:
            armed.clear()
            raise RuntimeError("injected encoder glitch")
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(recmod.H264Encoder, "encode", glitch)
    armed.set()
    look_id = recorder.begin(session_id="S1")
    failed = next_of(events, (RecordingFailed, RecordingStarted))
    assert isinstance(failed, RecordingFailed) and failed.look_id == look_id
    assert failed.reason == CANNOT_RECORD  # plain words; the encoder's own are in the log and health
    assert not recorder.recording and recorder.unfinished("S1") == 0
    # Her next tap, within the reopening backoff, reopens the encoder at once: the take starts,
    # rather than sending her to an associate for a fault that is already gone.
    second = recorder.begin(session_id="S1")
    assert second != look_id
    started = next_of(events, (RecordingFailed, RecordingStarted))
    assert isinstance(started, RecordingStarted) and started.look_id == second
    recorder.end("done")


def test_an_encoder_that_cannot_open_backs_off_fails_the_take_and_shows_in_health(rig, monkeypatch):
    recorder, events = rig
    wait_until(lambda: recorder.stats.encoded > 5, "recorder.stats.encoded > 5", 15, every=0.02)
    assert recorder_check(recorder.health()).ok
    opens: list[float] = []

    def dead(self):
        opens.append(time.monotonic())
        raise OSError(19, "No such device")

    monkeypatch.setattr(recmod.H264Encoder, "open", dead)
    # Encoding fails (the device went away), and so does every reopening.
    monkeypatch.setattr(recmod.H264Encoder, "encode", lambda self, *a, **k: (_ for _ in ()).throw(OSError(19, "gone")))
    wait_until(lambda: len(opens) >= 3, "len(opens) >= 3", 20, every=0.02)
    assert opens[2] - opens[0] >= (recmod.REOPEN_MIN_S * 3) * 0.9, "reopened with backoff, not on every frame"
    check = recorder_check(recorder.health())
    assert not check.ok and "the encoder fails since" in check.detail and "No such device" in check.detail
    look_id = recorder.begin(session_id="S1")
    failed = next_of(events, (RecordingFailed, RecordingStarted))
    assert isinstance(failed, RecordingFailed) and failed.look_id == look_id
    assert failed.reason == CANNOT_RECORD
    wait_until(lambda: not recorder.recording, "not recorder.recording", 15, every=0.02)
    monkeypatch.undo()  # the encoder works again
    wait_until(lambda: recorder.health().error == "", "recorder.health().error == ''", 20, every=0.02)
    assert recorder_check(recorder.health()).ok
