"""``kiosk bench reader`` runs and reports figures that mean something (not timed: just sane)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bench_reader_json(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text("[reader]\nremoval_s = 0.3\n")
    result = subprocess.run([sys.executable, "-m", "kiosk", "bench", "reader", "--taps", "3", "--protocol", "rdm6300",
                             "--protocol", "pn532", "--config", str(config), "--json"],
                            capture_output=True, text=True, timeout=110)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["protocols"]) == {"rdm6300", "pn532"} and data["removal_s"] == 0.3
    for figures in data["protocols"].values():
        assert 0 < figures["tap_ms"]["p50"] <= figures["tap_ms"]["max"]
        assert figures["removal_ms"]["p50"] >= 300  # removal is only reported after removal_s unseen
