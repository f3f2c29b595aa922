"""What the console looks like on the store's tablets with awkward data (real headless Chromium, a real
mirror API): long unbroken help details, right-to-left names, and controls that say their state."""

from __future__ import annotations

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .test_console_attention import sign_in
from .test_console_notes import screenshot

pytestmark = pytest.mark.slow

API = "/api/v1"
SKU = "SKU-" + "4021340213" * 19 + "X"  # 195 characters, no space to break at


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_a_long_unbroken_detail_wraps_and_the_button_stays_on_screen(server, chromium, tmp_path, width, height):
    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "size", "detail": SKU}).json()
    try:
        sign_in(chromium, server.url, width, height)
        item = f"document.querySelector('#queue li[data-id=\"{req['id']}\"]')"
        chromium.wait(f"!!{item}", timeout=10)
        assert chromium.js("document.documentElement.scrollWidth") <= width
        right = chromium.js(f"{item}.querySelector('button').getBoundingClientRect().right")
        assert 0 < right <= width, f"'On my way' ends at {right} px on a {width} px screen"
        assert chromium.js(f"{item}.querySelector('.detail').textContent") == SKU  # wrapped, not cut
        (tmp_path / f"console-long-detail-{width}.png").write_bytes(screenshot(chromium))
    finally:
        httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "test"})
