"""The per-address limit on hellos between mirrors: a real mirror is never refused, a flood is."""

from __future__ import annotations

import pytest

from kiosk.net.hello_limit import HELLO_WINDOW_S, HELLOS_PER_ADDRESS, MAX_ADDRESSES, HelloLimit
from kiosk.net.throttle import Throttled
from kiosk.net.trust import MAX_NONCES, NONCE_TTL_S


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_busy_mirrors_hellos_are_never_refused():
    """For an hour, from one mirror: 20 tablets signed in on it, each refreshing every 3 s (a hello
    to this mirror per refresh), all of them at once on each of its events (one every 10 s), its
    hello round once a minute and a wrong-PIN report every 5 s."""
    clock = Clock()
    limit = HelloLimit(clock)
    start, answered = clock.now, 0
    for step in range(int(3600 / 0.15)):  # the 20 tablets' refreshes, spread over their 3 s
        clock.now = start + step * 0.15
        at_once = 1 + 20 * (step % 67 == 0) + (step % 400 == 0) + (step % 33 == 0)
        for _ in range(at_once):
            limit.take("10.0.0.2")  # raises Throttled if refused
        answered += at_once
    assert answered > 24000


def test_a_flood_of_hellos_from_one_address_is_refused_until_its_oldest_leaves_the_window():
    clock = Clock()
    limit = HelloLimit(clock)
    for _ in range(HELLOS_PER_ADDRESS):
        limit.take("10.0.0.66")
    for _ in range(3):  # refused hellos count nothing: the wait does not grow while the flood goes on
        with pytest.raises(Throttled) as refused:
            limit.take("10.0.0.66")
        assert 0 < refused.value.retry_after <= HELLO_WINDOW_S + 1
        assert str(refused.value) == f"Too many hellos from this address; try again in {refused.value.retry_after} s."
    limit.take("10.0.0.2")  # a mirror at another address is answered meanwhile
    clock.now += HELLO_WINDOW_S + 0.1
    limit.take("10.0.0.66")  # the window moved on: answered again


def test_one_address_holds_a_small_share_of_the_nonces_and_the_book_is_bounded():
    assert HELLOS_PER_ADDRESS * NONCE_TTL_S / HELLO_WINDOW_S <= MAX_NONCES / 6
    clock = Clock()
    limit = HelloLimit(clock)
    for i in range(5000):
        limit.take(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(limit) == MAX_ADDRESSES
