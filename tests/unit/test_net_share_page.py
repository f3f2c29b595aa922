"""kiosk.net.share_page: the expiry a shopper reads is the mirror's local time, with its zone named."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from kiosk.net.share_page import _date


@pytest.fixture
def zone(monkeypatch):
    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("tz, shown", [
    ("Europe/Paris", "01 December 2026, 14:53 CET"),
    ("America/New_York", "01 December 2026, 08:53 EST"),
    ("UTC", "01 December 2026, 13:53 UTC"),
])
def test_the_expiry_is_in_the_mirrors_time_zone(zone, tz, shown):
    zone(tz)
    assert _date(datetime(2026, 12, 1, 13, 53, tzinfo=timezone.utc).timestamp()) == shown
