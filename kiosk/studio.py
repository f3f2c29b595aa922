"""The mirror's recording desk: takes for the session in front of the mirror, and its looks.

The studio holds the recorder and the look library while the kiosk runs. The core tells it
when a session starts and ends and asks it for takes; it never decides on its own. Ending a
session is two steps, because a take may still be being finished when the shopper walks away:
``session_ended`` ends the take at once, and ``finalize`` — called by the core when
``unfinished`` says every take of that session has landed — deletes the looks the shopper did
not say yes to. Consent given during the session is therefore applied to every take of it
before anything is deleted.

The tray the screen shows is the session's looks and, once a loyalty card is tied to the
session, that customer's looks kept from earlier visits (``owner_of`` answers whose the session
is; the composition root hands it identity's answer). Both are the shopper's own to replay,
share, compare or delete.

Whether Record can work is followed too: the disk's free space is checked at start and every
``ROOM_CHECK_S`` (a refused take checks it at once), and a change is told as
``RecordingAvailability``, so the screen greys Record with its reason while the disk is full and
offers it again by itself once there is room. A check that finds the disk too full first applies
retention, as a refused tap does (its rules only: looks past ``library.max_age_days``, the oldest
beyond ``library.max_gb``), once as the disk fills and then every ``RETENTION_RETRY_S`` while it
stays full, so space comes back by itself where the rules allow. Meanwhile the takes the turn
detector asks for are not tried (``skip_take``): the greyed button already says why, and a
refusal at each turn would only say it again. The same check greys Record while the data folder
cannot be written at all (the kernel remounted the SD card read-only after disk errors, or its
permissions changed): "Storage unavailable", the folder and why in the journal, and Record back
by itself once it can be written again.

A take kept for the next start (start-up could not store it: a full disk, a locked database) is
not left waiting for a restart: the recorder's own thread tries the kept takes again once Record
works again (room on the disk) and otherwise every ``KEPT_RETRY_FIRST_S``, doubling up to
``KEPT_RETRY_MAX_S``, while any waits, never while a take is being recorded, and again as soon as
a visit ends. Only those certainly to be kept are stored there, never one of the visit in front of
the mirror (``kiosk.recording.recovery.store_kept``); the rest is left to a visit's end and to start-up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk.backoff import backoff_s
from kiosk.errors import DiskAlmostFull
from kiosk.events import EventBus, TrayChanged
from kiosk.library import Library
from kiosk.library.look import Look
from kiosk.library.retention import RetentionPolicy, apply_retention
from kiosk.log import QuietLogger
from kiosk.recording.events import RecordingAvailability, TakeSkipped
from kiosk.recording.recorder import Recorder, RecordingRefused
from kiosk.recording.recovery import RecoveryReport, recover, sessions_waiting
from kiosk.words import count

_log = logging.getLogger(__name__)
_quiet = QuietLogger(_log)

ROOM_CHECK_S = 1.0  # how often the data folder is looked at (statvfs, access), as the free space during a take
RETENTION_RETRY_S = 60.0  # while the disk stays too full, retention is applied again this often (a look may have aged)
KEPT_RETRY_FIRST_S = 60.0  # a take kept for the next start is tried again this long after the last try…
KEPT_RETRY_MAX_S = 600.0  # …doubling up to this while it still cannot be stored
#: Under the greyed Record button while the disk is below ``recording.min_free_mb``.
STORAGE_FULL_SHORT = "Storage full"
#: Under the greyed Record button while the data folder cannot be written (read-only, permissions).
STORAGE_UNAVAILABLE_SHORT = "Storage unavailable"


class Studio:
    """Recorder + look library for the live mirror; its methods run on the core's thread."""

    def __init__(self, library: Library, recorder: Recorder, bus: EventBus, policy: RetentionPolicy,
                 owner_of: Callable[[str | None], str | None] | None = None) -> None:
        self._library = library
        self._recorder = recorder
        self._bus = bus
        self._policy = policy
        self._owner_of = owner_of  # the customer a session's looks belong to (None: nobody yet)
        self._session: str | None = None
        self._listed: set[str] = set()  # the looks the tray was last published with
        self._library_changed = False  # another program changed the library: not fully followed yet
        self._blocked = ""  # why Record cannot work, as the screen was last told ("" when it can)
        self._room_checked: float | None = None
        self._room_made: float | None = None  # when a check last applied retention (None: not since there was room)
        self._skipped = 0  # automatic takes not tried because Record could not work
        self._skip_logged = False  # the journal has said so for this spell of Record not working
        self._kept_at: float | None = None  # when the kept takes are tried next (None: none is known to wait)
        self._kept_tries = 0

    def start(self) -> None:
        """Recover interrupted takes, drop stale sessions' looks, apply retention, start encoding."""
        report = self._recover()
        apply_retention(self._library, self._policy)
        if report.kept_for_retry:
            # Most often the disk was too full to finish them: retention may just have made room.
            # It deletes stored looks only (by age and budget), never a take in the work folder.
            report = self._recover()
        self._recorder.start()
        self._room_made = now = time.monotonic()  # retention was just applied
        if report.kept_for_retry:  # tried again while the kiosk runs (``_follow_kept``)
            self._kept_at = now + KEPT_RETRY_FIRST_S
        self.follow_room(now)  # a mirror that starts on a full disk never shows Record as working

    def _recover(self) -> RecoveryReport:
        """Recover the interrupted takes, then end the earlier sessions (their unconsented looks go)."""
        report = recover(self._library)
        _log.info("recovery: %s", report.summary())
        deleted = self._library.end_stale_sessions(waiting=sessions_waiting(self._library, report))
        if deleted:
            _log.info("deleted %d unconsented looks of earlier sessions", len(deleted))
        return report

    def stop(self) -> None:
        """Finish the take in progress and stop the recorder (its last looks still land)."""
        self._recorder.stop()

    unavailable = ""  # why this mirror cannot record at all, for the shopper ("": it records)

    @property
    def available(self) -> bool:
        return True

    @property
    def recording(self) -> bool:
        return self._recorder.recording

    @property
    def record_blocked(self) -> str:
        """Why Record cannot work now, in a few plain words; "" when it can."""
        return self._blocked

    def follow_room(self, now: float) -> None:
        """Look at the data folder now and then (``now``: monotonic): whether it can be written, then
        its free space; say when Record stops or starts working."""
        if self._room_checked is not None and now - self._room_checked < ROOM_CHECK_S:
            return
        self._room_checked = now
        why = self._recorder.cannot_write()
        if why:  # retention could delete nothing there either
            if self._blocked != STORAGE_UNAVAILABLE_SHORT:
                _log.warning("recording is unavailable until the data folder can be written again: %s", why)
            self._set_blocked(STORAGE_UNAVAILABLE_SHORT)
            return
        room = self._recorder.room_to_record()
        if not room and (self._room_made is None or now - self._room_made >= RETENTION_RETRY_S):
            room = self._make_room(now)
        if room:
            self._room_made = None  # the next time the disk fills, retention is applied at once
        room_back = room and self._blocked != ""
        self._set_blocked("" if room else STORAGE_FULL_SHORT)
        self._follow_kept(now, room_back)

    def _follow_kept(self, now: float, room_back: bool) -> None:
        """Have the recorder's thread try the takes kept for the next start again: at once when Record
        works again (``room_back``), else with backoff while any waits; not while a take is recorded."""
        left = self._recorder.kept_left  # None: not known yet, or a try is under way
        if left == 0:
            self._kept_at, self._kept_tries = None, 0
            return
        if left and self._kept_at is None:  # a take the recorder could not finish
            self._kept_at = now + KEPT_RETRY_FIRST_S
        if self._kept_at is None:
            return
        if room_back:
            self._kept_at = min(self._kept_at, now)
        if now < self._kept_at or self._recorder.recording:
            return
        self._recorder.store_kept(frozenset([self._session] if self._session else []))
        self._kept_tries += 1
        self._kept_at = now + backoff_s(self._kept_tries, KEPT_RETRY_FIRST_S, KEPT_RETRY_MAX_S)

    def _make_room(self, now: float) -> bool:
        """Apply retention as a refused take does (on the core's thread, as a tap's); whether there is room now."""
        if self._room_made is None:
            _log.info("the disk is too full to record: applying retention")
        self._room_made = now
        try:
            self._recorder.make_room()
            _quiet.clear()
        except Exception:  # noqa: BLE001 - Record stays greyed; the next try is RETENTION_RETRY_S away
            _quiet.exception("making room on the disk failed")
        return self._recorder.room_to_record()

    def _set_blocked(self, why: str) -> None:
        if why != self._blocked:
            self._blocked = why
            self._skip_logged = False
            if why:
                _log.info("recording unavailable: %s", why)
            else:
                _log.info("recording available again")
            self._bus.emit(RecordingAvailability(why=why))

    @property
    def skipped(self) -> int:
        """Automatic takes not tried because Record could not work (``skip_take``)."""
        return self._skipped

    def skip_take(self, reason: str) -> None:
        """Leave out a take someone other than the shopper's hand asked for (``reason``: the turn)
        while Record cannot work: counted, and said once per spell in the journal."""
        self._skipped += 1
        self._bus.emit(TakeSkipped(reason=reason))  # the turn detector stops waiting for it
        if not self._skip_logged:
            self._skip_logged = True
            _log.info("takes asked for by the %s are skipped while recording is unavailable: %s", reason, self._blocked)

    @property
    def dropped(self) -> int:
        """Frames the encoder never saw because it fell behind the camera."""
        return self._recorder.dropped

    def encoder_health(self):
        """The encoder thread's health (``kiosk.recording.recorder.EncoderHealth``)."""
        return self._recorder.health()

    # -- the session --------------------------------------------------------------------------

    def session_started(self, session_id: str) -> None:
        # The encoder keeps running between sessions: pausing it left too little pre-roll when
        # a shopper turned right after stepping in (the turn's start fell before the clip's).
        self._session = session_id
        self.publish_tray()

    def session_ended(self, session_id: str) -> None:
        """End the take in progress; the session's looks stay until ``finalize``."""
        if self._session == session_id:
            self._session = None
        self._recorder.end("the session ended")
        if self._kept_at is not None:  # a take of hers left waiting may be stored now, not after the backoff
            self._kept_at = 0.0
        self.publish_tray()

    def unfinished(self, session_id: str) -> int:
        """How many takes of ``session_id`` are still being recorded or finished."""
        return self._recorder.unfinished(session_id)

    def finalize(self, session_id: str) -> list[str]:
        """Delete the ended session's unconsented looks; returns their ids."""
        deleted = self._library.end_session(session_id)
        if deleted:
            _log.info("session %s ended: %d unconsented looks deleted", session_id, len(deleted))
        return deleted

    # -- intents ------------------------------------------------------------------------------

    def begin(self, reason: str) -> str:
        """Start a take for the current session; raises ``RecordingRefused`` with a plain reason."""
        if self._session is None:
            raise RecordingRefused("Nobody is in front of the mirror, so nothing was recorded.")
        try:
            # The take carries its shopper's yes so far (a later answer is written into it too):
            # kept for a later start, it still has its consent if the session's answer is gone.
            return self._recorder.begin(reason=reason, session_id=self._session,
                                        **self._library.consent_for_take(self._session))
        except DiskAlmostFull:
            self._set_blocked(STORAGE_FULL_SHORT)  # at once, not at the next check
            raise

    def end(self, reason: str = "stopped") -> None:
        self._recorder.end(reason)

    def looks(self) -> list[Look]:
        """The current session's looks, newest first (the replay tray)."""
        return self._library.list(session_id=self._session) if self._session else []

    def kept(self, session_looks: list[Look] | None = None) -> list[Look]:
        """The looks the session's customer kept in earlier visits, newest first (none without a card)."""
        owner = self._owner_of(self._session) if self._owner_of is not None and self._session else None
        if not owner:
            return []
        mine = {look.id for look in (self.looks() if session_looks is None else session_looks)}
        return [look for look in self._library.list(customer_id=owner) if look.id not in mine]

    def delete(self, look_id: str) -> Look | None:
        """The shopper deletes one of their looks (this visit's or kept): the look as it was, or
        None when it is not theirs (or was gone already)."""
        look = self.find(look_id)
        if look is None:
            return None
        deleted = self._library.delete_if_present(look_id)
        self.publish_tray()
        return look if deleted else None

    def vanished(self, look_id: str) -> bool:
        """Whether a look the tray last listed has left the library since (``kiosk looks delete``,
        another process, tells the mirror nothing): then the tray is published again without it."""
        if look_id not in self._listed or self.find(look_id) is not None:
            return False
        _log.info("look %s was deleted while the tray still listed it; the tray lets it go", look_id)
        self.publish_tray()
        return True

    def follow_library(self) -> list[str]:
        """The looks the tray listed that another program deleted (``kiosk looks delete``, ``kiosk
        customers forget``) since the last call: the tray is published again without them. Asked
        every tick; only a change committed elsewhere costs more than ``PRAGMA data_version``."""
        # A check that failed half-way is done again at the next call, though nothing changed since.
        self._library_changed = self._library.changed_elsewhere() or self._library_changed
        if not self._library_changed:
            return []
        gone = [look_id for look_id in sorted(self._listed) if self._library.find(look_id) is None]
        if gone:
            _log.info("%s of the tray deleted by another program; the tray lets them go", count(len(gone), "look"))
            self.publish_tray()
        self._library_changed = False
        return gone

    def find(self, look_id: str) -> Look | None:
        """A look in the shopper's tray (this session's, or their kept ones), or None."""
        session_looks = self.looks()
        return next((look for look in session_looks + self.kept(session_looks) if look.id == look_id), None)

    def consent_refused(self, session_id: str) -> None:
        """Her no (or her yes taken back) is saved: takes of hers waiting in the work folder for room
        go now, not at the next start (one the recorder or the finisher holds lands and is discarded)."""
        try:
            self._library.drop_waiting(session_id)
        except OSError as exc:  # noqa: BLE001 - the next start deletes them (they carry no yes)
            _log.warning("takes waiting for room could not be looked at (%s); the next start deletes them", exc)

    def discard_unconsented(self, look_id: str) -> None:
        """Delete a look whose session is over unless its shopper said yes."""
        look = self._library.find(look_id)
        if look is not None and not look.consented:
            self._library.delete_if_present(look_id)
            _log.info("look %s landed after its session ended; deleted (no consent)", look_id)

    def store_analysis(self, look_id: str, kind: str, data) -> None:
        """Keep what the analysis learnt about a look (its yaw track) with it."""
        self._library.set_analysis(look_id, kind, data)

    def publish_tray(self) -> None:
        """Tell the screen what the current session's looks are now."""
        try:
            looks = self.looks()
            kept = self.kept(looks)
        except Exception:  # noqa: BLE001 - the library being unavailable must not stop the core
            _log.exception("cannot list this session's looks")
            return
        self._listed = {look.id for look in looks + kept}
        self._bus.emit(TrayChanged(session_id=self._session, looks=tuple(looks), kept=tuple(kept)))


class NoStudio:
    """The studio of a kiosk that does not record (``kiosk bench preview``, ``kiosk serve``)."""

    available = False
    unavailable = ""  # nothing to tell the shopper: it was never meant to record (kiosk.plain_mirror's is)
    recording = False
    record_blocked = ""
    skipped = 0
    dropped = 0

    def start(self) -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop."""

    def follow_room(self, now: float) -> None:
        """No disk to follow."""

    def skip_take(self, reason: str) -> None:
        """Nothing is ever blocked here, so nothing is skipped."""

    def session_started(self, session_id: str) -> None:
        """Nothing recorded, nothing to show."""

    def session_ended(self, session_id: str) -> None:
        """Nothing recorded."""

    def unfinished(self, session_id: str) -> int:
        return 0

    def finalize(self, session_id: str) -> list[str]:
        return []

    def begin(self, reason: str) -> str:
        raise RecordingRefused("This mirror does not record.")

    def end(self, reason: str = "stopped") -> None:
        """No take to end."""

    def looks(self) -> list[Look]:
        return []

    def kept(self, session_looks: list[Look] | None = None) -> list[Look]:
        return []

    def delete(self, look_id: str) -> Look | None:
        return None

    def vanished(self, look_id: str) -> bool:
        return False

    def follow_library(self) -> list[str]:
        return []

    def find(self, look_id: str) -> Look | None:
        return None

    def consent_refused(self, session_id: str) -> None:
        """No take waits."""

    def discard_unconsented(self, look_id: str) -> None:
        """No look to discard."""

    def store_analysis(self, look_id: str, kind: str, data) -> None:
        """No look to keep it with."""

    def publish_tray(self) -> None:
        """No tray."""
