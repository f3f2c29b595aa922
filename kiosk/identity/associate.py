"""The associate panel a staff card unlocks: the shopper's looks and preferences, with consent.

A staff card's tap unlocks the panel for ``unlock_s`` seconds (``identity.associate_unlock_s``;
tapping again renews it); every call checks it is still unlocked, and the core takes a panel left
open off the screen once it locks (``AssociatePanelClosed``), so nothing of the shopper stays
up for the next one. An associate sees the customer tied to the session, their preferences and
their kept looks only when that shopper said yes on this mirror in this session; otherwise the
view says why there is nothing to show.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.identity.consent import ConsentDesk
from kiosk.identity.directory import Customer, CustomerDirectory
from kiosk.identity.errors import IdentityError
from kiosk.identity.ports import LookKeeper

UNLOCK_S = 120.0


@dataclass(frozen=True)
class AssociateView:
    """What the associate panel shows for a session."""

    session_id: str | None
    consented: bool
    customer: Customer | None  # None: no card tied to the session, or no consent
    looks: list = field(default_factory=list)  # the customer's kept looks, newest first
    note: str = ""  # why nothing is shown, in plain words


class AssociatePanel:
    """Unlocked by a staff card; thread-safe."""

    def __init__(
        self,
        directory: CustomerDirectory,
        consent: ConsentDesk,
        looks: LookKeeper | None,
        unlock_s: float = UNLOCK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self.consent = consent
        self.looks = looks
        self.unlock_s = unlock_s
        self.clock = clock
        self._until = 0.0
        self._staff_role: str | None = None
        self._lock = threading.Lock()

    def unlock(self, staff_role: str) -> None:
        """A staff card was tapped."""
        with self._lock:
            self._until = self.clock() + self.unlock_s
            self._staff_role = staff_role

    def lock(self) -> None:
        with self._lock:
            self._until, self._staff_role = 0.0, None

    @property
    def staff_role(self) -> str | None:
        """The role of the staff card that unlocked the panel, while it is unlocked."""
        with self._lock:
            return self._staff_role if self.clock() < self._until else None

    def view(self, session_id: str | None) -> AssociateView:
        self._require()
        owner = self.consent.owner(session_id)
        if not self.consent.is_consented(session_id):
            return AssociateView(session_id, False, None, note="The shopper has not agreed to keep their looks.")
        if owner is None:
            return AssociateView(session_id, True, None, note="The shopper has not tapped a loyalty card.")
        customer = self.directory.get(owner) or Customer(owner)
        looks = [look for look in self.looks.list(customer_id=owner) if look.consented] if self.looks else []
        return AssociateView(session_id, True, customer, looks)

    def move_look(self, look_id: str, session_id: str | None) -> None:
        """Keep a look of this session for the session's customer (with their consent)."""
        self._require()
        owner = self.consent.owner(session_id)
        if not self.consent.is_consented(session_id) or owner is None:
            raise IdentityError("the shopper has not agreed to keep looks on their card in this session")
        if self.looks is None:
            raise IdentityError("there is no look library on this mirror")
        if look_id not in {look.id for look in self.looks.list(session_id=session_id)}:
            raise IdentityError("that look was not recorded in this session")
        self.looks.set_consent(look_id, True, "customer", self.consent.wording.version)
        self.looks.attach_customer(look_id, owner)

    def _require(self) -> None:
        if self.staff_role is None:
            raise IdentityError("tap a staff card to open the associate panel")
