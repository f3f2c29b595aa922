"""The consent question, asked once per session (again when a card is tapped), and what a yes or a no changes.

Nothing leaves the session without a yes: looks stay session-only (the library deletes them
when the session ends) until the shopper accepts. A yes marks the session's looks, past and
future, as kept (with the wording version) and ties them to the tapped card, if any: the
library keeps the answer with the session, so even a take cut off by a crash comes back kept. A no is as
easy and is recorded the same way; a no after a yes withdraws it (looks back to session-only,
untied from the card). Every answer is written with its time and wording version.

An answer counts once it is saved: its effect on the looks first (what keeps them), then its
record. When either cannot be written (the look database locked by another program, a full
disk), what was written is undone, the session is as it was before the answer, and the
shopper is asked in plain words to answer again, rather than told "kept" while nothing is.

Which wording is asked follows from the card reader: while none works (none fitted, unplugged,
not connected yet) the question speaks of no card, in a wording of its own version, and a yes
to it is recorded with that version. A card already tapped in the session is still named: the
yes ties the looks to it.

``card_tapped`` decides what the mirror shows after a customer's tap: the question, a welcome
(already consented: the card is attached now), the "forget me" offer (the attached card was
tapped again), or a refusal when the session already belongs to another card. A tap after a no
asks again, with the card: it is a new wish to keep the looks (``offer`` then gives the question).
So does her touch on Keep or Share after a no (``offer(..., touched=True)``): the mirror never asks
again by itself, and nothing is kept until she says yes to the question asked again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from kiosk.errors import KioskError
from kiosk.identity.directory import ConsentRecord, CustomerDirectory
from kiosk.identity.errors import IdentityError
from kiosk.identity.events import STEP_CONSENT, STEP_FORGET, STEP_OTHER_CARD, STEP_WELCOME, ConsentChanged
from kiosk.identity.ports import LookKeeper

_log = logging.getLogger(__name__)

PURPOSE = "keep-looks"
ACCEPTED, DECLINED, WITHDRAWN = "accepted", "declined", "withdrawn"
VIA = ("touch", "gesture", "associate")
NOT_SAVED = "The mirror could not save your answer just now. Please answer again in a moment."
# A tap that could not be handled (the card could not be tied to the visit's yes, or not read).
TAP_NOT_SAVED = "The mirror could not use your card just now. Please tap it again in a moment."


@dataclass(frozen=True)
class ConsentWording:
    """One version of the question; a new text gets a new version, never an edit.

    ``text``: "{kept}" is replaced by how long looks are kept, "{card}" by ``card_tapped``
    when the shopper has just tapped a card (it is what the yes will tie the looks to) and by
    ``card_not_tapped`` otherwise, "{forget}" likewise by ``forget_tapped`` or
    ``forget_not_tapped``. Which one a yes saw follows from its record (it is recorded with the
    card); a no keeps no card, and both ask the same question.
    """

    version: str
    title: str
    text: str
    accept: str
    decline: str
    card_tapped: str = ""
    card_not_tapped: str = ""
    forget_tapped: str = ""
    forget_not_tapped: str = ""

    def shown(self, kept: str, card: bool) -> str:
        """The text on screen: looks kept ``kept``, a card just tapped or not."""
        return self.text.format(kept=kept, card=self.card_tapped if card else self.card_not_tapped,
                                forget=self.forget_tapped if card else self.forget_not_tapped)


#: Every version shown so far, oldest first: what a recorded answer's version said. The newest
#: of each kind is in force: ``WORDING`` with a working card reader, ``WORDING_NO_READER``
#: without one (the newest whose words speak of no card).
WORDINGS = (
    ConsentWording(
        version="2026-11.1",
        title="Keep your looks?",
        text=(
            "If you say yes, the videos of your outfits from this visit are kept {kept} and "
            "linked to your loyalty card if you tap it, so you can watch them again, take them home "
            "with a QR code and let our staff help you. We never keep measurements of your face or "
            "body. Tap your card again at any time to make the mirror forget you. If you say no, "
            "everything is deleted when you leave."
        ),
        accept="Yes, keep my looks",
        decline="No, thanks",
    ),
    # The question asked right after a tap no longer says "if you tap it".
    ConsentWording(
        version="2026-12.1",
        title="Keep your looks?",
        text=(
            "If you say yes, the videos of your outfits from this visit are kept {kept} and "
            "linked to {card}, so you can watch them again, take them home "
            "with a QR code and let our staff help you. We never keep measurements of your face or "
            "body. Tap your card again at any time to make the mirror forget you. If you say no, "
            "everything is deleted when you leave."
        ),
        accept="Yes, keep my looks",
        decline="No, thanks",
        card_tapped="the loyalty card you just tapped",
        card_not_tapped="your loyalty card if you tap it",
    ),
    # No card reader works: no card to tap, so no card to speak of (nor to forget the shopper by).
    ConsentWording(
        version="2026-12.1-no-reader",
        title="Keep your looks?",
        text=(
            "If you say yes, the videos of your outfits from this visit are kept {kept}, so you can "
            "watch them again, take them home with a QR code and let our staff help you. We never keep "
            "measurements of your face or body. Ask our staff at any time to delete them. If you say "
            "no, everything is deleted when you leave."
        ),
        accept="Yes, keep my looks",
        decline="No, thanks",
    ),
    # Asked before any tap, "Tap your card again" spoke of a tap she had not made; her first tap
    # after a yes ties the looks to the card ("welcome"), only the next one offers "forget me".
    ConsentWording(
        version="2026-12.2",
        title="Keep your looks?",
        text=(
            "If you say yes, the videos of your outfits from this visit are kept {kept} and "
            "linked to {card}, so you can watch them again, take them home "
            "with a QR code and let our staff help you. We never keep measurements of your face or "
            "body. {forget} If you say no, everything is deleted when you leave."
        ),
        accept="Yes, keep my looks",
        decline="No, thanks",
        card_tapped="the loyalty card you just tapped",
        card_not_tapped="your loyalty card if you tap it",
        forget_tapped="Tap your card again at any time to make the mirror forget you.",
        forget_not_tapped="A second tap of your card makes the mirror forget you.",
    ),
    # A yes given before any tap, and never followed by one, ties her looks to no card: no tap can
    # make the mirror forget her, and the question did not say how else. The staff delete such a
    # visit's looks from the associate console (docs/cards.md), as the no-reader question says.
    ConsentWording(
        version="2026-12.3",
        title="Keep your looks?",
        text=(
            "If you say yes, the videos of your outfits from this visit are kept {kept} and "
            "linked to {card}, so you can watch them again, take them home "
            "with a QR code and let our staff help you. We never keep measurements of your face or "
            "body. {forget} If you say no, everything is deleted when you leave."
        ),
        accept="Yes, keep my looks",
        decline="No, thanks",
        card_tapped="the loyalty card you just tapped",
        card_not_tapped="your loyalty card if you tap it",
        forget_tapped="Tap your card again at any time to make the mirror forget you.",
        forget_not_tapped=(
            "A second tap of your card makes the mirror forget you; without a card, ask our staff to "
            "delete your looks."
        ),
    ),
)
# The newest that speaks of a card, and the newest that speaks of none (2026-12.2 and 2026-12.3
# left the no-reader question's words as they were).
WORDING = [w for w in WORDINGS if "card" in w.text][-1]
WORDING_NO_READER = [w for w in WORDINGS if "card" not in w.text][-1]


@dataclass(frozen=True)
class ConsentOffer:
    """What the mirror shows: the question in the version that must be sent back with the answer."""

    session_id: str
    wording_version: str
    title: str
    text: str
    accept_label: str
    decline_label: str
    retention_days: float  # 0: kept until the shopper asks to be forgotten


@dataclass
class _Session:
    decision: str | None = None
    card_key: str | None = None  # the card the session is tied to (after a yes)
    pending_card: str | None = None  # tapped, waiting for the answer
    version: str | None = None  # the wording the yes answered (its looks are kept with it)


class ConsentDesk:
    """Per-session answers in memory, every answer on record; thread-safe."""

    def __init__(
        self,
        directory: CustomerDirectory,
        looks: LookKeeper | None = None,
        retention_days: float = 30.0,
        wording: ConsentWording = WORDING,
        no_reader: ConsentWording = WORDING_NO_READER,
        clock: Callable[[], float] = time.time,
        notify: Callable[[ConsentChanged], None] | None = None,
    ) -> None:
        self.directory = directory
        self.looks = looks
        self.retention_days = retention_days
        self.wording = wording
        self.no_reader = no_reader
        self.clock = clock
        self.notify = notify  # the event bus's emit, in the kiosk
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.RLock()

    def offer(self, session_id: str, card_reader: bool = True, touched: bool = False) -> ConsentOffer | None:
        """The question to show, or None once this session has answered it; ``card_reader``: one works.

        A card tapped since the answer (``card_tapped`` said to ask) is a new wish to keep the
        looks, tied to that card: the question is asked again, whatever the answer was.
        ``touched``: the shopper touched Keep or Share, a wish to keep her looks as clear as a
        tap: after her no the question is asked again (after a yes there is nothing to ask)."""
        with self._lock:
            state = self._session(session_id)
            card = state.pending_card is not None
            if state.decision is not None and not card and not (touched and state.decision == DECLINED):
                return None
        w = self.wording if card_reader or card else self.no_reader
        days = self.retention_days
        kept = f"for {days:g} day{'' if days == 1 else 's'}" if days > 0 else "until you ask the mirror to forget you"
        return ConsentOffer(session_id, w.version, w.title, w.shown(kept, card), w.accept, w.decline,
                            self.retention_days)

    def accept(self, session_id: str, wording_version: str, via: str = "touch") -> None:
        """The shopper said yes to the question of ``wording_version``; ``IdentityError`` when it could not be saved."""
        self._check(wording_version, via)
        with self._lock:
            state = self._session(session_id)
            before = replace(state)
            if state.pending_card:
                state.card_key, state.pending_card = state.pending_card, None
            state.decision, state.version = ACCEPTED, wording_version
            card_key = state.card_key

        def save() -> None:
            # The session's earlier answers are tied to the card in the yes's own transaction: a
            # yes whose record fails leaves none of them tied.
            self._record(session_id, card_key, ACCEPTED, wording_version, via, claim=bool(card_key))

        self._save(session_id, before, (True, card_key), save, wording_version)

    def decline(self, session_id: str, wording_version: str, via: str = "touch") -> None:
        """The shopper said no (after an earlier yes: withdrew it); ``IdentityError`` when it could not be saved."""
        self._check(wording_version, via)
        with self._lock:
            state = self._session(session_id)
            before = replace(state)
            decision = WITHDRAWN if state.decision == ACCEPTED else DECLINED
            card_key = state.card_key
            state.decision, state.card_key, state.pending_card, state.version = DECLINED, None, None, None
        effect = (False, None) if decision == WITHDRAWN else None
        self._save(session_id, before, effect, lambda: self._record(session_id, card_key, decision, wording_version, via),
                   wording_version)

    def _save(self, session_id: str, before: _Session, effect: tuple[bool, str | None] | None,
              record: Callable[[], None], version: str | None, message: str = NOT_SAVED) -> None:
        """Apply ``effect`` (granted, card) to the looks, then ``record``; on failure undo, restore
        ``before`` and raise ``IdentityError(message)``."""
        applied = False
        try:
            if effect is not None:
                self._apply(session_id, effect[0], effect[1], version)
                applied = True
            record()
        except KioskError as exc:
            _log.warning("session %s: the consent answer could not be saved (%s); the shopper is asked again",
                         session_id, exc)
            if applied:
                try:
                    self._apply(session_id, before.decision == ACCEPTED, before.card_key, version)
                except KioskError as undo:
                    _log.error("session %s: undoing an unsaved consent answer failed too (%s)", session_id, undo)
            with self._lock:
                self._sessions[session_id] = before
            raise IdentityError(message) from None

    def is_consented(self, session_id: str | None) -> bool:
        """True when this session's shopper said yes (and has not taken it back)."""
        with self._lock:
            return session_id in self._sessions and self._sessions[session_id].decision == ACCEPTED

    def decision(self, session_id: str) -> str | None:
        with self._lock:
            state = self._sessions.get(session_id)
            return state.decision if state else None

    def owner(self, session_id: str | None) -> str | None:
        """The card key the session's looks belong to, if any."""
        with self._lock:
            state = self._sessions.get(session_id) if session_id else None
            return state.card_key if state else None

    def ties(self) -> list[tuple[str, str]]:
        """(session, card key) of every session in memory whose looks are tied to a card (an ended
        one too, while its last takes land)."""
        with self._lock:
            return [(sid, state.card_key) for sid, state in self._sessions.items() if state.card_key]

    def card_tapped(self, session_id: str, card_key: str) -> str:
        """A customer card was tapped in this session: what the mirror should show next."""
        with self._lock:
            state = self._session(session_id)
            if state.card_key == card_key:
                return STEP_FORGET
            if state.card_key is not None:
                return STEP_OTHER_CARD  # never hand one shopper's looks to another card
            if state.decision != ACCEPTED or state.version == self.no_reader.version:
                # A yes to the question without a card never tied looks to one: ask with the card.
                state.pending_card = card_key
                return STEP_CONSENT
            before = replace(state)
            state.card_key, version = card_key, state.version  # the yes was given before the tap
        # Tied in memory only once tied on record: a tie that never reached the database must not
        # offer "forget me" at the next tap (``IdentityError(TAP_NOT_SAVED)``: tap again).
        self._save(session_id, before, (True, card_key), lambda: self.directory.claim_session(session_id, card_key),
                   version, TAP_NOT_SAVED)
        return STEP_WELCOME

    def look_added(self, look_id: str, session_id: str | None) -> None:
        """A look was recorded: keep it and tie it to the card when the session said yes."""
        if self.looks is None or not self.is_consented(session_id):
            return
        self.looks.set_consent(look_id, True, "customer", self._version(session_id))
        owner = self.owner(session_id)
        if owner:
            self.looks.attach_customer(look_id, owner)

    def settle(self, session_id: str) -> None:
        """Apply the session's yes to every look it has now (a take that landed a moment ago too)."""
        with self._lock:
            state = self._sessions.get(session_id)
            accepted, card_key = (state.decision == ACCEPTED, state.card_key) if state else (False, None)
        if accepted:
            self._apply(session_id, True, card_key, None)

    def end_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def forget_card(self, card_key: str) -> None:
        """Untie the card from any session in progress (its looks and records are deleted elsewhere)."""
        with self._lock:
            for state in self._sessions.values():
                if card_key in (state.card_key, state.pending_card):
                    state.card_key = state.pending_card = None
                    state.decision = state.version = None  # the question may be asked again, from scratch

    # -- internals ----------------------------------------------------------------------------

    def _session(self, session_id: str) -> _Session:
        if not session_id:
            raise IdentityError("there is no session to answer the consent question for")
        return self._sessions.setdefault(session_id, _Session())

    def in_force(self, wording_version: str) -> bool:
        """Whether an answer to the question of ``wording_version`` may be recorded (one this desk asks)."""
        return wording_version in (self.wording.version, self.no_reader.version)

    def _check(self, wording_version: str, via: str) -> None:
        in_force = (self.wording.version, self.no_reader.version)
        if not self.in_force(wording_version):
            raise IdentityError(
                f"the consent text answered (version {wording_version}) is not one in force "
                f"({' or '.join(in_force)}); show the question again"
            )
        if via not in VIA:
            raise IdentityError(f"consent can be given by {', '.join(VIA)}, not {via!r}")

    def _record(self, session_id: str, card_key: str | None, decision: str, version: str, via: str,
                claim: bool = False) -> None:
        record = ConsentRecord(self.clock(), session_id, card_key, PURPOSE, decision, version, via)
        self.directory.record_consent(record, claim=claim)
        _log.info("session %s: consent %s (wording %s, %s)", session_id, decision, version, via)
        if self.notify is not None:
            self.notify(ConsentChanged(session_id=session_id, decision=decision, wording_version=version, card_key=card_key))

    def _apply(self, session_id: str, granted: bool, card_key: str | None, version: str | None) -> None:
        # The library keeps the answer with the session, so takes still to land (or salvaged
        # after a crash) get it too, not only the looks stored so far.
        if self.looks is not None:
            self.looks.set_session_consent(session_id, granted, card_key, version or self._version(session_id))

    def _version(self, session_id: str | None) -> str:
        """The wording this session's yes answered (the one with a card, for a yes given before)."""
        with self._lock:
            state = self._sessions.get(session_id) if session_id else None
            return state.version if state and state.version else self.wording.version
