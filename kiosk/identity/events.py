"""Events of the identity layer on the core's ``EventBus``; none carries a raw card number."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.events import Event

# What the mirror should show after a tap (``CardTapped.next_step``).
STEP_CONSENT = "consent"  # ask the consent question (the card is attached on "yes")
STEP_WELCOME = "welcome"  # consent already given: the card is now attached, greet by first name
STEP_FORGET = "forget"  # the card attached to this session was tapped again: offer "forget me"
STEP_OTHER_CARD = "other-card"  # this session's looks already belong to another card: nothing changed
STEP_ASSOCIATE = "associate"  # a staff card: open the associate panel
STEP_NONE = "none"  # no session to attach to (the mirror is asleep)


@dataclass(frozen=True)
class CardTapped(Event):
    """A card was tapped; ``card_key`` is its keyed hash, ``first_name`` None when unknown."""

    card_key: str
    first_name: str | None
    known: bool
    staff_role: str | None
    session_id: str | None
    next_step: str
    protocol: str
    # Her "forget me" is still to finish (a database was locked): the card is tied to nothing, and
    # "forget me" is offered again; such a tap never names her outside the mirror.
    forgetting: bool = False

    @property
    def staff(self) -> bool:
        return bool(self.staff_role)

    @property
    def customer_id(self) -> str:
        """The card key is the customer id of the look library and the network layer."""
        return self.card_key

    @property
    def tied(self) -> bool:
        """True when the card is tied to this session's yes: just now (a yes before the tap) or
        before (the tied card tapped again). Only then may the tap name the customer outside the mirror."""
        return (self.session_id is not None and not self.forgetting
                and self.next_step in (STEP_WELCOME, STEP_FORGET))


@dataclass(frozen=True)
class CardPresented(Event):
    """A card was put on the reader; ``card_key`` is its keyed hash (the raw UID stops at the reader)."""

    card_key: str
    protocol: str


@dataclass(frozen=True)
class CardRemoved(Event):
    """The card left the reader."""

    card_key: str


@dataclass(frozen=True)
class ReaderStateChanged(Event):
    """The card reader connected, was lost or stopped; ``reason`` is plain words."""

    state: str
    reason: str
    protocol: str | None


@dataclass(frozen=True)
class ConsentChanged(Event):
    """The shopper answered the consent question (accepted, declined or withdrawn)."""

    session_id: str
    decision: str
    wording_version: str
    card_key: str | None


@dataclass(frozen=True)
class CustomerForgotten(Event):
    """Everything tied to a card was deleted at the shopper's request: her "forget me" at the mirror,
    or store IT's ``kiosk customers forget`` beside it, which the running mirror follows."""

    card_key: str
    looks_deleted: int
    records_deleted: int
    # the visit she asked in (None: none, or store IT's command for a visit already over): a forget
    # that finished late, another shopper at the mirror by then, must not change that shopper's screen
    session_id: str | None = None


@dataclass(frozen=True)
class CustomerForgetting(Event):
    """Her "forget me" could not finish (a database locked by another program) and is tried again:
    what names her outside the mirror's own databases (the webhook's waiting entries) goes now, not
    only once the rest is done, or after a restart never."""

    card_key: str
    session_id: str | None = None  # the visit she asked in: its screen no longer shows her yes


@dataclass(frozen=True)
class AssociatePanelShown(Event):
    """A staff card opened the associate panel; ``panel`` holds what it shows (plain values).

    ``follow_up``: new contents for the panel already open (the shopper's looks changed); a panel
    closed meanwhile stays closed.
    """

    panel: dict
    follow_up: bool = False


# Why the associate panel left the screen without the associate's Close (``AssociatePanelClosed.reason``).
PANEL_EXPIRED = "expired"  # its unlock ran out (``identity.associate_unlock_s`` after the staff card's tap)
PANEL_SESSION_ENDED = "session ended"  # the shopper left, or the session was ended
PANEL_FORGOTTEN = "forgotten"  # the shopper had the mirror forget them


@dataclass(frozen=True)
class AssociatePanelClosed(Event):
    """The associate panel's unlock ended: the screen takes it down and forgets what it showed."""

    reason: str
