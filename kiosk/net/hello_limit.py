"""How many hellos between mirrors one client address gets answered (``/api/v1/peer/hello``).

The hello is open to anyone: that is how a mirror proves itself to another. Each one costs this
mirror proof work (two HMACs and a random nonce) and a place in the bounded table of nonces it
issued (``trust.MAX_NONCES``, each kept ``trust.NONCE_TTL_S``). Unlimited, anyone on the LAN
could make the mirror do that work as fast as they can send, and push the other mirrors' nonces
out of the table. So hellos are counted per client address as wrong PINs are
(``throttle.FailureBook``: a sliding window, a bounded table of addresses), every one of them:
past ``HELLOS_PER_ADDRESS`` within ``HELLO_WINDOW_S`` the address is answered 429 with
``Retry-After`` (no proof, no nonce) until its oldest hello leaves the window. Refused hellos are
not counted, so a sender that keeps on is answered again as soon as it is under the limit.

A real mirror stays far below it: its consoles say hello to each other mirror once per refresh,
every 3 s per signed-in tablet (20 tablets on one mirror: about 7 a second, 35 in the window), its
hello round about once a minute, its wrong-PIN reports once per round; ``kiosk discover`` once
per pass. One address then holds at most ``HELLOS_PER_ADDRESS * NONCE_TTL_S / HELLO_WINDOW_S``
(600) of the 4096 nonces. Like every per-address count, it does not stop a sender with many
addresses (each gets its own share; past ``MAX_ADDRESSES`` the book forgets the oldest), and a
refused hello still costs the HTTP request itself: the server's own limits bound those
(``http_server``: connections per address and in all).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.net.throttle import FailureBook, Throttled
from kiosk.words import duration

HELLOS_PER_ADDRESS = 100  # hellos answered per client address...
HELLO_WINDOW_S = 5.0  # ...within this many seconds
MAX_ADDRESSES = 256  # a store has a handful of mirrors; more addresses only make the book forget the oldest


class HelloLimit(FailureBook):
    """Hellos answered per client address; ``take`` counts one, or refuses past the limit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__("hellos", HELLOS_PER_ADDRESS, HELLO_WINDOW_S, MAX_ADDRESSES, clock)

    def refusal(self, retry_after: int) -> Throttled:
        return Throttled(retry_after, message=f"Too many hellos from this address; try again in {duration(retry_after)}.")
