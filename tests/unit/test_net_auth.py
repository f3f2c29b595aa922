"""Bearer tokens, console sign-in and the PIN throttle."""

from __future__ import annotations

import pytest

from kiosk.net.auth import FAILURE_WINDOW_S, MAX_FAILURES, SESSION_S, Auth, Throttled


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    "header,ok",
    [
        ("Bearer tok-123", True),
        ("bearer tok-123", True),
        ("Bearer  tok-123 ", True),
        ("Bearer tok-12", False),
        ("Bearer tok-1234", False),
        ("Basic tok-123", False),
        ("tok-123", False),
        ("Bearer", False),
        ("", False),
        (None, False),
        ("Bearer tök", False),
    ],
)
def test_check_token(header, ok):
    assert Auth("tok-123").check(header) is ok


def test_no_token_means_locked_and_nothing_matches():
    auth = Auth("")
    assert auth.locked
    assert not auth.check("Bearer ")
    assert not auth.check("Bearer x")
    assert not Auth("", pin="1234").locked


def test_pin_sign_in_gives_a_session_that_expires():
    clock = Clock()
    auth = Auth("tok", pin="4321", clock=clock)
    session = auth.sign_in("4321", "10.0.0.5")
    assert session and len(session) >= 40
    assert auth.check(f"Bearer {session}")
    clock.now += SESSION_S + 1
    assert not auth.check(f"Bearer {session}")


def test_sign_out_ends_the_session():
    auth = Auth("tok")
    session = auth.sign_in("tok", "a")
    auth.sign_out(f"Bearer {session}")
    assert not auth.check(f"Bearer {session}")
    assert auth.check("Bearer tok")  # the store token itself stays valid


def test_failed_pins_are_throttled_per_address_and_the_window_passes():
    clock = Clock()
    auth = Auth("tok", pin="4321", clock=clock)
    for _ in range(MAX_FAILURES):
        assert auth.sign_in("0000", "10.0.0.5") is None
    with pytest.raises(Throttled) as info:
        auth.sign_in("4321", "10.0.0.5")  # even the right PIN, while throttled
    assert 0 < info.value.retry_after <= FAILURE_WINDOW_S + 1
    assert auth.sign_in("4321", "10.0.0.6")  # another tablet is not affected
    clock.now += FAILURE_WINDOW_S + 1
    assert auth.sign_in("4321", "10.0.0.5")


def test_empty_pin_never_signs_in():
    auth = Auth("tok", pin="")
    assert auth.sign_in("", "a") is None
