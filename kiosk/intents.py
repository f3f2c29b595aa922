"""What the shopper's touchless gestures and the Share button mean right now: pure decisions.

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
    SHARE = "share"
    ASK_CONSENT_THEN_SHARE = "ask-consent-then-share"
    NOTHING = "nothing"


def gesture_meaning(gesture: str, asking: bool) -> Meaning:
    """A hand held up answers yes while the consent question is shown, else starts/stops a take;
    a swipe answers no while asked, else moves through the looks tray (left: older)."""
    if gesture == "raise_hand":
        return Meaning.CONSENT_YES if asking else Meaning.TOGGLE_RECORDING
    if gesture in ("swipe_left", "swipe_right"):
        if asking:
            return Meaning.CONSENT_NO
        return Meaning.TRAY_OLDER if gesture == "swipe_left" else Meaning.TRAY_NEWER
    return Meaning.NOTHING


def share_meaning(look_found: bool, consented: bool) -> Meaning:
    """The Share button: a consented look is shared; otherwise the shopper is asked first."""
    if not look_found:
        return Meaning.NOTHING
    return Meaning.SHARE if consented else Meaning.ASK_CONSENT_THEN_SHARE
