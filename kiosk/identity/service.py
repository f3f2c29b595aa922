"""The identity part of the kiosk: card taps, the consent question, the associate panel, forget-me.

The reader adapter runs in its own ``reader`` thread; each UID is turned into its card key at
once (the raw UID goes no further than ``_on_reader``) and published as ``CardPresented``.
What a tap *means* depends on the session, which only the core knows, so the core answers a
``CardPresented`` by calling ``tap(card_key, session_id)``: customer lookup, the consent desk's
verdict, and a ``CardTapped`` event with the next step for the screen. Every other method is
an intent the core carries out on its own thread; this part never calls the core.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.backoff import backoff_s
from kiosk.errors import KioskError
from kiosk.events import EventBus
from kiosk.identity.associate import AssociatePanel, AssociateView
from kiosk.identity.cardkey import CardKeyer
from kiosk.identity.consent import TAP_NOT_SAVED, ConsentDesk
from kiosk.identity.directory import CustomerDirectory
from kiosk.identity.errors import IdentityError
from kiosk.identity.events import (
    STEP_ASSOCIATE,
    STEP_FORGET,
    STEP_NONE,
    CardPresented,
    CardRemoved,
    CardTapped,
    CustomerForgetting,
    CustomerForgotten,
    ReaderStateChanged,
)
from kiosk.identity.forget import ForgetReport, forget_card
from kiosk.identity.pending import PendingForgets
from kiosk.identity.ports import LookKeeper
from kiosk.identity.prompt import ConsentPrompt
from kiosk.ports import CardReader

_log = logging.getLogger(__name__)

# "Forget me" whose deletions could not all be made (a database locked by another program, a full
# disk): her card is already untied from the visit, so nothing more is kept; the rest is tried again.
FORGET_UNFINISHED = ("The mirror could not finish forgetting you just now. Nothing more is kept; "
                     "tap your card again in a moment to finish.")
FORGET_RETRY_S = (5.0, 60.0)  # the first retry after 5 s, each next one after twice as long, at most 60 s


@dataclass
class _Unfinished:
    """A card whose forgetting is still to finish; ``session_id``: where she asked (told once it is done)."""

    session_id: str | None
    tries: int = 0
    next_try: float = 0.0


@dataclass(frozen=True)
class IdentityParts:
    """What the identity part is built from (``kiosk.wiring`` makes them)."""

    bus: EventBus
    reader: CardReader | None
    keyer: Callable[[], CardKeyer]  # loads the store secret (``start`` calls it)
    directory: CustomerDirectory  # opened by ``start``
    consent: ConsentDesk
    associate: AssociatePanel
    looks: LookKeeper | None = None
    pending: PendingForgets | None = None  # the unfinished forgets on disk (None: in memory only)


class Identity:
    """Runs the card reader, keeps the consent question and answers the core's identity intents."""

    available = True

    def __init__(self, parts: IdentityParts) -> None:
        self._parts = parts
        self._prompt = ConsentPrompt(parts.consent, parts.bus)
        self._reader_state = ReaderStateChanged(state="stopped", reason="not started", protocol=None)
        self._lock = threading.Lock()
        # (session, card) whose "forget me" is on screen: the card tied to the session, tapped
        # again. Any other tap in the session withdraws it (the button goes with it).
        self._forget_offer: tuple[str, str] | None = None
        # Cards whose "forget me" could not finish: tried again by ``finish_forgets`` (the core's
        # clock) and by her "forget me", offered again at her next tap; kept on disk too
        # (``parts.pending``), so a restart finishes them.
        self._unfinished: dict[str, _Unfinished] = {}
        self._resave_at = 0.0  # when ``finish_forgets`` next writes an unsaved pending file again
        self._finished: list[tuple[str | None, ForgetReport]] = []  # finished as a take landed, told at the next tick
        self._keyer: CardKeyer | None = None
        self._directory_changed = False  # another program changed the directory: not fully followed yet

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Load the store secret, open the directory, take up the forgets a restart interrupted (due
        at the first tick), start the reader (none: consent still works)."""
        self._keyer = self._parts.keyer()
        self._parts.directory.open()
        if self._parts.pending is not None:
            kept = self._parts.pending.load()
            with self._lock:
                for card_key in kept:  # asked before the restart: nobody at the mirror now to tell
                    self._unfinished.setdefault(card_key, _Unfinished(None))
            if kept:
                _log.info("%d forget-me requests left unfinished before this start are tried again", len(kept))
        if self._parts.reader is not None:
            self._parts.reader.start(self._on_reader)

    def stop(self) -> None:
        """Stop the reader, then close the directory (the reader thread may be using it)."""
        if self._parts.reader is not None:
            self._parts.reader.stop()
        self._parts.directory.close()

    @property
    def reader_state(self) -> ReaderStateChanged:
        return self._reader_state

    @property
    def consent(self) -> ConsentDesk:
        return self._parts.consent

    # -- intents (the core's thread) ----------------------------------------------------------

    def tap(self, card_key: str, session_id: str | None, protocol: str = "manual") -> CardTapped:
        """What a tap of ``card_key`` means in ``session_id``; publishes and returns ``CardTapped``
        (``IdentityError(TAP_NOT_SAVED)`` when a database could not be read or written: tap again)."""
        try:
            customer = self._parts.directory.get(card_key)
        except KioskError as exc:
            _log.warning("a card tap could not be looked up (%s)", exc)
            raise IdentityError(TAP_NOT_SAVED) from None
        if customer is not None and customer.is_staff:
            step = STEP_ASSOCIATE
            self._parts.associate.unlock(customer.staff_role)
        elif session_id is None:
            step = STEP_NONE
        elif card_key in self._unfinished:
            step = STEP_FORGET  # her forgetting is still to finish: "forget me" is offered again
        else:
            step = self._parts.consent.card_tapped(session_id, card_key)
        event = CardTapped(
            card_key=card_key,
            first_name=(customer.first_name or None) if customer else None,
            known=customer is not None,
            staff_role=customer.staff_role if customer else None,
            session_id=session_id,
            next_step=step,
            protocol=protocol,
            forgetting=card_key in self._unfinished,
        )
        with self._lock:
            if step == STEP_FORGET and session_id is not None:
                self._forget_offer = (session_id, card_key)
            elif self._forget_offer is not None and self._forget_offer[0] == session_id:
                self._forget_offer = None
        self._parts.bus.emit(event)
        return event

    def key(self, uid: str) -> str:
        """The card key of a raw UID (for a card typed in by hand, e.g. ``kiosk`` tests)."""
        return self._keyer.key(uid)

    @property
    def asking(self) -> bool:
        """True while the consent question is on screen."""
        return self._prompt.pending

    def ask_consent(self, session_id: str | None, touched: bool = False) -> bool:
        """Put the question on screen; False when this session already answered it.

        ``touched``: the shopper touched Keep or Share (never a gesture): after her no it asks again."""
        return self._prompt.ask(session_id, self._reader_works(), touched)

    def reader_changed(self) -> None:
        """The card reader was lost or came back: the question on screen, if any, is reworded."""
        self._prompt.reword(self._reader_works())

    def _reader_works(self) -> bool:
        """Whether a card can be tapped now: the consent question speaks of the card only then."""
        return self._parts.reader is not None and self._reader_state.state == "connected"

    def answer_consent(self, session_id: str | None, yes: bool, via: str, wording_version: str | None = None) -> None:
        """The shopper's answer to the question of ``wording_version`` (None: the one on screen now)."""
        self._prompt.answer(session_id, yes, via, wording_version, self._reader_works())

    def is_consented(self, session_id: str | None) -> bool:
        return self._parts.consent.is_consented(session_id)

    def answered(self, session_id: str | None) -> bool:
        """True once this session said yes or no (Keep then asks again only after a no)."""
        return session_id is not None and self._parts.consent.decision(session_id) is not None

    def owner(self, session_id: str | None) -> str | None:
        """The customer (card key) this session's looks belong to, once a card is tied to it."""
        return self._parts.consent.owner(session_id)

    def look_added(self, look_id: str, session_id: str | None) -> None:
        """A look landed: keep it and tie it to the card when its session said yes.

        A take of a visit whose "forget me" found the look database locked was stored as kept
        under her card by the visit's yes that database still holds: the database takes writes
        again, so the forget is tried again at once (and deletes the take with the rest)."""
        looks = self._parts.looks
        with self._lock:
            waiting = [key for key, left in self._unfinished.items() if session_id and left.session_id == session_id]
        hers = {key for key in waiting if looks is not None
                and any(row.id == look_id for row in looks.list(session_id=session_id, customer_id=key))}
        if hers:
            done = self._retry(sorted(hers), time.monotonic())
            with self._lock:
                self._finished += done
        self._parts.consent.look_added(look_id, session_id)

    def settle(self, session_id: str) -> None:
        """Every take of the ended session has landed: apply its answer to all of its looks."""
        self._parts.consent.settle(session_id)

    def session_ended(self, session_id: str) -> None:
        """The shopper left: the question and any "forget me" leave the screen, the associate panel locks."""
        self._prompt.close()
        self._parts.associate.lock()
        with self._lock:
            if self._forget_offer is not None and self._forget_offer[0] == session_id:
                self._forget_offer = None

    def forget_session(self, session_id: str) -> None:
        """Every take of the ended session has landed: its answer is no longer needed in memory."""
        self._parts.consent.end_session(session_id)

    def forget_me(self, session_id: str | None) -> ForgetReport | None:
        """Delete every look and record of the card offered "forget me" in this session.

        Only the card tied to the session, tapped again, is offered it (or a card whose
        forgetting is still to finish); another card tapped since (a staff card, someone else's)
        withdrew the offer. None: nothing was offered. ``IdentityError(FORGET_UNFINISHED)``: the
        card is untied, but not every deletion could be made yet (``finish_forgets`` tries again).
        """
        with self._lock:
            offer, self._forget_offer = self._forget_offer, None
        if offer is None or offer[0] != session_id:
            return None
        card_key = offer[1]
        if self._parts.consent.owner(session_id) != card_key and card_key not in self._unfinished:
            return None
        self._parts.associate.lock()  # the panel showed whom the shopper had forgotten: it closes
        return self._forget(card_key, session_id)

    def finish_forgets(self, now: float | None = None) -> list[tuple[str | None, ForgetReport]]:
        """Try again each "forget me" left unfinished whose time has come (``now``: monotonic);
        returns (session asked in, report) of each that finished now."""
        now = time.monotonic() if now is None else now
        pending = self._parts.pending
        if pending is not None and pending.unsaved and now >= self._resave_at:
            # a save that failed left the file naming a card already forgotten (or missing one still
            # to forget): a restart would forget a card again that said yes since; written again here
            self._resave_at = now + FORGET_RETRY_S[0]
            self._save_unfinished()
        with self._lock:
            done, self._finished = self._finished, []
            due = [key for key, left in self._unfinished.items() if left.next_try <= now]
        return done + self._retry(due, now)

    def _retry(self, card_keys: list[str], now: float) -> list[tuple[str | None, ForgetReport]]:
        """Try again the unfinished forgets of ``card_keys``; (session asked in, report) of each that finished."""
        done = []
        for card_key in card_keys:
            with self._lock:
                left = self._unfinished.get(card_key)
            if left is None:
                continue
            try:
                done.append((left.session_id, self._forget(card_key, left.session_id, now)))
            except IdentityError:
                continue  # said in the log by ``_forget``; tried again later
            _log.info("%sa forget left unfinished is done", f"session {left.session_id}: " if left.session_id else "")
        return done

    def follow_directory(self, current: str | None) -> list[str]:
        """The sessions whose card another program forgot (``kiosk customers forget``) since the last
        call, each forgotten here as by "forget me": her yes and her card leave the session, so
        takes still to land are not kept under her, and what was tied to her in between goes too.
        ``current``: the session in front of the mirror (the associate panel locks when it is one)."""
        directory = self._parts.directory
        # A check that failed half-way is done again at the next call, though nothing changed since.
        self._directory_changed = directory.changed_elsewhere() or self._directory_changed
        if not self._directory_changed:
            return []
        lost = [(sid, key) for sid, key in self._parts.consent.ties() if directory.tie_forgotten(sid, key)]
        for session_id, card_key in lost:
            # the session only, never the card's key
            _log.info("session %s: its card was forgotten by another program; the mirror forgets it too", session_id)
            with self._lock:
                if self._forget_offer is not None and self._forget_offer[1] == card_key:
                    self._forget_offer = None
            if session_id == current:
                self._parts.associate.lock()
            try:
                self._forget(card_key, session_id)
            except IdentityError:
                pass  # untied from the session; ``finish_forgets`` deletes the rest
        self._directory_changed = False
        return [sid for sid, _ in lost]

    def _forget(self, card_key: str, session_id: str | None, now: float | None = None) -> ForgetReport:
        """Untie the card from the sessions here, delete its looks and records, and say so on the bus.

        Untied first, whatever follows: no take of the visit is kept for her any more, even when a
        database cannot be written now. Then ``IdentityError(FORGET_UNFINISHED)``, and the card
        waits in ``_unfinished`` (and on disk) for the next try."""
        self._parts.consent.forget_card(card_key)
        self._save_unfinished(also=card_key)  # first: a crash between her looks and her records still finishes it
        try:
            report = forget_card(card_key, self._parts.directory, self._parts.looks)
        except KioskError as exc:
            now = time.monotonic() if now is None else now
            with self._lock:
                left = self._unfinished.setdefault(card_key, _Unfinished(session_id))
                left.session_id = session_id or left.session_id  # asked again in a later visit: told there
                left.next_try = now + backoff_s(left.tries, *FORGET_RETRY_S)
                left.tries += 1
                tries = left.tries
            self._save_unfinished()  # before she is told: a restart now still finishes it
            if tries == 1:  # the network side needs none of the locked databases: it forgets her now
                self._parts.bus.emit(CustomerForgetting(card_key=card_key, session_id=session_id))
            # the session only, never the card's key; a lock that lasts is logged once, then quietly
            (_log.warning if tries == 1 else _log.debug)(
                "%sforgetting a card could not finish (%s); tried again later (%d tries so far)",
                f"session {session_id}: " if session_id else "", exc, tries)
            raise IdentityError(FORGET_UNFINISHED) from None
        with self._lock:
            self._unfinished.pop(card_key, None)
        self._save_unfinished()
        self._parts.bus.emit(CustomerForgotten(card_key=card_key, looks_deleted=report.looks,
                                               records_deleted=report.customers + report.consents,
                                               session_id=session_id))
        return report

    def _save_unfinished(self, also: str | None = None) -> None:
        """Write the cards still to forget (and ``also``, one being forgotten now) to disk (a failure is
        logged there, and they stay in memory)."""
        if self._parts.pending is not None:
            with self._lock:
                keys = [*self._unfinished, *([also] if also else [])]
            self._parts.pending.save(keys)

    @property
    def panel_unlocked(self) -> bool:
        """True while a staff card's tap keeps the associate panel unlocked."""
        return self._parts.associate.staff_role is not None

    def associate_view(self, session_id: str | None) -> AssociateView:
        """What the associate panel shows (``IdentityError`` when no staff card unlocked it)."""
        return self._parts.associate.view(session_id)

    def keep_for_customer(self, look_id: str, session_id: str | None) -> None:
        self._parts.associate.move_look(look_id, session_id)

    # -- the reader thread --------------------------------------------------------------------

    def _on_reader(self, event) -> None:
        """Card events have ``kind``/``uid``, reader states have ``state``; the UID stops here."""
        kind = getattr(event, "kind", None)
        try:
            if kind == "tap":
                self._parts.bus.emit(CardPresented(card_key=self._keyer.key(event.uid), protocol=event.protocol))
            elif kind == "removed":
                self._parts.bus.emit(CardRemoved(card_key=self._keyer.key(event.uid)))
            elif hasattr(event, "state"):
                self._reader_state = ReaderStateChanged(state=event.state, reason=event.reason, protocol=event.protocol)
                self._parts.bus.emit(self._reader_state)
        except Exception:  # noqa: BLE001 - a bad event must not stop the reader
            _log.exception("handling a card reader event failed")
