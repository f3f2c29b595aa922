"""Opening hours: the strict subset of OSM's syntax, and what it says about a given minute."""

import pytest

from kiosk.config import parse_config
from kiosk.errors import ConfigError
from kiosk.opening_hours import parse_opening_hours

MO, WE, SA, SU = 0, 2, 5, 6


def at(h: int, m: int = 0) -> int:
    return h * 60 + m


@pytest.mark.parametrize(
    "text, day, minute, open_",
    [
        ("", SU, at(3), True),
        ("24/7", WE, at(23, 59), True),
        ("Mo-Sa 09:00-20:00", MO, at(9), True),
        ("Mo-Sa 09:00-20:00", MO, at(8, 59), False),
        ("Mo-Sa 09:00-20:00", SA, at(19, 59), True),
        ("Mo-Sa 09:00-20:00", SA, at(20), False),  # the end is exclusive
        ("Mo-Sa 09:00-20:00", SU, at(12), False),
        ("Mo-Sa 09:00-20:00; Su 11:00-17:00", SU, at(12), True),
        ("Mo-Sa 09:00-20:00; We off", WE, at(12), False),  # a later rule replaces its days
        ("Mo-Fr 10:00-13:00,14:00-19:00", MO, at(13, 30), False),
        ("Mo-Fr 10:00-13:00,14:00-19:00", MO, at(14), True),
        ("Sa,Su 00:00-24:00", SU, at(23, 59), True),
        ("Mo,We-Fr 08:00-09:00", WE, at(8, 30), True),
        ("Mo,We-Fr 08:00-09:00", 1, at(8, 30), False),
    ],
)
def test_is_open(text, day, minute, open_):
    assert parse_opening_hours(text).is_open(day, minute) is open_


@pytest.mark.parametrize(
    "text, words",
    [
        ("Mon-Sat 09:00-20:00", "unknown days 'Mon-Sat'"),
        ("Mo-Sa 9:00-20:00", "expected a time from 00:00 to 24:00, got '9:00'"),
        ("Mo-Sa 09:00-24:30", "got '24:30'"),
        ("Fr 22:00-02:00", "does not end after it starts; split a night at 24:00"),
        ("Sa-Mo 10:00-12:00", "run backwards"),
        ("Mo-Sa", "expected days then times"),
        ("Mo-Sa 09:00-20:00;; Su off", "empty rule"),
        ("Mo 09:00-12:00,11:00-13:00", "overlap"),
        ("Mo 09:00", "expected a time range"),
    ],
)
def test_mistakes_are_named(text, words):
    with pytest.raises(ValueError, match=None) as err:
        parse_opening_hours(text)
    assert words in str(err.value)


def test_the_configuration_refuses_a_bad_schedule_with_the_key_named():
    with pytest.raises(ConfigError) as err:
        parse_config({"display": {"opening_hours": "Mo-Sa 9-20"}}, "kiosk.toml")
    assert str(err.value).startswith("kiosk.toml: display.opening_hours: ")
    assert parse_config({"display": {"opening_hours": "Mo-Sa 09:00-20:00"}}, "k").display.opening_hours
