"""The session's effects and the shopper's intents, carried out on the parts in a stated order.

``Effects`` belongs to the core and runs only on the core thread, so its few fields need no
lock. The core passes it the current session id with every call; it never starts or ends a
session itself. Ending a session is ``end_session`` followed, once every take of the session
has landed, by ``_finish``:

1. recorder: the take in progress ends (it is still finished and stored);
2. identity: the consent question leaves the screen, the associate panel locks;
3. the screen's pending share is dropped;
4. when no take of the session is unfinished: the session's yes is applied to all its looks,
   the looks without a yes are deleted, and the session's answer is forgotten. A session whose
   step 4 fails (``looks.db`` locked by another program, a full disk) stays closing and is tried
   again on the core's clock with backoff until it works: its unconsented looks never outlive it
   until the next start. Each failed try is a fault of the core (``fault``: the journal once per
   session, ``/api/v1/health`` while the tries go on).

Network state and the screen follow from the ``SessionStateChanged`` event the core emits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk.backoff import backoff_s
from kiosk.errors import DiskAlmostFull, IdentityError, KioskError
from kiosk.events import BY_SHOPPER, BY_STORE_IT, LookDeleted, Notice, ShareShown, TrayStep
from kiosk.identity.consent import TAP_NOT_SAVED
from kiosk.identity.events import PANEL_EXPIRED, AssociatePanelClosed, CardPresented
from kiosk.intents import Meaning, share_meaning
from kiosk.net.assist import size_detail
from kiosk.parts import Parts
from kiosk.recording.events import LookRecorded, RecordingFailed
from kiosk.recording.recorder import RecordingRefused
from kiosk.share_consent import LastCode, ShareAfterConsent, share_refused
from kiosk.words import count

_log = logging.getLogger(__name__)

STORAGE_FULL = "The mirror cannot record right now because its storage is full. Please ask a store associate."
# Share on a look not kept yet brings the consent question: this says why, above it (a shopper who
# asked for a QR code otherwise meets "Keep your looks?" without a word on how the two connect).
SHARE_KEEPS_FIRST = "To take this look home, the mirror must keep it first."
# A look the tray still listed was deleted by another process (``kiosk looks delete``) before
# the shopper's tap reached it: the tray lets it go, and she reads why.
LOOK_GONE = "This look was deleted."
# Store IT forgot the shopper in front of the mirror (``kiosk customers forget``): the visit keeps
# nothing more for her card, as after her own "forget me"; Keep would ask her again.
FORGOTTEN_BY_STORE = "The store has made the mirror forget you. New looks are not kept unless you say yes again."
# An ended session whose end could not be written is tried again after 1 s, doubling to 15 s.
FINISH_RETRY_FIRST_S = 1.0
FINISH_RETRY_MAX_S = 15.0
# What the shopper reads when the library or the network part refuses her Delete or call for help
# (a database locked by another program, a read-only data folder, the network part off; a Share:
# ``kiosk.share_consent.share_refused``): the error's own words name files and errors, so they go
# to the journal only.
DELETE_FAILED = "The look could not be deleted just now. Please try again in a moment."
ASSIST_FAILED = "Your call for help could not be sent just now. Please try again in a moment."
# The identity part's refusals are its own sentences (``IdentityError``: "tap a staff card to open
# the associate panel", "The mirror could not use your card just now..."); any other error that
# comes through it is a database's or a file's (the look library locked as the associate panel
# reads a customer's looks): the journal gets those words, the mirror says one of these.
FORGET_FAILED = "The mirror could not forget you just now. Please tap your card again in a moment."
PANEL_FAILED = "The associate panel could not be opened just now. Please try again in a moment."
KEEP_FOR_CUSTOMER_FAILED = "The look could not be kept for the customer just now. Please try again in a moment."


class Effects:
    """Carries out what the core decided; one instance per core."""

    def __init__(self, parts: Parts, fault: Callable[[str, Exception], None] | None = None) -> None:
        """``fault(what, exc)``: told of each failed try to finish an ended session (the core's faults)."""
        self._parts = parts
        self._fault = fault or (lambda what, exc: _log.warning("could not handle %s: %s", what, exc))
        self._closing: set[str] = set()  # ended sessions waiting for their last takes, or for a retry
        self._retry: dict[str, tuple[int, float]] = {}  # session -> failed tries, monotonic time of the next
        # A look to share once the shopper says yes.
        self._share_after_consent: ShareAfterConsent[str] = ShareAfterConsent(
            lambda sid: self._parts.identity.ask_consent(sid, touched=True), lambda text: self._notice(text, "studio"),
            SHARE_KEEPS_FIRST,
            "Looks can only be shared when you agree to keep them.")
        self._last_code: LastCode[ShareShown] = LastCode()  # a double tap on Share shows it again
        # The card reader, as the shopper in front of the mirror was told: an outage is said once per
        # session, when someone is there to read it (one that began on the welcome screen is said
        # as the session starts), and its end only to a shopper who was told of it.
        self._reader_down = False
        self._reader_told = False

    # -- the session --------------------------------------------------------------------------

    def start_session(self, session_id: str) -> None:
        _log.info("session %s started", session_id)
        self._parts.studio.session_started(session_id)
        self._reader_told = False
        self._tell_reader_down(session_id)

    def end_session(self, session_id: str, reason: str) -> None:
        """Steps 1–3 now, step 4 as soon as the session's takes have landed."""
        _log.info("session %s ended: %s", session_id, reason)
        self._parts.studio.session_ended(session_id)
        self._parts.identity.session_ended(session_id)
        self._share_after_consent.drop()
        self._last_code.forget()
        self._reader_told = False
        self._closing.add(session_id)
        self.settle(force=False)

    def settle(self, force: bool = True) -> None:
        """Finish every ended session whose takes have landed and whose retry is due (``force``: all
        of them, now). A session leaves ``_closing`` only once finished: one that failed is tried
        again by a later call (the core's clock calls this each tick)."""
        now = time.monotonic()
        for session_id in sorted(self._closing):
            tries, next_at = self._retry.get(session_id, (0, 0.0))
            if not force and (next_at > now or self._parts.studio.unfinished(session_id) != 0):
                continue
            try:
                self._finish(session_id)
            except Exception as exc:  # noqa: BLE001 - a locked or full database: tried again, health says so
                tries += 1
                wait = backoff_s(tries - 1, FINISH_RETRY_FIRST_S, FINISH_RETRY_MAX_S)
                # counted from when this try gave up, which may have waited for a lock
                self._retry[session_id] = (tries, time.monotonic() + wait)
                if tries == 1:
                    _log.info("session %s: its end could not be written; tried again until it works", session_id)
                # one fault kind for every visit: health's list of kinds does not grow with each one
                self._fault("the end of a visit (tried again until it works)", exc)
                continue
            self._closing.discard(session_id)
            if self._retry.pop(session_id, None):
                _log.info("session %s finished after %s", session_id, count(tries, "failed try", "failed tries"))

    def _finish(self, session_id: str) -> None:
        self._parts.identity.settle(session_id)
        self._parts.studio.finalize(session_id)
        self._parts.identity.forget_session(session_id)

    def take_landed(self, event, current: str | None) -> None:
        """A take was stored, dropped or failed: keep it if its session said yes; finish sessions."""
        if isinstance(event, LookRecorded):
            _log.info("%slook %s recorded (%.1f s)", _prefix(event.session_id), event.look_id, event.duration_s)
            self._parts.identity.look_added(event.look_id, event.session_id)
            if event.session_id == current:
                self._parts.studio.publish_tray()
            elif event.session_id not in self._closing:
                # Its session is over and was finished without it (it began as the shopper left).
                self._parts.studio.discard_unconsented(event.look_id)
        self.settle(force=False)

    # -- the screen ---------------------------------------------------------------------------

    def screen_power(self, on: bool, reason: str) -> None:
        """Light or darken the screen, then set the analysis' pace: slow while dark, enough to notice someone."""
        self._parts.screen.set_power(on, reason)
        self._parts.analysis.pace(None if on else self._parts.config.display.dark_analysis_fps)

    # -- recording ----------------------------------------------------------------------------

    def start_recording(self, reason: str) -> None:
        """Start a take for the session (the core has woken the mirror); refusals are shown.

        Not while the camera gives no picture: the take would wait for one and begin by itself
        whenever the camera came back, long after the tap, while the Record button still said
        "Record" (and a second tap cancelled it)."""
        if self._parts.capture.status().state != "running":
            self._parts.bus.emit(RecordingFailed(reason="The camera has no picture right now, so nothing was recorded."))
            return
        try:
            self._parts.studio.begin(reason)
        except DiskAlmostFull as exc:
            # The figures are for staff (the journal here, ``kiosk doctor``); the shopper gets plain words.
            _log.warning("recording refused: %s", exc)
            self._parts.bus.emit(RecordingFailed(reason=STORAGE_FULL))
        except RecordingRefused as exc:
            self._parts.bus.emit(RecordingFailed(reason=str(exc)))

    def stop_recording(self, reason: str) -> None:
        self._parts.studio.end(reason)

    def discard_take(self, look_id: str) -> None:
        """A take the turn detector asked for turned out unwanted: it goes without a word."""
        self._parts.studio.delete(look_id)

    def delete_look(self, look_id: str) -> None:
        """The shopper's Delete: a look she said yes to is told to the tablets and the store
        service too (``LookDeleted``, by the shopper); one she did not was never told to anyone."""
        studio = self._parts.studio
        try:
            look = studio.delete(look_id)
        except KioskError as exc:
            _log.warning("look %s could not be deleted: %s", look_id, exc)
            self._notice(DELETE_FAILED, "studio")
            return
        if look is not None:
            self._notice("Look deleted.", "studio")
            if look.consented:
                self._parts.bus.emit(LookDeleted(look_id=look.id, by=BY_SHOPPER))
        elif studio.vanished(look_id):
            self._notice(LOOK_GONE, "studio")

    def replaying(self, look_id: str) -> None:
        """A look of the tray began to play: one deleted meanwhile leaves the tray, in plain words."""
        if self._parts.studio.vanished(look_id):
            self._notice(LOOK_GONE, "studio")

    def follow_library(self) -> None:
        """Looks of the tray another program deleted leave it at once, in plain words; each is told
        on the bus as a tablet's deletion is (``LookDeleted``, by store IT: the command told the
        store service itself)."""
        gone = self._parts.studio.follow_library()
        for look_id in gone:
            self._parts.bus.emit(LookDeleted(look_id=look_id, by=BY_STORE_IT))
        if gone:
            self._notice(LOOK_GONE if len(gone) == 1 else f"{count(len(gone), 'look')} were deleted.", "studio")

    def tray_step(self, meaning: Meaning) -> None:
        self._parts.bus.emit(TrayStep(delta=1 if meaning is Meaning.TRAY_OLDER else -1))

    # -- identity -----------------------------------------------------------------------------

    def card_presented(self, event: CardPresented, session_id: str | None) -> None:
        # Never the card's number or key in a log line: the tap is the event, not whose card it was.
        try:
            tapped = self._parts.identity.tap(event.card_key, session_id, event.protocol)
        except KioskError as exc:  # a database locked by another program: the sentence asks her to tap again
            _log.warning("%sa card tap could not be handled (%s)", _prefix(session_id), exc)
            self._notice(_identity_sentence(exc, TAP_NOT_SAVED), "identity")
            return
        _log.info("%scard tapped (%s reader; %s card; next: %s)", _prefix(session_id), event.protocol,
                  "a staff" if tapped.staff else ("a known" if tapped.known else "an unknown"), tapped.next_step)

    def ask_consent(self, session_id: str | None, touched: bool = False) -> bool:
        """Put the question up (not once answered: a yes stands); ``touched``: her touch on Keep,
        which asks again after her no (the mirror never does by itself, nor does a gesture)."""
        return self._parts.identity.ask_consent(session_id, touched)

    def answer_consent(self, session_id: str | None, yes: bool, via: str, wording_version: str | None = None) -> None:
        self._parts.identity.answer_consent(session_id, yes, via, wording_version)

    def prompt_closed(self, answer: str) -> None:
        """The question left the screen: a share waiting for a yes goes ahead, or is dropped."""
        look_id = self._share_after_consent.answered(answer)
        if look_id:
            self.share(look_id, None)

    def reader_changed(self, state: str, session_id: str | None) -> None:
        """The card reader was lost or came back: tell the shopper, if there is one to tell, and
        reword the consent question on screen (it speaks of the card only while one can be tapped)."""
        self._parts.identity.reader_changed()
        if state == "unavailable":
            self._reader_down = True
            self._tell_reader_down(session_id)
        elif state == "connected":
            told, self._reader_down, self._reader_told = self._reader_told, False, False
            if told and session_id is not None:
                self._notice("The card reader works again.", "identity")

    def _tell_reader_down(self, session_id: str | None) -> None:
        if self._reader_down and session_id is not None and not self._reader_told:
            self._reader_told = True
            # Keep asks the question only where this mirror records and the shopper has not answered,
            # and only plays on a look: none can be recorded while the disk is full, so then only
            # a look of this visit already there can be kept.
            studio = self._parts.studio
            keep = (studio.available and not self._parts.identity.answered(session_id)
                    and (not studio.record_blocked or bool(studio.looks())))
            self._parts.bus.emit(Notice(text=reader_down_sentence(keep), topic="identity", seconds=10.0))

    def forget_me(self, session_id: str | None) -> bool:
        """Forget the shopper offered "forget me"; False when nobody was offered it."""
        try:
            report = self._parts.identity.forget_me(session_id)
        except KioskError as exc:  # untied, nothing more kept; the rest is tried again (``finish_forgets``)
            self._parts.studio.publish_tray()
            self._identity_refused(exc, f"{_prefix(session_id)}forget me could not be done", FORGET_FAILED)
            return True
        if report is None:
            return False
        _log.info("%sforgot the customer: %s deleted", _prefix(session_id), count(report.looks, "look"))
        self._parts.studio.publish_tray()
        self._notice(forgotten_sentence(report.looks), "identity")
        return True

    def finish_forgets(self, session_id: str | None, now: float) -> None:
        """Try again the "forget me" left unfinished; the shopper who asked, still here, reads "Done"."""
        for asked_in, report in self._parts.identity.finish_forgets(now):
            if asked_in is not None and asked_in == session_id:
                self._parts.studio.publish_tray()
                self._notice(forgotten_sentence(report.looks), "identity")

    def forgotten_elsewhere(self, session_id: str | None) -> bool:
        """Follow a card another program forgot (``kiosk customers forget``): as after "forget me",
        the tray and the screen follow, and the shopper reads why. True when it was hers, in front
        of the mirror now (ended visits' cards are let go without a word)."""
        if session_id not in self._parts.identity.follow_directory(session_id):
            return False
        self._parts.studio.publish_tray()
        self._notice(FORGOTTEN_BY_STORE, "identity")
        return True

    def associate_view(self, session_id: str | None, quiet: bool = False):
        """The panel's contents as a plain dict, or None (with a notice unless ``quiet``) when it cannot open."""
        try:
            view = self._parts.identity.associate_view(session_id)
        except KioskError as exc:
            if not quiet:
                self._identity_refused(exc, f"{_prefix(session_id)}the associate panel could not be opened", PANEL_FAILED)
            return None
        customer = view.customer
        prefs = ", ".join(f"{k}: {v}" for k, v in customer.preferences.items()) if customer and customer.preferences else ""
        return {
            "note": view.note,
            "name": (customer.first_name or "Customer") if customer else "",
            "tier": customer.tier if customer else "",
            "preferences": prefs,
            "looks": len(view.looks),
            "keptIds": [look.id for look in view.looks],  # their tiles say "Kept ✓", not "Keep for customer"
            "history": "\n".join(follow_up_lines(view.looks, self._parts.library.notes([look.id for look in view.looks]))),
        }

    def panel_closed(self, reason: str) -> None:
        """The panel's unlock ended: the screen takes it down and clears it; an associate still at the
        mirror when it ran out is told why, and how to open it again."""
        _log.info("the associate panel closed (%s)", reason)
        self._parts.bus.emit(AssociatePanelClosed(reason=reason))
        if reason == PANEL_EXPIRED:
            self._notice(panel_closed_sentence(self._parts.config.identity.associate_unlock_s), "identity")

    def keep_for_customer(self, look_id: str, session_id: str | None) -> None:
        try:
            self._parts.identity.keep_for_customer(look_id, session_id)
            self._notice("The look is now on the customer's card.", "identity")
        except KioskError as exc:
            self._identity_refused(exc, f"{_prefix(session_id)}look {look_id} could not be kept for the customer",
                                   KEEP_FOR_CUSTOMER_FAILED)
        self._parts.studio.publish_tray()

    # -- network ------------------------------------------------------------------------------

    def share(self, look_id: str, session_id: str | None) -> None:
        """Share a consented look of this session as a QR code, or ask for consent first."""
        look = self._parts.studio.find(look_id)
        if look is None and self._parts.studio.vanished(look_id):
            self._notice(LOOK_GONE, "studio")
            return
        meaning = share_meaning(look is not None, look is not None and look.consented)
        if meaning is Meaning.ASK_CONSENT_THEN_SHARE:
            self._share_after_consent.ask(look_id, session_id)
            return
        if meaning is not Meaning.SHARE:
            return
        again = self._last_code.again(look_id, time.monotonic())
        if again is not None:
            self._parts.bus.emit(again)  # a double tap: the same code again, not a second link
            return
        try:
            link = self._parts.network.share_look(look_id)
        except KioskError as exc:
            _log.warning("look %s could not be shared: %s", look_id, exc)
            self._notice(share_refused(self._parts.network), "studio")
            return
        # The link itself is a bearer secret for the look: it goes on the screen, never in the log.
        _log.info("%slook %s shared (a QR code on the screen)", _prefix(session_id), look_id)
        shown = ShareShown(look_id=look_id, url=link.url, expires_at=link.expires_at, qr_png=link.qr_png,
                           share_id=link.share_id)
        self._last_code.made(look_id, shown, time.monotonic())
        self._parts.bus.emit(shown)

    def request_assist(self, kind: str, size: str = "") -> None:
        try:
            self._parts.network.request_assist(kind, size_detail(size))
        except KioskError as exc:
            _log.warning("a call for help (%s) could not be sent: %s", kind, exc)
            self._notice(ASSIST_FAILED, "assist")

    def _notice(self, text: str, topic: str) -> None:
        self._parts.bus.emit(Notice(text=text, topic=topic))

    def _identity_refused(self, exc: KioskError, what: str, plain: str) -> None:
        """Tell the shopper why the identity part refused: its own sentence, or ``plain`` when the
        error is a database's or a file's (then its words go to the journal, never the card's key)."""
        if not isinstance(exc, IdentityError):
            _log.warning("%s: %s", what, exc)
        self._notice(_identity_sentence(exc, plain), "identity")


def follow_up_lines(looks, notes: dict, most: int = 5) -> list[str]:
    """What associates noted on a customer's kept looks, newest look first, one line per note:
    "3 Dec · Linen shirt, navy, M · wants it in navy, 38". At most ``most`` lines."""
    lines = []
    for look in looks:
        when = time.localtime(look.created)
        day = f"{when.tm_mday} {time.strftime('%b', when)}"
        for note in reversed(notes.get(look.id, ())):
            lines.append(" · ".join(part for part in (day, note.product, note.text.replace("\n", " ")) if part))
    return lines[:most]


def forgotten_sentence(looks: int) -> str:
    """What the shopper reads once the mirror has forgotten them."""
    if looks == 0:
        return "Done. The mirror has forgotten you."
    return f"Done. The mirror has forgotten you: {count(looks, 'look')} deleted."


def panel_closed_sentence(unlock_s: float) -> str:
    """What the mirror says when the associate panel closed by itself after ``unlock_s`` seconds."""
    minutes = round(unlock_s / 60)
    whole_minutes = unlock_s >= 60 and abs(unlock_s - 60 * minutes) < 1
    after = count(minutes, "minute") if whole_minutes else count(round(unlock_s), "second")
    return f"The associate panel closed after {after}. Tap a staff card to open it again."


def reader_down_sentence(keep: bool) -> str:
    """What the shopper reads while the card reader does not work; ``keep``: Keep still asks to keep looks."""
    if keep:
        return "The card reader is not working right now. You can still keep your looks: tap Keep while one plays."
    return "The card reader is not working right now."


def _identity_sentence(exc: KioskError, plain: str) -> str:
    """The identity part's own sentence (an ``IdentityError``), or ``plain`` for any other error."""
    return str(exc) if isinstance(exc, IdentityError) else plain


def _prefix(session_id: str | None) -> str:
    """A log line's prefix naming the session the event belongs to ("" outside a session)."""
    return f"session {session_id}: " if session_id else ""
