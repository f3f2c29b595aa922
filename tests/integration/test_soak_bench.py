"""``kiosk bench soak`` runs the whole mirror with visits, shares and API clients, and reports sane figures.

Short and without the pose model (a touch wakes the mirror once, nothing records by itself):
the figures are not judged here, only that every measure is sampled, the live picture painted
and the clients were served.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.soak import slope_per_hour

pytestmark = [pytest.mark.slow, pytest.mark.ui]


def test_slope_per_hour_is_least_squares_over_minutes():
    assert slope_per_hour([1, 2, 3, 4], [10, 11, 12, 13]) == 60.0  # one a minute
    assert slope_per_hour([1, 2, 3], [5, 9, 5]) == 0.0
    assert slope_per_hour([2], [1]) is None


@pytest.mark.timeout(240)
def test_bench_soak_json(footage_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "KIOSK_CONFIG")}
    env["KIOSK_FOOTAGE"] = str(footage_dir)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "bench", "soak", "--minutes", "0.75", "--sample-s", "10", "--clients", "5",
         "--no-analysis", "--screen", "480x640", "--json"],
        capture_output=True, text=True, timeout=230, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(done.stdout)
    assert len(data["samples"]) >= 3
    for sample in data["samples"]:
        assert sample["rss_mb"] > 50 and sample["open_files"] > 5 and sample["threads"] > 5
    assert set(data["slope_per_hour"]) == {"rss_mb", "open_files", "threads", "fps_painted_live", "recordings"}
    assert data["slope_per_hour"]["rss_mb"] is not None
    clients = data["clients"]
    assert clients["clients"] == 5 and clients["requests"]["status"] > 20
    assert not clients["errors"], clients["errors"]
    assert data["analysis"] is False and data["totals"]["sessions"] == 1
    assert all(sample["fps_painted_live"] > 1 for sample in data["samples"][1:]), data["samples"]
