"""kiosk.net.share_page: the expiry the page writes (before the phone's clock rewrites it) and the download's
name are in the mirror's local time."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk.net.share_page import _date, _download_name, _when


@pytest.mark.parametrize("tz, shown", [
    ("Europe/Paris", "01 December 2026, 14:53 CET"),
    ("America/New_York", "01 December 2026, 08:53 EST"),
    ("UTC", "01 December 2026, 13:53 UTC"),
])
def test_the_expiry_is_in_the_mirrors_time_zone(zone, tz, shown):
    zone(tz)
    assert _date(datetime(2026, 12, 1, 13, 53, tzinfo=timezone.utc).timestamp()) == shown


@pytest.mark.parametrize("tz, name", [
    ("Europe/Paris", "look-20261201-1453.mp4"),
    ("America/New_York", "look-20261201-0853.mp4"),
    ("Asia/Tokyo", "look-20261201-2253.mp4"),
    ("Pacific/Auckland", "look-20261202-0253.mp4"),  # the next day there
])
def test_the_download_is_named_by_the_stores_local_date_and_time(zone, tz, name):
    zone(tz)
    assert _download_name(False, datetime(2026, 12, 1, 13, 53, tzinfo=timezone.utc).timestamp()) == name


def test_a_comparison_downloads_as_looks(zone):
    zone("Europe/Paris")
    assert _download_name(True, datetime(2026, 7, 1, 13, 53, tzinfo=timezone.utc).timestamp()) == "looks-20260701-1553.mp4"


def test_a_time_carries_its_instant_for_the_phone_to_rewrite(zone):
    zone("Europe/Paris")
    html = _when(datetime(2026, 12, 1, 13, 53, tzinfo=timezone.utc).timestamp())
    assert html == '<time datetime="2026-12-01T13:53:00+00:00">01 December 2026, 14:53 CET</time>'
