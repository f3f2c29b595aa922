"""On the real mirror window: keep a look (consent), share it, and scan the QR code it shows."""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest

from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import choice_buttons, read_qr

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 640, 720
RECORD = (W - 24 - 32, H - 80)
# The replay's button column (Mirror, Slow, Share, Keep, Delete), centred on the right edge.
BUTTON_X = W - 16 - 32
BUTTON_Y = [H // 2 - 253 + 32 + i * 105 for i in range(5)]
SHARE = (BUTTON_X, BUTTON_Y[2])


def replaying(image: np.ndarray) -> bool:
    """The replay's button column is up: its Delete button (dark red glass) is on screen."""
    x, y = BUTTON_X, BUTTON_Y[4]
    box = image[y - 30:y + 30, x - 30:x + 30].astype(int)
    red = (box[..., 2] > 60) & (box[..., 2] > 2 * box[..., 1]) & (box[..., 2] > 2 * box[..., 0])
    return red.sum() > 300


def record_a_take(win: MirrorWindow, seconds: float = 1.5, button: tuple[int, int] = RECORD) -> None:
    """Tap record (at ``button``, where this window size has it), hold it ``seconds`` from the
    moment the mirror says it records, tap again."""
    win.touch(*button)
    win.wait_until(lambda: win.api("/status")["state"] == "recording", "the recording start")
    started = time.monotonic()
    # the take must last beyond [recording] min_s (1 s): the shopper holds on, by the clock
    win.wait_until(lambda: time.monotonic() - started >= seconds, "the take's length")
    win.touch(*button)


def test_keep_share_and_scan_the_qr_code(xvfb, tmp_path):
    library = tmp_path / "library"
    with MirrorWindow(xvfb, tmp_path, W, H, library=library, mirror=False) as win:
        win.touch(W // 2, 40)
        win.wait_for(markers_visible, "the camera picture")
        record_a_take(win)
        win.wait_until(lambda: list((library / "looks").glob("*.mp4")), "the look in the library")
        win.wait_for(replaying, "the replay of the new look")
        win.touch(*SHARE)  # not kept yet: the consent question comes first
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question with two answers")
        yes_y = choice_buttons(dialog)[0]
        win.touch(W // 2, yes_y)
        # After the yes, the QR code appears by itself; decode it from the screen like a phone would.
        url = ""

        def qr_on_screen(image) -> bool:
            nonlocal url
            url = read_qr(image)
            return url.startswith("http")

        win.wait_for(qr_on_screen, "the QR code", timeout=15)
        assert url.startswith("http://127.0.0.1:") and "/s/" in url, f"no QR code on screen:\n{win.log.read_text()}"
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<video" in page.text
