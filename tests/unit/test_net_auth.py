"""Bearer tokens, roles, console sign-in and the throttles on PINs and tokens."""

from __future__ import annotations

import pytest

from kiosk.net.auth import (
    ADMIN,
    ASSOCIATE,
    FAILURE_WINDOW_S,
    MAX_ADMIN_SESSIONS,
    MAX_FAILURES,
    MAX_SESSIONS,
    MAX_SESSIONS_PER_ADDRESS,
    SESSION_S,
    Auth,
    Throttled,
    api_token,
)
from kiosk.errors import NetServiceError
from kiosk.net.throttle import (
    DAY,
    FAILURE_WINDOW_ALL_S,
    FAILURE_WINDOW_DAY_S,
    MAX_FAILURES_ALL,
    MAX_FAILURES_DAY,
    PAUSE_S,
    FailureBook,
)


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


def test_a_session_that_ends_is_told_by_its_key_never_its_token():
    clock = Clock()
    ended = []
    auth = Auth("tok", pin="4321", clock=clock, on_end=ended.append)
    out, expiring, kept = (auth.sign_in("4321", "a") for _ in range(3))
    keys = {s: auth.session_key(f"Bearer {s}") for s in (out, expiring, kept)}
    assert len(set(keys.values())) == 3 and all(k and s not in k for s, k in keys.items())
    assert auth.session_key("Bearer tok") is None  # the store's token is no session: nothing ends it

    auth.sign_out(f"Bearer {out}")
    assert ended == [keys[out]] and not auth.still_valid(f"Bearer {out}")
    auth.sign_out(f"Bearer {out}")
    auth.sign_out("Bearer tok")
    assert ended == [keys[out]]  # nothing more ended
    assert auth.still_valid(f"Bearer {expiring}") and auth.still_valid("Bearer tok")

    clock.now += SESSION_S + 1
    assert not auth.still_valid(f"Bearer {expiring}")  # expired, before anything swept it
    auth.check("Bearer someone-elses")  # a sweep tells the listener about the expired sessions
    assert sorted(ended[1:]) == sorted([keys[expiring], keys[kept]])
    assert auth.still_valid("Bearer tok") and not auth.still_valid(None) and not auth.still_valid("Bearer nope")


def test_a_session_dropped_for_room_is_ended_too():
    clock = Clock()
    ended = []
    auth = Auth("tok", pin="4321", clock=clock, on_end=ended.append)
    first = auth.sign_in("4321", "a")
    clock.now += 1
    for _ in range(MAX_SESSIONS_PER_ADDRESS):
        auth.sign_in("4321", "a")
    assert ended == [auth.session_key(f"Bearer {first}")]  # the address's own oldest made room


def _live(auth: Auth, sessions: list[str]) -> int:
    return sum(auth.still_valid(f"Bearer {s}") for s in sessions)


def test_pin_sign_ins_from_one_address_push_out_neither_the_store_token_nor_another_tablet():
    clock = Clock()
    ended = []
    auth = Auth("tok", pin="4321", clock=clock, on_end=ended.append)
    manager = auth.sign_in("tok", "10.0.0.2")
    tablet = auth.sign_in("4321", "10.0.0.3")
    clock.now += 1
    script = []
    for _ in range(MAX_SESSIONS + MAX_ADMIN_SESSIONS + 10):  # a leaked PIN signing in over and over
        script.append(auth.sign_in("4321", "10.0.0.66"))
        clock.now += 0.001
    assert auth.role(f"Bearer {manager}") == ADMIN
    assert auth.role(f"Bearer {tablet}") == ASSOCIATE
    assert _live(auth, script) == MAX_SESSIONS_PER_ADDRESS  # the script's address keeps its newest ones
    assert all(auth.still_valid(f"Bearer {s}") for s in script[-MAX_SESSIONS_PER_ADDRESS:])
    assert len(ended) == len(script) - MAX_SESSIONS_PER_ADDRESS  # what ended was the script's own


def test_a_script_signing_in_from_many_addresses_ends_its_own_sign_ins_before_the_tablets():
    clock = Clock()
    auth = Auth("tok", pin="4321", clock=clock)
    manager = auth.sign_in("tok", "10.0.0.2")
    tablets = [auth.sign_in("4321", f"10.0.0.{n}") for n in range(3, 13)]  # the shift starts
    clock.now += 30
    tablets[0] = auth.sign_in("4321", "10.0.0.3")  # one tablet's tab was closed: it signed in again
    clock.now += 30
    spread = [f"10.0.{n // 250 + 1}.{n % 250 + 1}" for n in range(MAX_SESSIONS + 200)]
    for many_times in (MAX_SESSIONS_PER_ADDRESS, 1):  # as many as each address may keep, then one each
        for address in spread[: (MAX_SESSIONS + 200) // many_times]:
            for _ in range(many_times):
                auth.sign_in("4321", address)
                clock.now += 0.001
        assert auth.role(f"Bearer {manager}") == ADMIN
        assert _live(auth, tablets) == len(tablets), many_times  # every tablet keeps its sign-in


def test_store_token_sign_ins_make_room_among_themselves():
    clock = Clock()
    auth = Auth("tok", pin="4321", clock=clock)
    tablet = auth.sign_in("4321", "10.0.0.3")
    admins = [auth.sign_in("tok", "10.0.0.2")]
    clock.now += 1
    for n in range(MAX_ADMIN_SESSIONS + 5):
        admins.append(auth.sign_in("tok", f"10.0.1.{n + 1}"))
    assert _live(auth, admins) == MAX_ADMIN_SESSIONS  # 6 store-token sign-ins ended
    assert auth.still_valid(f"Bearer {admins[0]}")  # the latest comers' (they too hold as many), not the first
    assert auth.role(f"Bearer {tablet}") == ASSOCIATE  # and no PIN sign-in


def test_expired_sign_ins_are_forgotten_before_room_is_made():
    clock = Clock()
    ended = []
    auth = Auth("tok", pin="4321", clock=clock, on_end=ended.append)
    old = [auth.sign_in("4321", "a") for _ in range(MAX_SESSIONS_PER_ADDRESS)]
    clock.now += SESSION_S + 1
    fresh = [auth.sign_in("4321", "a") for _ in range(MAX_SESSIONS_PER_ADDRESS)]
    assert _live(auth, fresh) == MAX_SESSIONS_PER_ADDRESS
    assert sorted(ended) == sorted(auth.session_key(f"Bearer {s}") for s in old)  # each told once


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


def test_wrong_pins_from_many_addresses_pause_every_pin_sign_in(caplog):
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    for i in range(MAX_FAILURES_ALL):  # two guesses per address: far below the per-address limit
        assert auth.sign_in(f"{i:06d}", f"10.0.1.{i // 2}") is None
    with pytest.raises(Throttled) as info:
        auth.sign_in("482913", "10.0.2.1")  # a new address, and the right PIN: refused all the same
    assert "paused for the whole store" in str(info.value) and PAUSE_S - 1 <= info.value.retry_after <= PAUSE_S + 1
    state = auth.pin_pause()
    assert state.paused_for_s > 0 and state.pauses == 1 and state.addresses == MAX_FAILURES_ALL // 2
    assert auth.sign_in("t" * 32, "10.0.2.2")  # the store's token still signs in (store IT must get in)
    with pytest.raises(Throttled):
        auth.sign_in("000000", "10.0.2.3")  # wrong PINs during the pause are refused, not compared
    paused = [r for r in caplog.records if "PIN sign-in paused" in r.getMessage()]
    assert len(paused) == 1 and paused[0].levelname == "WARNING"  # once per pause
    assert "482913" not in caplog.text and "10.0." not in caplog.text and f"from {MAX_FAILURES_ALL // 2} addresses" in caplog.text

    clock.now += PAUSE_S + 1  # the cool-down is over: the associate signs in
    assert auth.pin_pause().paused_for_s == 0
    assert auth.sign_in("482913", "10.0.2.1")
    for i in range(MAX_FAILURES_ALL - 1):  # counting started afresh when the pause began
        assert auth.sign_in(f"{i:06d}", f"10.0.3.{i}") is None
    assert auth.pin_pause().recent_failures == MAX_FAILURES_ALL - 1
    assert auth.sign_in("482913", "10.0.2.1")
    assert auth.sign_in("999999", "10.0.3.99") is None  # a right PIN in between resets nothing
    with pytest.raises(Throttled):
        auth.sign_in("482913", "10.0.2.1")
    assert auth.pin_pause().pauses == 2


def test_an_address_out_of_tries_during_a_store_wide_pause_reads_the_store_wide_words():
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    for i in range(MAX_FAILURES):  # this tablet uses up its own tries...
        assert auth.sign_in(f"{i:06d}", "10.0.6.1") is None
    for i in range(MAX_FAILURES, MAX_FAILURES_ALL):  # ...and the others' wrong PINs pause the whole store
        assert auth.sign_in(f"{i:06d}", f"10.0.6.{i}") is None
    assert auth.pin_pause().paused_for_s > 0
    refusals = []
    for secret in ("482913", "000000", "t" * 32):  # the PIN, a wrong one, the store's token: all refused alike
        with pytest.raises(Throttled) as info:
            auth.sign_in(secret, "10.0.6.1")
        refusals.append((str(info.value), info.value.retry_after))
    assert len(set(refusals)) == 1, refusals  # a refusal tells nothing about what was sent
    assert "paused for the whole store" in refusals[0][0] and "Too many failed" not in refusals[0][0]
    clock.now += PAUSE_S + 1  # the pause is over, and so are the address's own tries
    assert auth.sign_in("482913", "10.0.6.1")


def test_the_store_token_is_still_throttled_per_address_after_a_store_wide_pause():
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    for i in range(MAX_FAILURES_ALL):
        assert auth.sign_in(f"{i:06d}", "10.0.7.1" if i < MAX_FAILURES else f"10.0.7.{i}") is None
    clock.now += PAUSE_S + 1
    assert auth.pin_pause().paused_for_s == 0
    for i in range(MAX_FAILURES):  # the pause is over; this address uses up its tries again
        assert auth.sign_in(f"{i:06d}", "10.0.7.1") is None
    with pytest.raises(Throttled) as info:
        auth.sign_in("t" * 32, "10.0.7.1")  # no store-wide pause now: the address's own words
    assert "Too many failed sign-ins" in str(info.value)


def test_wrong_pins_older_than_the_window_do_not_add_up():
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    for _ in range(3):
        for i in range(MAX_FAILURES_ALL - 1):
            assert auth.sign_in("000000", f"10.0.4.{i}") is None
        clock.now += FAILURE_WINDOW_ALL_S + 1
    assert auth.pin_pause().pauses == 0 and auth.pin_pause().recent_failures == 0
    assert auth.sign_in("482913", "10.0.4.0")


def test_empty_pin_never_signs_in():
    auth = Auth("tok", pin="")
    assert auth.sign_in("", "a") is None


def test_the_pin_signs_in_as_an_associate_and_the_token_as_admin():
    auth = Auth("tok", pin="4321")
    assert auth.role("Bearer tok") == ADMIN
    assert auth.role(f"Bearer {auth.sign_in('tok', 'a')}") == ADMIN
    assert auth.role(f"Bearer {auth.sign_in('4321', 'a')}") == ASSOCIATE
    assert auth.role("Bearer 4321") is None  # the PIN itself is no bearer token


def test_wrong_bearer_tokens_are_throttled_per_address():
    clock = Clock()
    auth = Auth("tok", clock=clock)
    for _ in range(MAX_FAILURES):
        assert auth.authorize("Bearer guess", "10.0.0.5") is None
    with pytest.raises(Throttled) as info:
        auth.authorize("Bearer tok", "10.0.0.5")  # even the right token, while throttled
    assert "tokens" in str(info.value) and 0 < info.value.retry_after <= FAILURE_WINDOW_S + 1
    assert auth.authorize("Bearer tok", "10.0.0.6") == ADMIN  # another device is not affected
    for _ in range(20):  # no credential at all is not a guess
        assert auth.authorize(None, "10.0.0.7") is None and auth.authorize("Basic x", "10.0.0.7") is None
    assert auth.authorize("Bearer tok", "10.0.0.7") == ADMIN
    clock.now += FAILURE_WINDOW_S + 1
    assert auth.authorize("Bearer tok", "10.0.0.5") == ADMIN


def test_pin_and_token_failures_are_counted_apart():
    auth = Auth("tok", pin="4321")
    for _ in range(MAX_FAILURES):
        auth.sign_in("0000", "10.0.0.5")
    assert auth.authorize("Bearer tok", "10.0.0.5") == ADMIN


def test_the_failure_table_stays_bounded():
    clock = Clock()
    book = FailureBook("tokens", max_addresses=100, clock=clock)
    for i in range(5000):
        book.failed(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(book) == 100
    auth = Auth("tok", clock=clock)
    for i in range(3000):
        auth.authorize("Bearer guess", f"10.1.{i // 256}.{i % 256}")
    assert len(auth._token_failures) <= auth._token_failures.max_addresses
    auth.sign_in("0000", "10.9.9.9")
    auth.sign_in("tok", "10.9.9.8")  # a success adds nothing
    assert len(auth._pin_failures) == 1
    clock.now += FAILURE_WINDOW_S + 1
    book.check("10.0.0.1")  # aged out: nothing left to throttle


def test_the_api_token_must_be_long_and_is_never_repeated():
    assert api_token("", {}) == ""
    assert api_token("x" * 32, {}) == "x" * 32
    assert api_token("x" * 32, {"KIOSK_API_TOKEN": "y" * 40}) == "y" * 40
    with pytest.raises(NetServiceError) as err:
        api_token("", {"KIOSK_API_TOKEN": "from-the-environment"})
    assert "KIOSK_API_TOKEN" in str(err.value) and "from-the-environment" not in str(err.value)
    with pytest.raises(NetServiceError, match="api.token"):
        api_token("short", {})


def _store(n: int, clock: Clock, told: list) -> list[Auth]:
    """``n`` mirrors' Auth, each wrong PIN told to the others at once (what ``pin_reports`` does over
    the LAN); ``told`` collects (mirror, paused) of every report."""
    mirrors: list[Auth] = []

    def reporter(i: int):
        def report(paused: bool) -> None:
            told.append((i, paused))
            for j, other in enumerate(mirrors):
                if j != i:
                    other.peer_wrong_pins(f"mirror-{i}", 1, paused)
        return report

    for i in range(n):
        mirrors.append(Auth("t" * 32, pin="482913", clock=clock, on_wrong_pin=reporter(i)))
    return mirrors


def test_a_wrong_pin_another_mirror_reports_counts_here(caplog):
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    for i in range(MAX_FAILURES_ALL - 3):
        auth.peer_wrong_pins("mirror-b", 1, paused=False)
    state = auth.pin_pause()
    assert state.paused_for_s == 0 and state.recent_failures == MAX_FAILURES_ALL - 3
    assert state.recent_reported == MAX_FAILURES_ALL - 3 and state.reported == MAX_FAILURES_ALL - 3
    for i in range(2):
        assert auth.sign_in(f"{i:06d}", f"10.0.5.{i}") is None
    assert auth.pin_pause().paused_for_s == 0
    assert auth.sign_in("000009", "10.0.5.9") is None  # the tenth across the store: the pause begins here
    state = auth.pin_pause()
    assert state.paused_for_s > 0 and state.pauses == 1 and (state.addresses, state.mirrors) == (3, 1)
    assert state.by_peer is False
    with pytest.raises(Throttled):
        auth.sign_in("482913", "10.0.5.20")
    assert "from 3 addresses and 1 other mirror of the store" in caplog.text
    assert "mirror-b" not in caplog.text and "10.0." not in caplog.text


def test_wrong_pins_spread_over_the_stores_mirrors_pause_every_one():
    clock = Clock()
    told = []
    left, middle, right = _store(3, clock, told)
    for i in range(MAX_FAILURES_ALL):  # a guesser going round the mirrors, a new address each time
        assert [left, middle, right][i % 3].sign_in(f"{i:06d}", f"10.0.6.{i}") is None
    for auth in (left, middle, right):
        assert auth.pin_pause().paused_for_s > 0 and auth.pin_pause().pauses == 1
        with pytest.raises(Throttled):
            auth.sign_in("482913", "10.0.7.1")  # the right PIN, anywhere in the store: refused
        assert auth.sign_in("t" * 32, "10.0.7.2")  # the store's token still signs in
    # the tenth went to the left mirror: it started the pause there; the others counted its report
    assert left.pin_pause().by_peer is False and middle.pin_pause().by_peer is True
    assert left.pin_pause().addresses == 4 and left.pin_pause().mirrors == 2
    # one report per wrong PIN, by the mirror that counted it: reports heard are never passed on
    assert told == [(i % 3, i == MAX_FAILURES_ALL - 1) for i in range(MAX_FAILURES_ALL)]


def test_a_pause_another_mirror_started_starts_one_here():
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    auth.peer_wrong_pins("mirror-b", 1, paused=True)  # it missed nothing there; this one missed the rest
    state = auth.pin_pause()
    assert state.paused_for_s > PAUSE_S - 2 and state.by_peer and state.mirrors == 1 and state.addresses == 0
    auth.peer_wrong_pins("mirror-b", MAX_FAILURES_ALL, paused=True)  # during a pause: nothing more counted
    assert auth.pin_pause().pauses == 1 and auth.pin_pause().recent_failures == 0
    clock.now += PAUSE_S + 1
    assert auth.sign_in("482913", "10.0.8.1")


def test_a_report_is_told_only_for_a_wrong_pin_counted_here():
    clock = Clock()
    told = []
    auth = Auth("t" * 32, pin="482913", clock=clock, on_wrong_pin=told.append)
    assert auth.sign_in("482913", "10.0.9.1") and auth.sign_in("t" * 32, "10.0.9.1")
    auth.peer_wrong_pins("mirror-b", 3, paused=False)
    assert told == []
    for i in range(MAX_FAILURES_ALL - 3):
        assert auth.sign_in(f"{i:06d}", f"10.0.9.{i + 2}") is None
    assert told == [False] * (MAX_FAILURES_ALL - 4) + [True]  # the one that paused says so
    with pytest.raises(Throttled):
        auth.sign_in("000000", "10.0.9.50")  # refused during the pause: not compared, not counted, not told
    assert len(told) == MAX_FAILURES_ALL - 3
    quiet = []
    assert Auth("t" * 32, pin="", on_wrong_pin=quiet.append).sign_in("0000", "10.0.9.60") is None
    assert quiet == []  # a mirror without a PIN has no guess of the store's PIN to report


DAY_S = FAILURE_WINDOW_DAY_S  # a day


def _guess_patiently(auth: Auth, clock: Clock, for_s: float, first: int = 0) -> int:
    """A guesser who stays under the short limit: 9 wrong PINs every 5 min, each from an address of its
    own, for ``for_s`` seconds, going on when refused; how many were compared (answered 401)."""
    answered, guess = 0, first
    end = clock.now + for_s
    while clock.now < end:
        for _ in range(MAX_FAILURES_ALL - 1):
            guess += 1
            try:
                assert auth.sign_in(f"{guess:06d}", f"10.{guess // 65536 % 256}.{guess // 256 % 256}.{guess % 256}") is None
            except Throttled:
                continue
            answered += 1
        clock.now += FAILURE_WINDOW_ALL_S + 1
    return answered


def test_a_guesser_under_the_short_limit_is_paused_for_the_rest_of_the_day(caplog):
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    start = clock.now
    assert _guess_patiently(auth, clock, 6 * FAILURE_WINDOW_ALL_S) == MAX_FAILURES_DAY  # not ~2,600 a day
    state = auth.pin_pause()
    assert state.cause == DAY and state.pauses == 1 and state.day_failures == MAX_FAILURES_DAY
    assert state.paused_for_s == int(start + DAY_S - clock.now) + 1  # until the first is a day old
    assert state.addresses == MAX_FAILURES_DAY and state.mirrors == 0
    with pytest.raises(Throttled) as info:
        auth.sign_in("482913", "10.9.0.1")  # the right PIN: refused all the same, not compared
    assert "paused for the whole store" in str(info.value) and info.value.retry_after == state.paused_for_s
    assert auth.sign_in("t" * 32, "10.9.0.2")  # the store's token still signs in
    paused = [r.getMessage() for r in caplog.records if "PIN sign-in paused" in r.getMessage()]
    assert len(paused) == 1, paused
    assert f"{MAX_FAILURES_DAY} wrong PINs within 24 h" in paused[0] and " UTC: " in paused[0], paused[0]
    assert "482913" not in caplog.text and "10.0." not in caplog.text


def test_the_days_pause_ends_when_its_oldest_wrong_pin_is_a_day_old():
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    start = clock.now
    assert _guess_patiently(auth, clock, 6 * FAILURE_WINDOW_ALL_S) == MAX_FAILURES_DAY
    clock.now = start + DAY_S - 1
    with pytest.raises(Throttled):
        auth.sign_in("482913", "10.9.1.1")
    clock.now = start + DAY_S  # the first nine leave the day: room for nine, no more
    state = auth.pin_pause()
    assert state.paused_for_s == 0 and state.day_failures == MAX_FAILURES_DAY - (MAX_FAILURES_ALL - 1)
    assert auth.sign_in("482913", "10.9.1.1")  # the associate signs in
    for i in range(MAX_FAILURES_ALL - 1):
        assert auth.sign_in(f"{i:06d}", f"10.9.2.{i}") is None
    with pytest.raises(Throttled) as info:  # the limit again: paused until the next nine are a day old
        auth.sign_in("482913", "10.9.1.1")
    assert info.value.retry_after == int(FAILURE_WINDOW_ALL_S + 1) + 1
    assert auth.pin_pause().cause == DAY and auth.pin_pause().pauses == 2
    # over days, a patient guesser gets the day's limit a day, however the guesses are spread
    assert _guess_patiently(auth, clock, 3 * DAY_S, first=1000) <= 3 * MAX_FAILURES_DAY


def test_a_busy_stores_honest_typos_never_pause_sign_in():
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    # 20 associates, 100 sign-ins a day, a typo before one in three: 34 a day, more than expected
    most = 0
    for n in range(3 * 100):
        associate = f"10.8.0.{n % 20}"
        if n % 3 == 0:
            assert auth.sign_in("482931", associate) is None
        assert auth.sign_in("482913", associate)
        most = max(most, auth.pin_pause().day_failures)
        clock.now += DAY_S / 100
    assert auth.pin_pause().pauses == 0 and most == 34 < MAX_FAILURES_DAY


def test_wrong_pins_other_mirrors_report_count_towards_the_day(caplog):
    clock = Clock()
    auth = Auth("t" * 32, pin="482913", clock=clock)
    start = clock.now
    for _ in range(5):  # a patient guesser at another mirror: its reports, nine every 5 min
        auth.peer_wrong_pins("mirror-b", MAX_FAILURES_ALL - 1, paused=False)
        clock.now += FAILURE_WINDOW_ALL_S + 1
    assert auth.pin_pause().paused_for_s == 0 and auth.pin_pause().day_failures == 45
    for i in range(MAX_FAILURES_DAY - 45):
        assert auth.sign_in(f"{i:06d}", f"10.7.0.{i}") is None
    state = auth.pin_pause()
    assert state.cause == DAY and state.paused_for_s == int(start + DAY_S - clock.now) + 1
    assert (state.addresses, state.mirrors, state.by_peer) == (5, 1, False)
    assert "from 5 addresses and 1 other mirror of the store" in caplog.text and "mirror-b" not in caplog.text
    auth.peer_wrong_pins("mirror-b", MAX_FAILURES_ALL - 1, paused=True)  # during the pause: nothing counted
    assert auth.pin_pause().day_failures == MAX_FAILURES_DAY and auth.pin_pause().pauses == 1

    other = Auth("t" * 32, pin="482913", clock=clock)  # its day's count at the limit but one…
    for _ in range(MAX_FAILURES_DAY - 1):
        other.peer_wrong_pins("mirror-c", 1, paused=False)
        clock.now += FAILURE_WINDOW_ALL_S / 2
    other.peer_wrong_pins("mirror-c", 1, paused=True)  # …a report that paused there pauses here for the day
    state = other.pin_pause()
    assert state.cause == DAY and state.by_peer and state.paused_for_s > DAY_S - 49 * FAILURE_WINDOW_ALL_S / 2 - 1
    assert state.paused_for_s > PAUSE_S


def test_a_guesser_going_round_the_stores_mirrors_is_paused_for_the_day_on_every_one():
    from kiosk.net.health_checks import sign_in_check

    clock = Clock()
    told = []
    mirrors = _store(3, clock, told)
    answered, guess = 0, 0
    for _ in range(12):  # three wrong PINs to each mirror every 5 min: nine for the store
        for i in range(MAX_FAILURES_ALL - 1):
            guess += 1
            try:
                assert mirrors[i % 3].sign_in(f"{guess:06d}", f"10.6.0.{guess}") is None
                answered += 1
            except Throttled:
                pass
        clock.now += FAILURE_WINDOW_ALL_S + 1
    assert answered == MAX_FAILURES_DAY
    for auth in mirrors:
        state = auth.pin_pause()
        assert state.cause == DAY and state.paused_for_s > DAY_S - 12 * (FAILURE_WINDOW_ALL_S + 1)
        with pytest.raises(Throttled):
            auth.sign_in("482913", "10.6.1.1")
        detail = sign_in_check(state).detail
        assert f"{MAX_FAILURES_DAY} wrong PINs within 24 h" in detail and " UTC: " in detail, detail
    assert [paused for _, paused in told].count(True) == 1  # the fiftieth, where it was compared


def test_room_is_made_from_the_tab_least_recently_used_not_the_first_signed_in():
    # A tablet's first tab, open and in use all shift, outlives the tabs opened and closed since:
    # its address's 21st sign-in ends the one nobody has used for longest.
    clock = Clock()
    ended = []
    auth = Auth("tok", pin="4321", clock=clock, on_end=ended.append)
    tabs = []
    for _ in range(MAX_SESSIONS_PER_ADDRESS):
        tabs.append(auth.sign_in("4321", "a"))
        clock.now += 1
    assert auth.role(f"Bearer {tabs[0]}") == ASSOCIATE  # the first tab asks for the lists again
    clock.now += 1
    assert auth.still_valid(f"Bearer {tabs[1]}")  # the second holds the live event stream open
    clock.now += 1
    auth.sign_in("4321", "a")
    assert ended == [auth.session_key(f"Bearer {tabs[2]}")]
    assert auth.role(f"Bearer {tabs[0]}") == ASSOCIATE and auth.still_valid(f"Bearer {tabs[1]}")
