"""What the identity layer needs from its neighbours, as structural types.

``LookKeeper`` is the part of the look library (``kiosk.library.Library``) used here: a
session's answer is kept for its looks, stored and still to come, with the shopper's card key
as ``customer_id``, and "forget me" deletes every look of a card key. ``CardReader`` is a started/stopped device adapter that
reports card and reader events (``hardware.card_reader_serial.SerialCardReader``); the core only
relies on the events' attributes, never on ``hardware`` types (``kiosk.ports.CardReader``).
"""

from __future__ import annotations

from typing import Any, Protocol


class LookRow(Protocol):
    id: str

    @property
    def consented(self) -> bool: ...


class LookKeeper(Protocol):
    def list(self, session_id: str | None = None, customer_id: str | None = None) -> list[LookRow]: ...

    def set_consent(self, look_id: str, granted: bool, by: str = "customer", wording: str | None = None) -> Any: ...

    def attach_customer(self, look_id: str, customer_id: str | None) -> Any: ...

    def set_session_consent(
        self, session_id: str, granted: bool, customer_id: str | None = None, wording: str | None = None
    ) -> Any: ...

    def forget_customer(self, customer_id: str) -> list[str]: ...
