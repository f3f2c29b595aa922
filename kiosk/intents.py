"""What the shopper's touchless gestures, the Share button and a tap on a look to compare mean right now: pure decisions.

The core asks these functions and carries out the answer; they read nothing but their
arguments, so they are tested with tables.
"""

from __future__ import annotations

import enum


class Meaning(str, enum.Enum):
    """What the core does for a gesture or a Share tap."""

    CONSENT_YES = "consent-yes"
    CONSENT_NO = "consent-no"
    TOGGLE_RECORDING = "toggle-recording"
    TRAY_OLDER = "tray-older"
    TRAY_NEWER = "tray-newer"
    TURN_LEFT = "turn-left"  # the open comparison turns back by one step
    TURN_RIGHT = "turn-right"
    PICK = "pick"
    UNPICK = "unpick"
    PICKS_FULL = "picks-full"
    SHARE = "share"
    ASK_CONSENT_THEN_SHARE = "ask-consent-then-share"
    NOTHING = "nothing"


MAX_PICKS = 4  # panes side by side on a portrait mirror
TURN_STEP_DEG = 45.0  # one swipe turns an open comparison by this much
# Share on the look (or the comparison) whose link was made this long ago or less is the same tap again (a
# double tap, or taps queued while the core made the link): its code is shown again, and no second link is made.
SHARE_AGAIN_S = 2.0


def gesture_meaning(gesture: str, asking: bool, comparing: bool = False) -> Meaning:
    """A hand held up answers yes while the consent question is shown, else starts/stops a take;
    a swipe answers no while asked, else turns an open comparison, else moves through the looks
    tray (left: older)."""
    if gesture == "raise_hand":
        return Meaning.CONSENT_YES if asking else Meaning.TOGGLE_RECORDING
    if gesture in ("swipe_left", "swipe_right"):
        if asking:
            return Meaning.CONSENT_NO
        if comparing:
            return Meaning.TURN_LEFT if gesture == "swipe_left" else Meaning.TURN_RIGHT
        return Meaning.TRAY_OLDER if gesture == "swipe_left" else Meaning.TRAY_NEWER
    return Meaning.NOTHING


def tray_target(ids: list[str], playing: str, delta: int) -> str | None:
    """The look a swipe (or an arrow) opens from the tray ``ids`` (newest first): from the one
    ``playing``, the next older (+1) or newer (-1), round the tray's ends, so that a step shows
    another look wherever there is one (the gesture ring promises "Next look"); from the live
    mirror, the newest. None with an empty tray."""
    if not ids:
        return None
    if playing not in ids:
        return ids[0]
    return ids[(ids.index(playing) + delta) % len(ids)]


def pick_meaning(picked: bool, in_tray: bool, count: int) -> Meaning:
    """A tap on a look while picking looks to compare: unpick it, pick it, or say four is the most."""
    if picked:
        return Meaning.UNPICK
    if not in_tray:
        return Meaning.NOTHING
    return Meaning.PICK if count < MAX_PICKS else Meaning.PICKS_FULL


def share_meaning(look_found: bool, consented: bool) -> Meaning:
    """The Share button: a consented look (or a comparison of consented looks: all found, all
    consented) is shared; otherwise the shopper is asked first."""
    if not look_found:
        return Meaning.NOTHING
    return Meaning.SHARE if consented else Meaning.ASK_CONSENT_THEN_SHARE


def shares_again(last_look: str | None, made_at: float, look_id: str, now: float) -> bool:
    """Whether Share on ``look_id`` (a look's, or a comparison's id) at ``now`` asks again for the link last
    made (for ``last_look``, at ``made_at``; monotonic seconds both) rather than for a new one."""
    return last_look == look_id and 0 <= now - made_at <= SHARE_AGAIN_S
