"""'Forget me': delete every look and record tied to a card key."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.identity.directory import CustomerDirectory
from kiosk.identity.ports import LookKeeper

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForgetReport:
    """How much was deleted."""

    looks: int
    customers: int
    consents: int

    def to_dict(self) -> dict:
        return {"looks": self.looks, "customers": self.customers, "consents": self.consents}


def forget_card(card_key: str, directory: CustomerDirectory, looks: LookKeeper | None) -> ForgetReport:
    """Looks first, then the records: if deleting looks fails, the card can be forgotten again."""
    deleted = looks.forget_customer(card_key) if looks is not None else []
    counts = directory.forget(card_key)
    _log.info("forgot a card: %d looks, %d consent records", len(deleted), counts["consents"])
    return ForgetReport(len(deleted), counts["customers"], counts["consents"])
