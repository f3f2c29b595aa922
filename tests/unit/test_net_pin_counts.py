"""The store's wrong-PIN counts and pause kept in the data folder across a restart (``pin_counts``)."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest

from kiosk.net import pin_counts, throttle
from kiosk.net.auth import Auth, Throttled
from kiosk.net.health_checks import sign_in_check
from kiosk.net.pin_counts import MAX_BYTES, PinCountFile
from kiosk.net.throttle import (
    DAY,
    FAILURE_WINDOW_ALL_S,
    FAILURE_WINDOW_DAY_S,
    MAX_FAILURES_ALL,
    MAX_FAILURES_DAY,
    PAUSE_S,
    SHORT,
    SignInPause,
)

PIN = "482913"
TOKEN = "t" * 40
DAY_S = FAILURE_WINDOW_DAY_S


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Mirror:
    """One kiosk process: a monotonic clock from its boot, the wall clock, and the counts' file."""

    def __init__(self, path, wall: Clock, boot_s: float = 50.0):
        self.mono = Clock(boot_s)
        self.file = PinCountFile(path, wall=wall)
        self.auth = Auth(TOKEN, PIN, clock=self.mono, pin_counts=self.file)
        self.auth.restore_pin_counts()

    def wrong(self, n: int, client: str = "10.0.0.7") -> None:
        for i in range(n):
            assert self.auth.sign_in(f"{i:06d}", f"{client}{i % 40}") is None

    def pin_signs_in(self) -> bool:
        try:
            return self.auth.sign_in(PIN, "10.9.9.9") is not None
        except Throttled:
            return False

    def advance(self, seconds: float, wall: Clock) -> None:
        self.mono.now += seconds
        wall.now += seconds


@pytest.fixture
def path(tmp_path):
    return tmp_path / pin_counts.FILENAME


def test_the_causes_on_disk_are_the_throttles():
    assert pin_counts.CAUSES == (throttle.SHORT, throttle.DAY, throttle.PEER)


def test_counts_and_a_short_pause_survive_a_restart(path, caplog):
    wall = Clock(1_800_000_000.0)
    first = Mirror(path, wall)
    first.wrong(MAX_FAILURES_ALL)  # a short pause, 10 of the day's 50 spent
    first.advance(60, wall)
    before = first.auth.pin_pause()
    assert before.paused_for_s and before.cause == SHORT and before.day_failures == MAX_FAILURES_ALL

    wall.now += 5  # a restart: a new process, a new monotonic clock (a reboot starts it near zero)
    with caplog.at_level(logging.WARNING, logger="kiosk.net.throttle"):
        second = Mirror(path, wall, boot_s=3.0)
    after = second.auth.pin_pause()
    assert not second.pin_signs_in()  # the pause holds: the right PIN is refused, not even compared
    assert after.cause == SHORT and after.day_failures == MAX_FAILURES_ALL
    assert before.paused_for_s - 6 <= after.paused_for_s <= before.paused_for_s - 4
    assert after.reason() == before.reason()  # "from 10 addresses": a count kept, never an address
    assert "as before the restart" in caplog.text and "10.0.0.7" not in caplog.text
    assert after.kept_problem == "" and "could not" not in sign_in_check(after).detail

    second.advance(PAUSE_S, wall)
    assert second.pin_signs_in()  # the pause ends when it would have without the restart


def test_the_days_pause_survives_a_restart_and_ends_when_its_oldest_wrong_pin_is_a_day_old(path):
    wall = Clock(1_800_000_000.0)
    first = Mirror(path, wall)
    for _ in range(MAX_FAILURES_DAY // 5):  # 5 every 6 minutes: never the short limit, always the day's
        first.wrong(5)
        first.advance(FAILURE_WINDOW_ALL_S + 60, wall)
    assert first.auth.pin_pause().cause == DAY and not first.pin_signs_in()

    second = Mirror(path, wall, boot_s=1.0)  # a power cut: the day's 50 are not given back
    assert second.auth.pin_pause().day_failures == MAX_FAILURES_DAY and not second.pin_signs_in()
    left = second.auth.pin_pause().paused_for_s
    assert DAY_S - 10 * (FAILURE_WINDOW_ALL_S + 60) - 2 <= left <= DAY_S
    second.advance(left - 2, wall)
    assert not second.pin_signs_in()
    second.advance(3, wall)
    assert second.pin_signs_in() and second.auth.pin_pause().day_failures == MAX_FAILURES_DAY - 5


def test_the_file_holds_times_only(path):
    wall = Clock(1_800_000_000.0)
    Mirror(path, wall).wrong(3, client="192.168.40.")
    text = path.read_text()
    assert "192.168" not in text and PIN not in text and "000001" not in text
    record = json.loads(text)
    assert set(record) == {"format", "saved_at", "day", "recent", "pause"} and len(record["day"]) == 3
    assert all(isinstance(t, float) for t in record["day"] + record["recent"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not path.with_name(path.name + ".part").exists()  # renamed into place


def test_wrong_pins_older_than_a_day_are_dropped_and_the_count_is_capped(path):
    now = 1_800_000_000.0
    old = [now - DAY_S - 1 - i for i in range(20)]  # all out of the day
    new = [now - 3600 - i for i in range(3 * MAX_FAILURES_DAY)]  # more than the limit
    path.write_text(json.dumps({"format": 1, "saved_at": now, "day": old + new, "recent": [], "pause": None}))
    pause = SignInPause(clock=Clock(10.0), keeper=PinCountFile(path, wall=Clock(now + 60)))
    pause.restore()
    assert pause.state().day_failures == MAX_FAILURES_DAY  # the newest 50, no more
    pause.failed("10.0.0.1")  # the 51st within a day: the day's pause
    assert pause.state().cause == DAY

    later = SignInPause(clock=Clock(10.0), keeper=PinCountFile(path, wall=Clock(now + DAY_S)))
    later.restore()  # a day after the save, all of them are a day old
    assert later.state().day_failures == 1 and later.state().paused_for_s == 0


def test_a_clock_set_back_since_the_save_loses_nothing_and_holds_no_longer_than_a_day(path):
    wall = Clock(1_800_000_000.0)
    first = Mirror(path, wall)
    first.wrong(MAX_FAILURES_ALL)
    left = first.auth.pin_pause().paused_for_s

    wall.now -= 30 * 24 * 3600  # rebooted without a real-time clock: a month in the past, before NTP
    second = Mirror(path, wall, boot_s=1.0)
    state = second.auth.pin_pause()
    assert state.day_failures == MAX_FAILURES_ALL and state.paused_for_s == left  # as at the save
    assert not second.pin_signs_in()
    second.advance(DAY_S, wall)  # a day later by its own clock, everything has aged out
    assert second.auth.pin_pause().day_failures == 0 and second.pin_signs_in()


def test_times_after_the_save_count_as_new_and_no_pause_outlasts_a_day(path):
    now = 1_800_000_000.0
    path.write_text(json.dumps({"format": 1, "saved_at": now, "day": [now + 9e9] * 3, "recent": [now + 9e9],
                                "pause": {"until": now + 9e9, "cause": "day", "addresses": 2, "mirrors": 0,
                                          "by_peer": False}}))
    pause = SignInPause(clock=Clock(10.0), keeper=PinCountFile(path, wall=Clock(now)))
    pause.restore()
    state = pause.state()
    assert state.day_failures == 3 and state.recent_failures == 1
    assert 0 < state.paused_for_s <= DAY_S + 1 and state.cause == DAY


def test_a_clock_set_forward_ages_the_counts(path):
    wall = Clock(1_800_000_000.0)
    Mirror(path, wall).wrong(4)
    wall.now += 3600
    assert Mirror(path, wall).auth.pin_pause().day_failures == 4
    wall.now += 2 * DAY_S
    assert Mirror(path, wall).auth.pin_pause().day_failures == 0


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{\"format\": 1, \"saved_at\": 1e9, \"day\": [1e9",  # cut short
        b"\x00\xff\xfe garbage",
        b"[" * 60_000,
        json.dumps({"format": 2, "saved_at": 1e9, "day": [], "recent": [], "pause": None}).encode(),
        json.dumps({"format": 1, "saved_at": "yesterday", "day": [], "recent": [], "pause": None}).encode(),
        b'{"format": 1, "saved_at": 1e9, "day": [NaN], "recent": [], "pause": null}',
        b'{"format": 1, "saved_at": 1e9, "day": [1e999], "recent": [], "pause": null}',
        json.dumps({"format": 1, "saved_at": 1e9, "day": [1e9, None], "recent": [], "pause": None}).encode(),
        json.dumps({"format": 1, "saved_at": 1e9, "day": [], "recent": [], "pause": {"until": 2e9}}).encode(),
        json.dumps({"format": 1, "saved_at": 1e9, "day": [], "recent": [],
                    "pause": {"until": 2e9, "cause": "mystery", "addresses": 1, "mirrors": 0, "by_peer": False}}).encode(),
    ],
    ids=["empty", "cut-short", "binary", "deep", "format", "saved-at", "nan", "infinite", "none", "pause",
         "cause"],
)
def test_a_corrupt_file_starts_sign_in_open_with_a_warning_and_a_reason_for_health(path, content, caplog):
    path.write_bytes(content)
    wall = Clock(1e9 + 60)
    with caplog.at_level(logging.WARNING, logger="kiosk.net.pin_counts"):
        mirror = Mirror(path, wall)
    assert mirror.pin_signs_in()  # the security choice: associates keep signing in
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "could not be read" in warnings[0].getMessage()
    assert "Traceback" not in caplog.text
    check = sign_in_check(mirror.auth.pin_pause())
    assert check.ok and "could not be read" in check.detail and "counting started afresh" in check.detail

    mirror.wrong(2)  # the next wrong PIN writes a sound file again
    assert json.loads(path.read_text())["format"] == 1
    assert Mirror(path, wall).auth.pin_pause().day_failures == 2


def test_a_file_too_big_to_be_ours_is_not_read(path, caplog):
    path.write_bytes(b'{"format": 1, "saved_at": 1e9, "day": [1e9],' + b" " * MAX_BYTES + b'"recent": [], "pause": null}')
    with caplog.at_level(logging.WARNING, logger="kiosk.net.pin_counts"):
        mirror = Mirror(path, Clock(1e9))
    assert mirror.pin_signs_in() and mirror.auth.pin_pause().day_failures == 0
    assert "larger than 64 KiB" in caplog.text


def test_an_unreadable_file_does_not_stop_the_kiosk(path, caplog):
    path.mkdir()  # reading a folder fails like a file this user may not read
    with caplog.at_level(logging.WARNING, logger="kiosk.net.pin_counts"):
        mirror = Mirror(path, Clock(1e9))
    assert mirror.pin_signs_in() and "could not be read" in caplog.text


def test_a_save_that_fails_is_logged_once_shown_in_health_and_sign_in_goes_on(tmp_path, caplog):
    folder = tmp_path / "gone"
    mirror = Mirror(folder / pin_counts.FILENAME, Clock(1e9))  # the folder does not exist: every save fails
    with caplog.at_level(logging.DEBUG, logger="kiosk.net.pin_counts"):
        mirror.wrong(3)
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    check = sign_in_check(mirror.auth.pin_pause())
    assert check.ok and "cannot be saved" in check.detail and "a restart would start them afresh" in check.detail
    assert mirror.pin_signs_in()

    folder.mkdir()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kiosk.net.pin_counts"):
        mirror.wrong(1)
    assert "saved to" in caplog.text and "again" in caplog.text
    assert mirror.auth.pin_pause().kept_problem == ""
    assert Mirror(folder / pin_counts.FILENAME, Clock(1e9)).auth.pin_pause().day_failures == 4


def test_a_report_from_another_mirror_is_kept_too(path):
    wall = Clock(1_800_000_000.0)
    first = Mirror(path, wall)
    first.auth.peer_wrong_pins("mirror-b", 4, paused=True)  # another mirror paused: one starts here
    assert first.auth.pin_pause().by_peer
    second = Mirror(path, wall)
    state = second.auth.pin_pause()
    assert state.paused_for_s and state.by_peer and state.day_failures == 4 and not second.pin_signs_in()
    assert "mirror-b" not in path.read_text()


def test_without_a_keeper_nothing_is_read_or_written(tmp_path):
    auth = Auth(TOKEN, PIN, clock=Clock(1.0))
    auth.restore_pin_counts()
    assert auth.sign_in("000000", "10.0.0.1") is None
    assert list(tmp_path.iterdir()) == []
