"""Sample values on /metrics keep every digit Prometheus needs."""

from __future__ import annotations

import pytest

from kiosk.net.metrics_text import number


@pytest.mark.parametrize("value, text", [
    (1796564481.815, "1796564481.815"),  # a start time: `:g` gave 1.79656e+09, hours off
    (2_000_000.5, "2000000.5"),  # an uptime of 23 days, to the tenth
    (0.25, "0.25"),
    (3, "3"),
    (float("nan"), "NaN"),
    (float("inf"), "+Inf"),
    (float("-inf"), "-Inf"),
])
def test_numbers_are_written_in_full(value, text):
    assert number(value) == text
    if text not in ("NaN", "+Inf", "-Inf"):
        assert float(text) == value
