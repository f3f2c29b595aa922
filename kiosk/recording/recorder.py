"""The recorder: encodes the camera continuously into a pre-roll ring and records takes from it.

Two named threads, never the UI thread:

- ``encoder`` takes frames from the ``FrameHub`` (a newest-frame subscription: if it ever
  falls behind it skips frames and counts them, it never holds up capture), encodes each one
  and keeps the packets in a ``PacketRing``. While a take is open the same packets also go to
  the take's fragmented MP4, so recording costs no extra encoding.
- ``recorder`` (``Finisher``) finishes ended takes one by one (faststart remux, check, stills,
  commit) and announces the result on the ``EventBus``, so the encoder never waits for the disk.

``begin()`` and ``end()`` may be called from any thread; they only leave a request for the
encoder thread, which acts on it at the next frame.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import dataclass, field

from kiosk.errors import DiskAlmostFull, RecordingRefused
from kiosk.events import EventBus
from kiosk.hub import FrameHub, Subscription
from kiosk.log import QuietLogger
from kiosk.recording.encoder import EncoderSettings, H264Encoder, probe_codec
from kiosk.recording.events import RecordingFailed, RecordingStarted, RecordingStopped
from kiosk.recording.finisher import CANNOT_KEEP, DISK_FULL, Finisher, disk_full, failure_reason
from kiosk.recording.ring import PacketRing
from kiosk.recording.take import Take, TakeMeta
from kiosk.storage.writable import unwritable

_log = logging.getLogger(__name__)
_quiet = QuietLogger(_log)

SPACE_CHECK_S = 1.0
LOW_DISK = "the disk is almost full"
#: What a shopper reads when the encoder fails as her take starts (why is in the log and health).
CANNOT_RECORD = "The mirror cannot record right now. Please ask a store associate."
STALL_GRACE_S = 5.0
REOPEN_MIN_S = 0.5  # after an encoder failure, the encoder is reopened this much later…
REOPEN_MAX_S = 10.0  # …doubling up to this while it keeps failing


@dataclass(frozen=True)
class RecorderSettings:
    """Pre-roll, length limits, disk floor and encoder choice (from ``[recording]``)."""

    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    preroll_s: float = 2.0
    max_s: float = 15.0
    min_s: float = 1.0
    min_free_bytes: int = 500 * 1024 * 1024


@dataclass
class RecorderStats:
    """Counters for health and the benchmark."""

    encoded: int = 0
    takes: int = 0
    kept: int = 0
    failed: int = 0
    encoder_failures: int = 0  # times the encoder failed (and was reopened later)
    encoder_error: str = ""  # the encoder's failure while it fails; "" once a frame was encoded again
    encoder_failing_since: float | None = None  # Unix time the current run of failures began
    last_encoded_at: float | None = None  # Unix time the last frame was encoded


@dataclass(frozen=True)
class EncoderHealth:
    """The encoder thread for /api/v1/health: alive, encoding, or failing since when and why."""

    alive: bool
    encoded: int
    last_encoded_at: float | None
    error: str
    failing_since: float | None
    failures: int


@dataclass(frozen=True)
class _Request:
    meta: TakeMeta
    requested_at: float
    preroll_s: float
    max_s: float


class Recorder:
    """Records looks from the frames hub into a sink (the library, or one file)."""

    def __init__(self, hub: FrameHub, sink, bus: EventBus, settings: RecorderSettings, fps: float = 30.0) -> None:
        self.hub, self.sink, self.bus, self.settings, self.fps = hub, sink, bus, settings, fps
        self.stats = RecorderStats()
        self.codec: str | None = None
        self._lock = threading.Lock()  # guards the begin/end requests and _take
        self._request: _Request | None = None
        self._opening: TakeMeta | None = None  # taken from _request, not yet _take
        self._end_reason: str | None = None
        self._take: Take | None = None
        self._requested_at = 0.0
        self._counted_from = 0.0
        self._limit = settings.max_s
        self._finisher = Finisher(sink, bus, settings.min_s, fps, self.stats)
        self._stop = threading.Event()
        self._sub: Subscription | None = None
        self._encoder: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Pick the encoder, then start encoding the hub's frames into the pre-roll ring."""
        self.sink.work_root.mkdir(parents=True, exist_ok=True)
        self.codec = probe_codec(self.settings.encoder)
        self._stop.clear()
        self._sub = self.hub.subscribe("recorder")
        self._finisher.start()
        self._encoder = threading.Thread(target=self._encode_loop, name="encoder", daemon=True)
        self._encoder.start()

    def stop(self, timeout: float = 30.0) -> None:
        """End any take (it is still finished and stored), then stop both threads."""
        self.end("the kiosk is stopping")
        self._stop.set()
        if self._sub is not None:
            self._sub.close()
        if self._encoder is not None:
            self._encoder.join(timeout)  # it closes and hands over any open take
            self._encoder = None
        self._finisher.stop(timeout)

    # -- intents ------------------------------------------------------------------------------

    def begin(
        self,
        reason: str = "manual",
        session_id: str | None = None,
        customer_id: str | None = None,
        consent_by: str | None = None,
        preroll_s: float | None = None,
        max_s: float | None = None,
    ) -> str:
        """Start a take (with pre-roll); returns its look id. Raises ``RecordingRefused``."""
        with self._lock:
            busy = self._current_meta()
            if busy is not None:
                return busy.look_id
        self._check_space()
        frame = self.hub.latest()
        width, height = (frame.width & ~1, frame.height & ~1) if frame is not None else (0, 0)
        meta = TakeMeta(
            look_id=self.sink.new_id(),
            created=time.time(),
            width=width,
            height=height,
            fps=self.fps,
            reason=reason,
            session_id=session_id,
            customer_id=customer_id,
            consent_by=consent_by,
        )
        preroll = self.settings.preroll_s if preroll_s is None else preroll_s
        limit = self.settings.max_s if max_s is None else max_s
        with self._lock:
            current = self._current_meta()
            if current is not None:  # another thread's begin() won the race
                return current.look_id
            self._request = _Request(meta, time.monotonic(), preroll, limit)
            self._end_reason = None
        return meta.look_id

    def end(self, reason: str = "stopped") -> None:
        """End the current take (if any); it is finished and stored in the background."""
        with self._lock:
            if self._request is not None:
                self._request = None  # never started: nothing to finish
            elif self._take is not None or self._opening is not None:
                self._end_reason = reason

    @property
    def recording(self) -> bool:
        """True from ``begin()`` until the take ends."""
        with self._lock:
            return self._request is not None or self._opening is not None or self._take is not None

    def unfinished(self, session_id: str | None) -> int:
        """Takes of ``session_id`` asked for, recording or being finished (not yet landed)."""
        with self._lock:
            current = self._current_meta()
            count = int(current is not None and current.session_id == session_id)
        return count + self._finisher.unfinished(session_id)

    def store_kept(self, leave: frozenset[str]) -> None:
        """Store the takes kept for the next start that are certainly to be kept, on the ``recorder``
        thread (never those of the ``leave`` sessions); ``kept_left`` then says how many still wait."""
        self._finisher.store_kept(leave)

    @property
    def kept_left(self) -> int | None:
        """Kept takes still waiting after the last pass (None: not known, or a pass is under way)."""
        return self._finisher.kept_left

    def _current_meta(self) -> TakeMeta | None:
        """The take asked for, opening or recording (call with the lock held)."""
        if self._request is not None:
            return self._request.meta
        return self._opening or (self._take.meta if self._take is not None else None)

    def health(self) -> EncoderHealth:
        """How the encoder thread is doing (``recorder`` health check)."""
        s = self.stats
        alive = self._encoder is not None and self._encoder.is_alive()
        return EncoderHealth(alive, s.encoded, s.last_encoded_at, s.encoder_error, s.encoder_failing_since,
                             s.encoder_failures)

    @property
    def dropped(self) -> int:
        """Frames the encoder never saw because it fell behind the camera."""
        return self._sub.stats.skipped if self._sub is not None else 0

    # -- encoder thread -----------------------------------------------------------------------

    def _encode_loop(self) -> None:
        keep_s = self.settings.preroll_s + self.settings.encoder.keyframe_interval_s + 0.5
        ring = PacketRing(keep_s)
        encoder: H264Encoder | None = None
        next_space_check = 0.0
        reopen_at, backoff = 0.0, REOPEN_MIN_S  # the encoder's backoff after a failure
        while not self._stop.is_set():
            frame = self._sub.next(timeout=0.1)
            with self._lock:
                end_reason, self._end_reason = self._end_reason, None
            if end_reason is not None and self._take is not None:
                self._close_take(end_reason)
            if frame is None:
                if self._take is not None and time.monotonic() - self._requested_at > self._limit + STALL_GRACE_S:
                    self._close_take("the camera stopped")  # no frames to reach max_s with
                continue
            if encoder is None and time.monotonic() < reopen_at and not self._asked():
                continue  # the backoff paces reopening by itself; a take asked for tries at once (her tap is the retry)
            request = None
            try:
                size = (frame.width & ~1, frame.height & ~1)
                if encoder is None or size != (encoder.width, encoder.height):
                    if self._take is not None:
                        self._close_take("the camera picture changed size")
                    encoder = H264Encoder(self.settings.encoder, frame.width, frame.height, self.fps, self.codec)
                    encoder.open()
                    ring.clear()
                with self._lock:
                    request, self._request = self._request, None
                    self._opening = request.meta if request is not None else None
                force = request is not None and request.preroll_s <= 0
                packets = encoder.encode(frame.pixels, frame.ts, keyframe=force)
                self.stats.encoded += 1
                self.stats.last_encoded_at = time.time()
                if self.stats.encoder_error:
                    _log.info("the recorder's encoder works again")
                    self.stats.encoder_error, self.stats.encoder_failing_since = "", None
                backoff = REOPEN_MIN_S
                for packet in packets:
                    ring.append(packet)
                if request is not None:
                    backlog = packets if force else ring.since(request.requested_at - request.preroll_s)
                    self._open_take(request, backlog, encoder)
                elif self._take is not None:
                    for packet in packets:
                        self._take.writer.write(packet)
                _quiet.clear()
            except Exception as exc:  # noqa: BLE001 - an encoder/disk error ends the take, not the thread
                _quiet.error("recording error: %s (the encoder is reopened with backoff)", exc)
                encoder = None
                reopen_at, backoff = time.monotonic() + backoff, min(backoff * 2, REOPEN_MAX_S)
                self.stats.encoder_failures += 1
                if not self.stats.encoder_error:
                    self.stats.encoder_failing_since = time.time()
                self.stats.encoder_error = f"{type(exc).__name__}: {exc}"
                if self._take is not None:
                    self._close_take("", failure=failure_reason(exc))
                # A take asked for and not yet open is refused in words, never dropped in silence:
                # plain ones for the shopper; the encoder's own words are in the log and health.
                self._fail_request(DISK_FULL if disk_full(exc) else CANNOT_RECORD, request)
                continue
            take = self._take
            if take is None:
                continue
            if take.writer.duration_s >= self._limit - 1e-6:
                self._close_take("the maximum length was reached")
            elif frame.ts >= next_space_check:
                next_space_check = frame.ts + SPACE_CHECK_S
                if self._free_bytes() < self.settings.min_free_bytes:
                    self._close_take(LOW_DISK)
        if self._take is not None:
            self._close_take("the kiosk is stopping")

    def _asked(self) -> bool:
        with self._lock:
            return self._request is not None

    def _fail_request(self, reason: str, taken: _Request | None = None) -> None:
        """Refuse the take asked for (``taken``: already taken from ``_request``), if any: ``RecordingFailed``."""
        with self._lock:
            pending, self._request = self._request, None
            request = taken or pending
            if taken is not None and pending is not None:  # a newer begin() came meanwhile: it waits
                self._request = pending
            if self._opening is not None and request is not None and self._opening is request.meta:
                self._opening = None
        if request is None:
            return
        if not reason.endswith("."):
            reason = f"The recording could not start: {reason}."
        self.stats.failed += 1
        _log.warning("%srecording %s could not start: %s", _session(request.meta.session_id), request.meta.look_id, reason)
        self.bus.emit(RecordingFailed(reason=reason, look_id=request.meta.look_id))

    def _open_take(self, request: _Request, backlog, encoder: H264Encoder) -> None:
        meta = request.meta
        if (meta.width, meta.height) != (encoder.width, encoder.height):
            meta = TakeMeta(**{**meta.__dict__, "width": encoder.width, "height": encoder.height})
        take = Take(self.sink.work_root / meta.look_id, meta)
        try:
            take.open()
            for packet in backlog:
                take.writer.write(packet)
        except Exception as exc:  # noqa: BLE001 - report in plain words, keep encoding
            take.discard()
            with self._lock:
                self._opening = None
            self.stats.failed += 1
            # The path and error number are for the journal (and health's data_folder check), not the screen.
            _log.warning("%srecording %s could not start: %s", _session(meta.session_id), meta.look_id, exc)
            self.bus.emit(RecordingFailed(reason=_start_failure(exc), look_id=meta.look_id))
            return
        with self._lock:
            self._take, self._requested_at, self._limit = take, request.requested_at, request.max_s
            self._opening = None
            # The take's own length (for min_s) starts at the request; without pre-roll at its
            # first frame, which may have been captured a moment before the request.
            self._counted_from = request.requested_at if request.preroll_s > 0 else 0.0
        self.stats.takes += 1
        _log.info("%srecording %s started (%s)", _session(meta.session_id), meta.look_id, meta.reason)
        first_ts = backlog[0].ts if backlog else None
        self.bus.emit(RecordingStarted(look_id=meta.look_id, reason=meta.reason, session_id=meta.session_id,
                                       first_ts=first_ts))

    def _close_take(self, reason: str, failure: str | None = None) -> None:
        with self._lock:
            take, self._take = self._take, None
            # Counted as unfinished before it stops being the current take: the end of a
            # session waits for it without a gap in between.
            self._finisher.reserve(take.meta)
        try:
            take.close()
        except Exception as exc:  # noqa: BLE001
            _log.warning("%srecording %s could not be closed: %s", _session(take.meta.session_id), take.meta.look_id, exc)
            failure = failure or failure_reason(exc)
        self._finisher.put(take, self._counted_from, failure, make_room=reason == LOW_DISK)
        if reason == LOW_DISK:
            _log.warning("%srecording %s stopped early: %s", _session(take.meta.session_id), take.meta.look_id, reason)
        else:
            _log.info("%srecording %s stopped (%s)", _session(take.meta.session_id), take.meta.look_id, reason or "failed")
        self.bus.emit(RecordingStopped(look_id=take.meta.look_id, reason=reason or "failed"))

    # -- disk space ---------------------------------------------------------------------------

    def room_to_record(self) -> bool:
        """Whether the disk has the free space a take needs now (``recording.min_free_mb``; makes no room)."""
        return self._free_bytes() >= self.settings.min_free_bytes

    def cannot_write(self) -> str:
        """Why a take's files cannot be written now (a data folder made read-only after disk errors,
        its permissions), in a few plain words naming the folder; "" when they can."""
        why = unwritable(self.sink.work_root)
        return f"the folder {self.sink.work_root} cannot be written: {why}" if why else ""

    def make_room(self) -> None:
        """Free space the way a take refused for it does: the sink's retention (a library's age limit and byte budget)."""
        self.sink.make_room()

    def _free_bytes(self) -> int:
        try:
            return shutil.disk_usage(self.sink.work_root).free
        except OSError:
            return 0

    def _check_space(self) -> None:
        floor = self.settings.min_free_bytes
        if self._free_bytes() >= floor:
            return
        self.make_room()
        free = self._free_bytes()
        if free >= floor:
            return
        raise DiskAlmostFull(
            f"The disk is almost full ({free // 2**20} MB free, {floor // 2**20} MB needed), "
            "so the recording did not start."
        )


def _start_failure(exc: BaseException) -> str:
    """What the shopper reads when her take's files cannot be made: a full disk, a data folder that
    cannot be written (read-only after disk errors, its permissions), or anything else."""
    if disk_full(exc):
        return DISK_FULL
    return CANNOT_KEEP if isinstance(exc, OSError) else CANNOT_RECORD


def _session(session_id: str | None) -> str:
    """The log line's prefix naming the session the event belongs to ("" outside a session)."""
    return f"session {session_id}: " if session_id else ""
