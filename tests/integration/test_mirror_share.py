"""On the real mirror window: keep a look (consent), share it, and scan the QR code it shows."""

from __future__ import annotations

import time

import cv2
import httpx
import numpy as np
import pytest

from tests.integration.test_mirror_window import MirrorWindow, markers_visible

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 640, 720
RECORD = (W - 24 - 32, H - 80)
# The replay's button column (Mirror, Slow, Share, Keep, Delete), centred on the right edge.
BUTTON_X = W - 16 - 32
BUTTON_Y = [H // 2 - 253 + 32 + i * 105 for i in range(5)]
SHARE = (BUTTON_X, BUTTON_Y[2])


def choice_buttons(image: np.ndarray) -> list[int]:
    """Centre rows of the dialog's wide choice buttons (#2a2a2c), top to bottom."""
    mask = np.all(np.abs(image.astype(int) - (44, 42, 42)) <= 3, axis=2)
    rows = np.nonzero(mask.sum(axis=1) > W * 0.4)[0]
    bands, start = [], None
    for a, b in zip(rows, list(rows[1:]) + [None]):
        start = a if start is None else start
        if b is None or b != a + 1:
            if a - start > 20:
                bands.append((start + a) // 2)
            start = None
    return bands


def test_keep_share_and_scan_the_qr_code(xvfb, tmp_path):
    library = tmp_path / "library"
    with MirrorWindow(xvfb, tmp_path, W, H, library=library, mirror=False) as win:
        win.touch(W // 2, 40)
        win.wait_for(markers_visible, "the camera picture")
        win.touch(*RECORD)
        time.sleep(2.5)
        win.touch(*RECORD)
        deadline = time.monotonic() + 20
        while not list((library / "looks").glob("*.mp4")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # the replay opens
        win.touch(*SHARE)  # not kept yet: the consent question comes first
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question with two answers")
        yes_y = choice_buttons(dialog)[0]
        win.touch(W // 2, yes_y)
        # After the yes, the QR code appears by itself; decode it from the screen like a phone would.
        detector = cv2.QRCodeDetector()
        url = ""
        deadline = time.monotonic() + 15
        while not url.startswith("http") and time.monotonic() < deadline:
            shot = win.grab()
            url, _, _ = detector.detectAndDecode(shot)
            time.sleep(0.3)
        assert url.startswith("http://127.0.0.1:") and "/s/" in url, f"no QR code on screen:\n{win.log.read_text()}"
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<video" in page.text
