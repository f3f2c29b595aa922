"""The preview thread outlives a bad frame or a sink that goes away, and says so once; a dying thread reaches the error log."""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6.QtMultimedia")

import ui.preview as preview  # noqa: E402
from hardware.frames import Frame  # noqa: E402
from kiosk.hub import FrameHub  # noqa: E402
from kiosk.log import install_thread_hook  # noqa: E402
from kiosk.vitals import Vitals  # noqa: E402
from tests.integration.faults.waiting import wait_until  # noqa: E402


class Sink:
    """Stands in for QVideoSink: counts frames, raises while ``fail`` is above 0."""

    def __init__(self) -> None:
        self.frames, self.fail = 0, 0

    def setVideoFrame(self, frame) -> None:  # noqa: N802 - Qt's name
        if self.fail:
            self.fail -= 1
            raise RuntimeError("Internal C++ object (QVideoSink) already deleted.")
        self.frames += 1


@pytest.fixture
def pump():
    hub, stop = FrameHub(), threading.Event()

    def camera():
        seq = 0
        while not stop.is_set():
            seq += 1
            hub.publish(Frame.wrap(np.zeros((48, 64, 3), np.uint8), time.monotonic(), seq))
            stop.wait(1 / 60)

    threading.Thread(target=camera, name="test-camera", daemon=True).start()
    pump = preview.PreviewPump(hub)
    pump._sink = Sink()
    yield pump
    pump.stop()
    stop.set()


def test_a_sink_that_raises_once_does_not_end_the_preview(pump, caplog):
    caplog.set_level(logging.DEBUG, logger="ui.preview")
    pump.start()
    wait_until(lambda: pump._sink.frames > 2, "pump._sink.frames > 2", 10, every=0.01)
    pump._sink.fail = 1
    wait_until(lambda: pump.failures == 1, "pump.failures == 1", 10, every=0.01)
    before = pump._sink.frames
    wait_until(lambda: pump._sink.frames > before + 2, "the preview goes on after the sink's error", 10, every=0.01)
    assert any(t.name == "preview" for t in threading.enumerate())
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["cannot show a camera frame in the preview (RuntimeError: Internal C++ object (QVideoSink) "
                      "already deleted.); trying the next frames"]
    assert any(r.getMessage() == "the preview shows camera frames again" for r in caplog.records)


def test_a_conversion_failing_on_every_frame_is_logged_once(pump, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG, logger="ui.preview")
    monkeypatch.setattr(preview, "to_video_frame", lambda pixels: (_ for _ in ()).throw(ValueError("unsupported layout")))
    pump.start()
    wait_until(lambda: pump.failures >= 20, "pump.failures >= 20", 10, every=0.01)
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


def test_a_thread_that_dies_on_an_exception_is_logged_at_error(monkeypatch):
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)  # restored afterwards
    vitals = Vitals()
    vitals.start()
    try:
        install_thread_hook()

        def boom():
            raise RuntimeError("sink gone")

        thread = threading.Thread(target=boom, name="preview")
        thread.start()
        thread.join()
        assert vitals.errors.count == 1
        last = vitals.errors.last
        assert last.logger == "kiosk.threads"
        assert last.message == "the preview thread ended on an unexpected error (RuntimeError: sink gone)"
    finally:
        vitals.stop()
