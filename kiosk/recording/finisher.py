"""The ``recorder`` thread: finishes ended takes one at a time and announces each result.

Finishing (faststart remux, check, stills, commit) takes a moment of disk work, so it runs
here and never holds up the encoder. A take too short to keep is discarded; one that cannot
be finished is removed with a plain reason, but one cut by a full disk (as it was recorded, or as
it was finished on a low disk) that is certainly to be kept (its visit's yes is in the library:
``LibrarySink.certainly_kept``) and long enough keeps its work folder, lock released, and is
stored as the kept takes below are, once there is room. One whose commit fails (the database is
locked by another program, or the disk is full: the video is fine) stays in its work folder and is
committed again with backoff while the kiosk runs, so it lands as soon as the database or the
disk lets it; the shopper is told once that saving takes longer. It counts as unfinished
meanwhile, so its session is not closed without it. Only when the kiosk stops first is it left
to recovery at the next start.

The takes kept for the next start (by recovery at start-up, or by a take this thread could not
finish) are stored here too while the kiosk runs, when the studio asks (``store_kept``: once
Record works again, and every few minutes while any waits): only those certainly to be kept
(``kiosk.recording.recovery.store_kept``), each announced as a finished take is (``LookRecorded``).
"""

from __future__ import annotations

import errno
import logging
import queue
import threading
import time
from dataclasses import dataclass

from kiosk.backoff import backoff_s
from kiosk.events import EventBus, Notice
from kiosk.library import NewLook
from kiosk.recording.events import LookRecorded, RecordingDiscarded, RecordingFailed
from kiosk.recording.container import whole_s
from kiosk.recording.recovery import SALVAGE_MIN_S
from kiosk.recording.take import TAKE, Take, finish, read_meta

_log = logging.getLogger(__name__)

DISK_FULL = "The disk is full, so the recording was stopped and not kept."
SAVING_LATE = "Saving your look is taking longer than usual. It will appear by itself."
KEPT_FOR_RESTART = "The recording could not be stored yet; the mirror stores it when it starts again."
#: A take of a visit that said yes, cut by a full disk: what was written is stored once there is room.
KEPT_WHEN_ROOM = ("The disk is full, so the recording was stopped; what was recorded is kept for you and saved "
                  "once there is room.")
#: The data folder cannot be written for another reason than space (a file system the kernel made
#: read-only after disk errors, its permissions): the path and error number are for the journal and
#: ``/api/v1/health``'s ``data_folder`` check, never for the shopper's screen.
CANNOT_KEEP = "The mirror cannot keep recordings right now. Please ask a store associate."
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 15.0


@dataclass(frozen=True)
class _StoreKept:
    """Ask for a pass over the takes kept for the next start; ``leave``: the sessions not to touch."""

    leave: frozenset[str]


@dataclass
class _Uncommitted:
    """A finished take whose commit failed, waiting for its next try."""

    take: Take
    new: NewLook
    tries: int
    next_at: float


class Finisher:
    """Queue of ended takes and the thread that turns them into looks (or removes them)."""

    def __init__(self, sink, bus: EventBus, min_s: float, fps: float, stats) -> None:
        self.sink, self.bus, self.min_s, self.fps, self.stats = sink, bus, min_s, fps, stats
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, str | None] = {}  # look id -> session id, until its result is out
        self._uncommitted: list[_Uncommitted] = []  # only the recorder thread touches it
        # Kept takes still waiting after the last pass (None: unknown, or a pass is asked for);
        # written by this thread and ``store_kept``, read by the studio on the core's thread.
        self.kept_left: int | None = None

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

    def store_kept(self, leave: frozenset[str]) -> None:
        """Store the takes kept for the next start that are certainly to be kept, on this thread
        after what is queued (never those of the ``leave`` sessions); ``kept_left`` says how many wait."""
        self.kept_left = None
        self._queue.put(_StoreKept(leave))

    def stop(self, timeout: float) -> None:
        """Finish what is queued, try the uncommitted takes once more, then end the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._until_next_try())
            except queue.Empty:
                self._retry(due_only=True)
                continue
            if item is None:
                self._retry(due_only=False, last=True)
                return
            if isinstance(item, _StoreKept):
                self._store_kept(item.leave)
                continue
            take, counted_from, failure, make_room = item
            try:
                result = self._finish(take, counted_from, failure, low_disk=make_room)
            except Exception:  # noqa: BLE001 - never lose the thread; recovery tidies up
                _log.exception("finishing take %s failed", take.meta.look_id)
                take.release()
                result = RecordingFailed(reason="The recording could not be finished yet; the mirror tries again by itself.",
                                         look_id=take.meta.look_id)
                self.kept_left = (self.kept_left or 0) + 1  # its folder stays: tried again while the kiosk runs
            if make_room:
                try:
                    self.sink.make_room()
                except Exception:  # noqa: BLE001
                    _log.exception("making room on the disk failed")
            if result is not None:  # None: its commit is tried again, it is still unfinished
                self._announce(take, result)

    def _store_kept(self, leave: frozenset[str]) -> None:
        try:
            kept = self.sink.store_kept(leave)
        except Exception:  # noqa: BLE001 - never lose the thread; the studio asks again later
            _log.exception("storing the recordings kept for the next start failed")
            self.kept_left = 1  # not known: tried again
            return
        self.kept_left = kept.waiting
        for look in kept.stored:
            if look.session_id is None:
                # ``kiosk record``'s: of no visit, for no screen (and not a visit's late take to judge)
                continue
            self.bus.emit(LookRecorded(look_id=look.id, path=look.path, duration_s=round(look.duration_s, 3),
                                       session_id=look.session_id))

    def _announce(self, take: Take, result) -> None:
        # No longer unfinished before anyone hears the result (see ``unfinished``).
        with self._lock:
            self._pending.pop(take.meta.look_id, None)
        self.bus.emit(result)

    def _finish(self, take: Take, counted_from: float, failure: str | None, low_disk: bool = False):
        """Finish one take; returns the event that announces the result (None: commit retried later)."""
        look_id, writer = take.meta.look_id, take.writer
        length = 0.0 if writer.last_ts is None else writer.last_ts - max(counted_from, writer.first_ts) + 1 / self.fps
        long_enough = length >= self.min_s - 0.5 / self.fps  # half a frame: rounding
        if failure is None and not long_enough:
            self._drop(take)
            reason = f"The recording was shorter than {self.min_s:g} s and was not kept."
            return RecordingDiscarded(look_id=look_id, reason=reason)
        if failure is None:
            try:
                new = finish(take.folder, take.meta, 0.0, self.sink.stills)
            except Exception as exc:  # noqa: BLE001 - MediaError, OSError
                _log.warning("recording %s could not be finished: %s", look_id, exc)
                failure = DISK_FULL if low_disk else failure_reason(exc, "could not be finished")
        if failure is not None:
            self.stats.failed += 1
            if failure == DISK_FULL and long_enough and self._certainly_kept(take) and self._storable(take):
                # What was written before the disk filled is hers to keep: its folder stays, stored
                # by ``store_kept`` once there is room (and her visit is over), or at the next start.
                _log.warning("recording %s cut by a full disk is kept in its work folder until there is room", look_id)
                take.release()
                self.kept_left = (self.kept_left or 0) + 1
                return RecordingFailed(reason=KEPT_WHEN_ROOM, look_id=look_id)
            self._drop(take)
            return RecordingFailed(reason=failure, look_id=look_id)
        return self._commit(_Uncommitted(take, new, 0, 0.0))

    def _storable(self, take: Take) -> bool:
        """Whether the take file holds enough whole video for ``store_kept`` and start-up to store it:
        the muxer's last fragment, and any frame torn by the full disk, are not in it. A frame to
        spare, as the stored file's length rounds to its track's time scale."""
        return whole_s(take.folder / TAKE) >= SALVAGE_MIN_S + 1 / self.fps

    def _certainly_kept(self, take: Take) -> bool:
        """Whether the sink keeps ``take`` whatever comes next (as its metadata now says: a yes given
        during the take is written there); a question that fails counts as no (it is dropped)."""
        meta = read_meta(take.folder)
        if meta is None or meta.look_id != take.meta.look_id:
            return False  # ``store_kept`` would never store it
        try:
            return self.sink.certainly_kept(meta)
        except Exception as exc:  # noqa: BLE001 - LibraryError (a locked database): no certain yes
            _log.warning("whether recording %s is to be kept could not be read (%s); it is not kept", meta.look_id, exc)
            return False

    def _commit(self, item: _Uncommitted) -> LookRecorded | None:
        """Store a finished take; on failure keep it for the next try and return None."""
        take, new = item.take, item.new
        try:
            path = self.sink.commit(new)
        except Exception as exc:  # noqa: BLE001 - LibraryError, OSError: the video itself is fine
            item.tries += 1
            item.next_at = time.monotonic() + backoff_s(item.tries - 1, RETRY_FIRST_S, RETRY_MAX_S)
            if item.tries == 1:
                _log.warning("look %s could not be stored (%s); trying again until it can be", take.meta.look_id, exc)
                self.bus.emit(Notice(text=SAVING_LATE, topic="studio", seconds=8.0))
            else:
                _log.debug("look %s still cannot be stored: %s", take.meta.look_id, exc)
            if item not in self._uncommitted:
                self._uncommitted.append(item)
            return None
        if item.tries:
            _log.info("look %s stored after %d failed tries", take.meta.look_id, item.tries)
        self._drop(take)
        self.stats.kept += 1
        return LookRecorded(look_id=take.meta.look_id, path=path, duration_s=round(new.duration_s, 3),
                            session_id=new.session_id)

    def _until_next_try(self) -> float | None:
        if not self._uncommitted:
            return None
        return max(0.0, min(item.next_at for item in self._uncommitted) - time.monotonic())

    def _retry(self, due_only: bool, last: bool = False) -> None:
        """Commit the uncommitted takes again (the due ones); at the ``last`` try, leave the rest to recovery."""
        now = time.monotonic()
        for item in list(self._uncommitted):
            if due_only and item.next_at > now:
                continue
            result = self._commit(item)
            if result is not None:
                self._uncommitted.remove(item)
                self._announce(item.take, result)
            elif last:
                self._uncommitted.remove(item)
                self.stats.failed += 1
                item.take.release()  # recovery stores it at the next start (its folder stays)
                self._announce(item.take, RecordingFailed(reason=KEPT_FOR_RESTART, look_id=item.take.meta.look_id))

    def _drop(self, take: Take) -> None:
        take.discard()
        self.sink.tidy()


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full."""
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left" in str(exc)


def failure_reason(exc: BaseException, what: str = "failed") -> str:
    """One plain sentence for a failed take: a file system error's path and number, and a media or
    encoder error's own words ("cannot read take.mp4 (Invalid data found...)"), stay out of it (the
    caller logs them)."""
    if disk_full(exc):
        return DISK_FULL
    if isinstance(exc, OSError):
        return f"The recording {what} and was not kept. {CANNOT_KEEP}"
    return f"The recording {what} and was not kept. Please try again."
