"""Counts read as people say them."""

from __future__ import annotations

import pytest

from kiosk.recording.recovery import RecoveryReport
from kiosk.words import count, duration, reading_seconds


@pytest.mark.parametrize("n, text", [(0, "0 looks"), (1, "1 look"), (2, "2 looks")])
def test_a_count_takes_the_number_that_fits(n, text):
    assert count(n, "look") == text


def test_an_irregular_plural_is_given():
    assert count(1, "entry", "entries") == "1 entry"
    assert count(3, "entry", "entries") == "3 entries"


def test_the_recovery_summary_never_writes_s_in_brackets():
    report = RecoveryReport(salvaged=["a"], missing_rows=["b", "c"], adopted=["d"])
    text = report.summary()
    assert "(s)" not in text and "(ies)" not in text
    assert text.startswith("1 interrupted recording saved, 0 too short or unreadable removed, 2 entries without a video")
    assert text.endswith(", 1 look restored from their record files")


@pytest.mark.parametrize("seconds, text", [(13, "13 s"), (900, "15 min"), (84895, "24 h"), (3 * 86400, "3 days")])
def test_a_length_of_time_takes_the_unit_that_fits(seconds, text):
    assert duration(seconds) == text


def test_a_longer_message_stays_up_longer_and_a_short_one_still_long_enough_to_notice():
    after_a_no = "Understood. Nothing is kept after you leave. Changed your mind? Tap Keep on a look."
    assert reading_seconds(after_a_no) >= 8.0, "15 words at a slow reader's pace"
    assert 2.0 < reading_seconds("Look deleted.") < 5.0
    assert reading_seconds("a b c") < reading_seconds("a b c d e f")
