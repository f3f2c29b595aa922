"""Record one take of a given length from a camera source, headless (``kiosk record``)."""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time

from kiosk.errors import KioskError, SourceError
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingFailed
from kiosk.recording.recorder import Recorder, RecorderSettings

_log = logging.getLogger(__name__)

FIRST_FRAME_TIMEOUT_S = 15.0


def record_once(source, sink, settings: RecorderSettings, seconds: float, consent_by: str | None = None) -> LookRecorded:
    """Start ``source``, record ``seconds`` of it into ``sink`` and return the stored result."""
    hub, bus = FrameHub(), EventBus()
    results: queue.Queue = queue.Queue()
    bus.subscribe(lambda e: results.put(e) if isinstance(e, (LookRecorded, RecordingFailed, RecordingDiscarded)) else None)
    ended = threading.Event()
    source_state: list[str] = []

    def on_state(state, reason) -> None:
        source_state[:] = [state.value, reason]
        if state.value in ("ended", "unavailable"):
            ended.set()

    source.start(hub.publish, on_state)
    recorder = None
    try:
        _wait_first_frame(hub, source_state)
        fps = float(getattr(source, "fps", 30.0) or 30.0)
        recorder = Recorder(hub, sink, bus, dataclasses.replace(settings, max_s=seconds), fps=fps)
        recorder.start()
        recorder.begin(reason="command line", consent_by=consent_by, preroll_s=0.0, max_s=seconds)
        deadline = time.monotonic() + seconds + 30.0
        while recorder.recording and time.monotonic() < deadline:
            if ended.wait(0.05):
                _log.warning("camera %s (%s): recording what came so far", *source_state)
                recorder.end("the source ended")
                break
        recorder.end("time is up")
        try:
            result = results.get(timeout=max(5.0, deadline - time.monotonic()))
        except queue.Empty:
            raise KioskError("the recording did not finish in time") from None
    finally:
        if recorder is not None:
            recorder.stop()
        source.stop()
    if isinstance(result, LookRecorded):
        return result
    reason = result.reason.rstrip(".")
    raise KioskError(reason[:1].lower() + reason[1:])


def _wait_first_frame(hub: FrameHub, source_state: list[str]) -> None:
    deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
    while hub.latest() is None:
        if source_state and source_state[0] in ("ended", "unavailable"):
            raise SourceError(f"the camera gave no picture ({source_state[1]})")
        if time.monotonic() > deadline:
            raise SourceError(f"the camera gave no picture within {FIRST_FRAME_TIMEOUT_S:g} s")
        time.sleep(0.02)
