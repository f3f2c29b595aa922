"""The ``recorder`` thread: finishes ended takes one at a time and announces each result.

Finishing (faststart remux, check, stills, commit) takes a moment of disk work, so it runs
here and never holds up the encoder. A take too short to keep is discarded; one that cannot
be finished is removed with a plain reason; one whose commit fails (the database, not the
video, is the problem) keeps its work folder so that recovery stores it at the next start.
"""

from __future__ import annotations

import errno
import logging
import queue
import threading

from kiosk.events import EventBus
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingFailed
from kiosk.recording.take import Take, finish

_log = logging.getLogger(__name__)

DISK_FULL = "The disk is full, so the recording was stopped and not kept."


class Finisher:
    """Queue of ended takes and the thread that turns them into looks (or removes them)."""

    def __init__(self, sink, bus: EventBus, min_s: float, fps: float, stats) -> None:
        self.sink, self.bus, self.min_s, self.fps, self.stats = sink, bus, min_s, fps, stats
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, str | None] = {}  # look id -> session id, until its result is out

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="recorder", daemon=True)
        self._thread.start()

    def reserve(self, meta) -> None:
        """Count a take as unfinished from now until its result is announced."""
        with self._lock:
            self._pending[meta.look_id] = meta.session_id

    def unfinished(self, session_id: str | None) -> int:
        """Takes of ``session_id`` handed over whose result has not been announced yet."""
        with self._lock:
            return sum(1 for sid in self._pending.values() if sid == session_id)

    def put(self, take: Take, counted_from: float, failure: str | None, make_room: bool = False) -> None:
        """Hand over a closed take; its length for ``min_s`` counts from ``counted_from`` (the
        request, so pre-roll does not count); ``failure`` (a sentence) means it is to be
        dropped; ``make_room`` applies retention afterwards (the take stopped on a low disk)."""
        self.reserve(take.meta)
        self._queue.put((take, counted_from, failure, make_room))

    def stop(self, timeout: float) -> None:
        """Finish what is queued, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            take, counted_from, failure, make_room = item
            try:
                result = self._finish(take, counted_from, failure, low_disk=make_room)
            except Exception:  # noqa: BLE001 - never lose the thread; recovery tidies up
                _log.exception("finishing take %s failed", take.meta.look_id)
                take.release()
                result = RecordingFailed(reason="The recording could not be finished; it is kept for the next start.",
                                         look_id=take.meta.look_id)
            finally:
                # No longer unfinished before anyone hears the result (see ``unfinished``).
                with self._lock:
                    self._pending.pop(take.meta.look_id, None)
            if make_room:
                try:
                    self.sink.make_room()
                except Exception:  # noqa: BLE001
                    _log.exception("making room on the disk failed")
            self.bus.emit(result)

    def _finish(self, take: Take, counted_from: float, failure: str | None, low_disk: bool = False):
        """Finish one take; returns the event that announces the result."""
        look_id, writer = take.meta.look_id, take.writer
        length = 0.0 if writer.last_ts is None else writer.last_ts - max(counted_from, writer.first_ts) + 1 / self.fps
        if failure is None and length < self.min_s - 0.5 / self.fps:  # half a frame: rounding
            self._drop(take)
            reason = f"The recording was shorter than {self.min_s:g} s and was not kept."
            return RecordingDiscarded(look_id=look_id, reason=reason)
        if failure is None:
            try:
                new = finish(take.folder, take.meta, 0.0, self.sink.stills)
            except Exception as exc:  # noqa: BLE001 - MediaError, OSError
                failure = DISK_FULL if low_disk else failure_reason(exc, "could not be finished")
        if failure is not None:
            self.stats.failed += 1
            self._drop(take)
            return RecordingFailed(reason=failure, look_id=look_id)
        try:
            path = self.sink.commit(new)
        except Exception as exc:  # noqa: BLE001 - LibraryError, OSError: leave it to recovery
            self.stats.failed += 1
            take.release()
            reason = failure_reason(exc, "could not be stored").rstrip(".") + "; it is kept for the next start."
            return RecordingFailed(reason=reason, look_id=look_id)
        self._drop(take)
        self.stats.kept += 1
        return LookRecorded(look_id=look_id, path=path, duration_s=round(new.duration_s, 3), session_id=new.session_id)

    def _drop(self, take: Take) -> None:
        take.discard()
        self.sink.tidy()


def failure_reason(exc: BaseException, what: str = "failed") -> str:
    """One plain sentence for a failed take."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left" in str(exc):
        return DISK_FULL
    return f"The recording {what} ({exc})."
