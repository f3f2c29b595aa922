"""The shopper's comparison on the mirror: picking looks from the tray, the looks side by side, sharing them.

``Comparing`` belongs to the core and, like ``Effects``, runs only on the core thread, so its
fields need no lock. The screen's intents arrive through the core (``KioskCore.pick_look``,
``open_comparison``…); what the screen should show goes out as events (``kiosk.compare.events``):

1. picking: ``start_picking``, then ``pick`` 2 to 4 of the tray's looks, in the order tapped
   (``intents.pick_meaning``), then ``open``;
2. open: each look becomes a pane from the library with its stored yaw track (a look stored
   without one plays by time and says so), the panes are laid out at one height
   (``compare.layout``), and a ``CompareSession`` decodes their scrub proxies on its own thread;
   ``ComparisonOpened`` hands the screen that session, whose ``frames(angle)`` the screen's frame
   pump reads. Nothing here decodes, and nothing on the UI thread reads the library;
3. a swipe turns it (``CompareTurn``); dragging is the screen's own, like scrubbing a replay;
4. share: every look must be consented, else the consent question comes first and the share
   goes ahead on a yes; the comparisons part renders the video in the background
   (``CompareShareProgress`` says so meanwhile) and, when ``ComparisonChanged`` says it is
   ready, the network part makes the link: ``ShareShown(kind="comparison")``;
5. close: the shopper closes it, a look in it leaves the tray (deleted, forgotten), or the
   session ends, which also drops a share still being made: the next shopper never sees this
   one's code. Withdrawn consent drops a share being made too (the library deletes the
   comparisons of looks no longer kept). A share still being made when the shopper closes its comparison is parked: its
   code is shown only with its own comparison (a later Share of the same looks), never over
   another one opened meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.compare.events import (
    ComparePane,
    ComparePicksChanged,
    CompareShareProgress,
    CompareTurn,
    ComparisonChanged,
    ComparisonClosed,
    ComparisonOpened,
)
from kiosk.compare.layout import pane_box, pane_layout
from kiosk.errors import CompareQueueFull, KioskError
from kiosk.events import Notice, ShareShown, TrayChanged
from kiosk.intents import MAX_PICKS, TURN_STEP_DEG, Meaning, pick_meaning, share_meaning
from kiosk.parts import Parts
from kiosk.share_consent import LastCode, ShareAfterConsent, share_refused

_log = logging.getLogger(__name__)

MIN_PICKS = 2
# The scrub proxies' share of the 300 MB the comparison may add; the rest is the screen's video
# frames and textures and the decoder's own buffers.
PROXY_MEMORY_MB = 250.0
MAKING = "Making your comparison video… the code to scan appears here when it is ready."
MAKE_FAILED = "The comparison video could not be started just now. Please try again in a moment."
# The looks were found but their panes could not be set up side by side (a video unreadable after
# all, too little memory for them): why names files, so it is the journal's.
OPEN_FAILED = "Sorry, these looks cannot be compared right now. Please try again in a moment."
# A look stored without a body-angle track (or analysed without finding one), in a shopper's words:
# short enough for a pane's foot. The console says it its own way (the API's ``unaligned_reason``).
NO_TRACK = "Plays from the start: not lined up by its turn"
# Share before the looks are kept brings the consent question: this says why, above it.
SHARE_KEEPS_FIRST = "To take this comparison home, the mirror must keep your looks first."


class _Unplayable(Exception):
    """The look picked ``number``-th cannot be opened (``reason`` for the log)."""

    def __init__(self, number: int, reason: str) -> None:
        super().__init__(reason)
        self.number, self.reason = number, reason


@dataclass(frozen=True)
class _Open:
    look_ids: tuple[str, ...]
    session: object  # kiosk.compare.session.CompareSession


class Comparing:
    """Picks, the open comparison and its share; one instance per core, core thread only."""

    def __init__(self, parts: Parts, clock=time.time) -> None:
        self._parts = parts
        self._clock = clock
        self._tray: tuple[str, ...] = ()
        self._picking = False
        self._picks: tuple[str, ...] = ()
        self._open: _Open | None = None
        # The looks of a comparison to share once the shopper says yes.
        self._share_after_consent: ShareAfterConsent[tuple[str, ...]] = ShareAfterConsent(
            lambda sid: self._parts.identity.ask_consent(sid, touched=True), self._notice, SHARE_KEEPS_FIRST,
            "Comparisons can only be shared when you agree to keep your looks.")
        self._waiting: tuple[str, tuple[str, ...]] | None = None  # (comparison id, its looks) being rendered
        self._parked: dict[str, tuple[str, ...]] = {}  # renders whose comparison closed first: id → its looks
        self._rendered: dict[tuple[str, ...], str] = {}  # this session's ready comparisons
        self._last_code: LastCode[ShareShown] = LastCode()  # a double tap on Share shows it again

    @property
    def is_open(self) -> bool:
        return self._open is not None

    # -- the tray and picking -------------------------------------------------------------------

    def tray_changed(self, event: TrayChanged) -> None:
        """The shopper's looks changed: picks, an open comparison and a share being made keep only looks still there."""
        self._tray = tuple(look.id for look in event.looks) + tuple(look.id for look in event.kept)
        if any(i not in self._tray for i in self._picks):
            self._set_picks(self._picking, tuple(i for i in self._picks if i in self._tray))
        # its comparison went with the look, and the renderer never reports on a deleted one
        self._drop_shares(lambda _, looks: any(i not in self._tray for i in looks))
        if self._open is not None and any(i not in self._tray for i in self._open.look_ids):
            self.close()
            self._notice("A look in the comparison was deleted, so the comparison closed.")

    def forgotten(self) -> None:
        """The mirror forgot the shopper ("forget me", or store IT's ``kiosk customers forget``): a
        comparison of looks that went with her closes without a word of its own. "Done. The mirror
        has forgotten you" says why; "A look in the comparison was deleted" under it read as if
        something had gone wrong."""
        if self._open is not None and any(self._parts.studio.find(i) is None for i in self._open.look_ids):
            self.close()

    def consent_withdrawn(self) -> None:
        """The shopper took their yes back: the library deleted the comparisons of their looks, so none is shared."""
        def unkept(_: str, look_ids: tuple[str, ...]) -> bool:
            return not all((look := self._parts.studio.find(i)) is not None and look.consented for i in look_ids)

        if self._drop_shares(unkept):
            self._notice("You chose not to keep your looks, so the comparison video was not made.")

    def _drop_shares(self, gone: Callable[[str, tuple[str, ...]], bool]) -> bool:
        """Forget the shares (being made, parked, ready) whose comparison is ``gone(id, looks)``:
        the renderer says nothing more of a deleted comparison. True when the one being made went
        (its note is cleared)."""
        self._parked = {c: looks for c, looks in self._parked.items() if not gone(c, looks)}
        self._rendered = {looks: c for looks, c in self._rendered.items() if not gone(c, looks)}
        if self._waiting is None or not gone(*self._waiting):
            return False
        self._waiting = None
        self._progress("")
        return True

    def start_picking(self) -> None:
        if len(self._tray) < MIN_PICKS:
            self._notice("Record at least two looks to compare them side by side.")
            return
        self._set_picks(True, ())

    def pick(self, look_id: str) -> None:
        """A tap on a look while picking: it joins the comparison, or leaves it."""
        if not self._picking:
            return
        meaning = pick_meaning(look_id in self._picks, look_id in self._tray, len(self._picks))
        if meaning is Meaning.UNPICK:
            self._set_picks(True, tuple(i for i in self._picks if i != look_id))
        elif meaning is Meaning.PICK:
            self._set_picks(True, self._picks + (look_id,))
        elif meaning is Meaning.PICKS_FULL:
            self._notice(f"At most {MAX_PICKS} looks fit side by side.")

    def cancel_picking(self) -> None:
        if self._picking or self._picks:
            self._set_picks(False, ())

    # -- the comparison on screen ---------------------------------------------------------------

    def open(self, area: tuple[int, int]) -> None:
        """Show the picked looks side by side in ``area`` (the screen's pane area, in pixels)."""
        look_ids = self._picks
        if len(look_ids) < MIN_PICKS:
            self._notice("Pick at least two looks to compare.")
            return
        if any(i not in self._tray for i in look_ids):
            return
        if self._vanished(look_ids):  # the tray that follows drops it from the picks
            self._notice("A look you picked was deleted. Pick another one to compare.")
            return
        self.close()
        try:
            panes = self._make_panes(list(look_ids))
        except _Unplayable as exc:
            # The reason names files and ids: for store IT (the log), not the shopper.
            _log.warning("cannot compare look %s: %s", look_ids[exc.number - 1], exc.reason)
            self._notice(f"Sorry, look {exc.number} cannot be played, so these looks cannot be compared.")
            return
        try:
            rects = pane_layout([p.aspect for p in panes],
                                (max(int(area[0]), 16), max(int(area[1]), 16)))
            session = self._session(panes, pane_box(rects))
        except KioskError as exc:
            _log.warning("cannot compare looks %s: %s", ", ".join(look_ids), exc)
            self._notice(OPEN_FAILED)
            return
        session.start()
        self._open = _Open(look_ids, session)
        self._set_picks(False, ())
        now = self._clock()
        views = tuple(self._pane_view(i + 1, look_id, pane, rect, now)
                      for i, (look_id, pane, rect) in enumerate(zip(look_ids, panes, rects)))
        _log.info("comparing %d looks (%s)", len(look_ids), ", ".join("angle" if p.angle_map else "time" for p in panes))
        self._parts.bus.emit(ComparisonOpened(look_ids=look_ids, panes=views, session=session,
                                              area=(int(area[0]), int(area[1])), by_angle=session.by_angle))

    def close(self) -> None:
        if self._open is None:
            return
        shown, self._open = self._open, None
        self._share_after_consent.drop()
        if self._waiting is not None:
            # Its code belongs with this comparison only: kept for a later Share of these looks.
            comparison_id, look_ids = self._waiting
            self._parked[comparison_id] = look_ids
            self._waiting = None
            self._progress("")
        shown.session.stop()
        self._parts.bus.emit(ComparisonClosed())

    def turn(self, meaning: Meaning) -> None:
        """A swipe while the comparison is open."""
        if self._open is not None:
            self._parts.bus.emit(CompareTurn(delta_deg=TURN_STEP_DEG if meaning is Meaning.TURN_RIGHT else -TURN_STEP_DEG))

    # -- sharing --------------------------------------------------------------------------------

    def share(self, session_id: str | None) -> None:
        """"Share this comparison": a QR code once its video is made, asking for consent first if needed."""
        if self._open is None:
            return
        look_ids = self._open.look_ids
        looks = [self._parts.studio.find(i) for i in look_ids]
        found = all(look is not None for look in looks)
        if not found and self._vanished(look_ids):
            return  # the tray that follows closes the comparison and says why
        meaning = share_meaning(found, found and all(look.consented for look in looks))
        if meaning is Meaning.ASK_CONSENT_THEN_SHARE:
            self._share_after_consent.ask(look_ids, session_id)
            return
        if meaning is not Meaning.SHARE:
            return
        if look_ids in self._rendered:
            self._link(self._rendered[look_ids])
            return
        if self._waiting is not None and self._waiting[1] == look_ids:
            self._progress(MAKING)
            return
        parked = next((c for c, looks in self._parked.items() if looks == look_ids), None)
        if parked is not None:  # shared before, closed while its video was being made
            self._waiting = (parked, self._parked.pop(parked))
            self._progress(MAKING)
            return
        try:
            comparison = self._parts.comparisons.submit(list(look_ids), "angle")
        except CompareQueueFull as exc:  # its own words are plain: how many wait, when to try again
            self._notice(str(exc))
            return
        except KioskError as exc:  # a database's or a file's words: the journal's, not hers
            _log.warning("the comparison video could not be started: %s", exc)
            self._notice(MAKE_FAILED)
            return
        self._waiting = (comparison.id, look_ids)
        self._progress(MAKING)

    def comparison_changed(self, event: ComparisonChanged) -> None:
        """The renderer moved on: the waiting comparison's link, or why there is none."""
        if event.state == "deleted":  # by the store (the API): nothing more will be said of it
            if self._drop_shares(lambda c, _: c == event.comparison_id):
                self._notice("Sorry, the video of this comparison was removed. Tap Share to make it again.")
            return
        if event.comparison_id in self._parked and event.state in ("ready", "failed"):
            look_ids = self._parked.pop(event.comparison_id)
            if event.state == "ready":  # no code now: its comparison is not on screen
                self._rendered[look_ids] = event.comparison_id
            return
        if self._waiting is None or event.comparison_id != self._waiting[0]:
            return
        if event.state == "ready":
            comparison_id, look_ids = self._waiting
            self._waiting = None
            self._rendered[look_ids] = comparison_id
            self._progress("")
            if self._open is not None and self._open.look_ids == look_ids:  # never over another comparison
                self._link(comparison_id)
        elif event.state == "failed":
            self._waiting = None
            self._progress("")
            # The reason is for store IT (the log, health's compare check), not the shopper.
            self._notice("Sorry, the video of this comparison could not be made. Tap Share to try again.")

    def prompt_closed(self, answer: str, session_id: str | None) -> None:
        """The consent question left the screen: a share waiting for a yes goes ahead, or is dropped."""
        if self._share_after_consent.answered(answer):
            self.share(session_id)

    def session_ended(self) -> None:
        """The shopper left: nothing of theirs stays on screen or turns up later."""
        self.close()
        self._set_picks(False, ())
        self._share_after_consent.drop()
        if self._waiting is not None:
            self._waiting = None
            self._progress("")
        self._parked.clear()
        self._rendered.clear()
        self._last_code.forget()
        self._tray = ()

    # -- helpers --------------------------------------------------------------------------------

    def _make_panes(self, look_ids: list[str]):
        from kiosk.compare.panes import Analysed, PaneMaker
        from kiosk.compare.track import YawTrack

        def no_track(video, rotation) -> Analysed:
            # No analysis on the mirror's own time: a look stored without a track plays by time.
            return Analysed(YawTrack.from_entries([]), None, True)

        # A look the renderer found no person in plays by time here too, as before it was analysed
        # (only the shared video refuses it): the shopper picked it from the tray, it plays.
        maker = PaneMaker(no_track, self._parts.library, self._parts.config.display.rotation, person_required=False)
        located = []
        for number, look_id in enumerate(look_ids, 1):  # the number each pick shows in the tray
            try:
                located.append(maker.locate(look_id))
            except KioskError as exc:
                raise _Unplayable(number, str(exc)) from None
        return [maker.make(found) for found in located]

    def _session(self, panes, box: tuple[int, int]):
        from kiosk.compare.session import CompareSession, SessionSettings

        settings = SessionSettings(pane_box=box, memory_mb=PROXY_MEMORY_MB, pixel_format="yuv420p")
        return CompareSession(panes, settings)

    def _pane_view(self, number: int, look_id: str, pane, rect, now: float) -> ComparePane:
        hint = partial = ""
        if pane.angle_map is None:
            hint = f"Plays by time: {pane.unaligned}" if len(pane.track) else NO_TRACK
        elif pane.angle_map.partial:
            partial = f"Turns only {pane.angle_map.coverage_deg:.0f}°: nearest view"
        label = when_recorded(pane.recorded_at, now) if pane.recorded_at is not None else f"Look {number}"
        return ComparePane(look_id=look_id, number=number, label=label, note=pane.note, hint=hint,
                           partial_hint=partial, x=rect.x, y=rect.y, width=rect.width, height=rect.height)

    def _vanished(self, look_ids) -> bool:
        """Whether a look of ``look_ids`` was deleted while the tray still listed it (``kiosk looks
        delete``, another process): the studio publishes the tray again without it."""
        return any(self._parts.studio.vanished(i) for i in look_ids)  # the first publishes the tray without them all

    def _set_picks(self, picking: bool, picks: tuple[str, ...]) -> None:
        if (picking, picks) != (self._picking, self._picks):
            self._picking, self._picks = picking, picks
            self._parts.bus.emit(ComparePicksChanged(picking=picking, look_ids=picks))

    def _link(self, comparison_id: str) -> None:
        """The comparison's code on the screen: a new link, or the one just made (the single-look Share's rule)."""
        again = self._last_code.again(comparison_id, time.monotonic())
        if again is not None:
            self._parts.bus.emit(again)  # a double tap: the same code again, not a second link
            return
        try:
            link = self._parts.network.share_comparison(comparison_id)
        except KioskError as exc:
            _log.warning("comparison %s could not be shared: %s", comparison_id, exc)
            self._notice(share_refused(self._parts.network))
            return
        shown = ShareShown(look_id=comparison_id, url=link.url, expires_at=link.expires_at,
                           qr_png=link.qr_png, kind="comparison", share_id=link.share_id)
        self._last_code.made(comparison_id, shown, time.monotonic())
        self._parts.bus.emit(shown)

    def _progress(self, text: str) -> None:
        self._parts.bus.emit(CompareShareProgress(text=text))

    def _notice(self, text: str) -> None:
        self._parts.bus.emit(Notice(text=text, topic="compare"))


def when_recorded(created: float, now: float) -> str:
    """A look's time for its pane: "Today 14:32", "Yesterday 09:05" or "3 Mar 18:20"."""
    at, today = datetime.fromtimestamp(created), datetime.fromtimestamp(now).date()
    if at.date() == today:
        return f"Today {at:%H:%M}"
    if at.date() == today - timedelta(days=1):
        return f"Yesterday {at:%H:%M}"
    return f"{at.day} {at:%b %H:%M}"

