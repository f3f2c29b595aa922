"""Reading the mirror's screen in tests: QR codes as a phone would, the dialog's choice buttons,
the round buttons and how much they grow with the screen, the lines of a message's words.

OpenCV's classic ``QRCodeDetector`` fails to decode about 3 % of our share codes even from the
crisp PNG itself (200 random share URLs: 7 misses), so a test that read one link per run
failed now and then for no fault of the mirror. The ArUco-based detector read 1,200 of
1,200 (the PNG, and the PNG scaled to the share sheet's 320 px on a dark screen).
"""

from __future__ import annotations

import cv2
import numpy as np


def grow(height: int) -> float:
    """How much the round buttons, the tray and the pick bar grow on a window ``height`` px tall: as
    the dialogs' type (1.5 % of the height over its 18 px floor), 1 on small windows."""
    return max(1.0, height * 0.015 / 18)


def read_qr(image) -> str:
    """The text of the QR code in ``image`` (BGR), or "" when none can be read."""
    text, _, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    return text or ""


def choice_buttons(image: np.ndarray) -> list[int]:
    """Centre rows of an open dialog's wide choice buttons (#2a2a2c), top to bottom: wider than 40 %
    of the window, or than 300 px on a wide one (a 1920×1080 mirror's dialog is 640 px wide, its
    buttons 584 px, less their words in the rows they take)."""
    mask = np.all(np.abs(image.astype(int) - (44, 42, 42)) <= 3, axis=2)
    rows = np.nonzero(mask.sum(axis=1) > min(image.shape[1] * 0.4, 300))[0]
    bands, start = [], None
    for a, b in zip(rows, list(rows[1:]) + [None]):
        start = a if start is None else start
        if b is None or b != a + 1:
            if a - start > 20:
                bands.append((start + a) // 2)
            start = None
    return bands


def round_button_at(image: np.ndarray, x: int, y: int, radius: float = 27.0, slack: int = 4) -> bool:
    """Whether one of the mirror's round buttons (a white ring of ``radius`` px) is centred within
    ``slack`` px of (x, y). A light picture behind it does not make a ring: letters and squares
    cover a few degrees of it, the ring all of them."""
    return _ring_at(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), x, y, radius, slack)


def _ring_at(gray: np.ndarray, x: int, y: int, radius: float, slack: int) -> bool:
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    for cx in range(x - slack, x + slack + 1, 2):
        for cy in range(y - slack, y + slack + 1, 2):
            ring = np.max([gray[np.clip((cy + (radius + d) * np.sin(angles)).astype(int), 0, gray.shape[0] - 1),
                                np.clip((cx + (radius + d) * np.cos(angles)).astype(int), 0, gray.shape[1] - 1)]
                           for d in (-1.5, -0.5, 0.5, 1.5)], axis=0)
            if (ring > 170).mean() > 0.85:
                return True
    return False


def round_buttons_down(image: np.ndarray, x: int, radius: float) -> list[int]:
    """Centre rows of the round buttons (white rings of ``radius`` px) in the column at ``x``, top to bottom."""
    margin = int(radius) + 2
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    rows = [y for y in range(margin, image.shape[0] - margin) if _ring_at(gray, x, y, radius, slack=0)]
    centres, run = [], []
    for y in rows:
        if run and y != run[-1] + 1:
            centres.append(sum(run) // len(run))
            run = []
        run.append(y)
    return centres + [sum(run) // len(run)] if run else centres


def type_lines(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The lines of white type (a message's or a heading's words over a dark picture), top to bottom,
    as (x, y, w, h) boxes."""
    white = image.min(axis=2) > 200
    bands: list[list[int]] = []
    for row in np.nonzero(white.any(axis=1))[0]:
        if bands and row <= bands[-1][1] + 1:
            bands[-1][1] = row
        else:
            bands.append([row, row])
    boxes = []
    for top, bottom in bands:
        cols = np.nonzero(white[top:bottom + 1].any(axis=0))[0]
        boxes.append((int(cols.min()), int(top), int(np.ptp(cols)) + 1, int(bottom - top) + 1))
    return boxes
