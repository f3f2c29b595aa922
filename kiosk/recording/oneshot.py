"""Record one take of a given length from a camera source, headless (``kiosk record``)."""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time

from kiosk.errors import KioskError, RecordingInterrupted, SourceError
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingFailed
from kiosk.recording.recorder import Recorder, RecorderSettings

_log = logging.getLogger(__name__)

FIRST_FRAME_TIMEOUT_S = 15.0


@dataclasses.dataclass(frozen=True)
class OneShot:
    """What ``record_once`` stored; ``interrupted``: Ctrl-C or SIGTERM ended it before its length."""

    look: LookRecorded
    interrupted: bool = False


def record_once(source, sink, settings: RecorderSettings, seconds: float, consent_by: str | None = None) -> OneShot:
    """Start ``source``, record ``seconds`` of it into ``sink`` and return the stored result.

    Ctrl-C (``KeyboardInterrupt``) ends the take early and keeps what was recorded, as the
    mirror keeps a look it is stopped in; when nothing could be kept it raises
    ``RecordingInterrupted``. No work folder is left behind either way, but that of a take into the
    library cut by a full disk with enough video: it is stored at the mirror's next start."""
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
        try:
            _wait_first_frame(hub, source_state)
        except KeyboardInterrupt:
            raise RecordingInterrupted("stopped before the camera gave its first picture; nothing was recorded") from None
        fps = float(getattr(source, "fps", 30.0) or 30.0)
        recorder = Recorder(hub, sink, bus, dataclasses.replace(settings, max_s=seconds), fps=fps)
        recorder.start()
        recorder.begin(reason="command line", consent_by=consent_by, preroll_s=0.0, max_s=seconds)
        deadline = time.monotonic() + seconds + 30.0
        interrupted = False
        try:
            while recorder.recording and time.monotonic() < deadline:
                if ended.wait(0.05):
                    _log.warning("camera %s (%s): recording what came so far", *source_state)
                    recorder.end("the source ended")
                    break
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: end the take now; a second one ends the command
            interrupted = True
        recorder.end("interrupted" if interrupted else "time is up")
        result = _result(recorder, results, max(deadline, time.monotonic() + 30.0))
    finally:
        if recorder is not None:
            recorder.stop()
        source.stop()
        sink.tidy()
    if isinstance(result, LookRecorded):
        return OneShot(result, interrupted)
    reason = "nothing was recorded" if result is None else result.reason.rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    if interrupted:
        raise RecordingInterrupted(f"stopped early: {reason}")
    raise KioskError(reason)


def _result(recorder: Recorder, results: queue.Queue, deadline: float):
    """The take's result event, or None when no take was opened (ended before its first frame)."""
    while True:
        try:
            return results.get(timeout=0.05)
        except queue.Empty:
            pass
        if not recorder.recording and recorder.unfinished(None) == 0:
            # No take in flight: joining the threads makes sure a result announced meanwhile
            # (it stops counting as unfinished just before it is announced) is in the queue.
            recorder.stop()
            try:
                return results.get_nowait()
            except queue.Empty:
                return None
        if time.monotonic() > deadline:
            raise KioskError("the recording did not finish in time")


def _wait_first_frame(hub: FrameHub, source_state: list[str]) -> None:
    deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
    while hub.latest() is None:
        if source_state and source_state[0] in ("ended", "unavailable"):
            raise SourceError(f"the camera gave no picture ({source_state[1]})")
        if time.monotonic() > deadline:
            raise SourceError(f"the camera gave no picture within {FIRST_FRAME_TIMEOUT_S:g} s")
        time.sleep(0.02)
