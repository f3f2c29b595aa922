"""A dialog's words grow with the mirror: on a 1080×1920 portrait mirror the consent question reads at
arm's length, not in the 18 px type a 640×720 window gets. The question comes up by a card tapped on
the PN532 simulator; its body's line pitch is read from the screenshot. "Forget me?", the same card
tapped again, spaces its lines as the consent question does."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.integration.test_mirror_cards import reader_sim, tap
from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import choice_buttons

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def body_line_pitch(image: np.ndarray) -> int:
    """The distance in px between the lines of a dialog's body text (#e0e0e0) above its first choice
    button: the period of its rows' letter counts. Rows with white in them (the title, a greeting
    above the shading) are not the body's."""
    top = image[:choice_buttons(image)[0] - 40].astype(int)
    light = (top.min(axis=2) >= 170) & (top.max(axis=2) <= 235) & (np.ptp(top, axis=2) <= 12)
    profile = np.where(top.max(axis=(1, 2)) <= 240, light.sum(axis=1), 0).astype(float)
    rows = np.nonzero(profile)[0]
    assert len(rows) and rows[-1] - rows[0] > 60, "no body text above the buttons"
    profile = profile[rows[0]:rows[-1] + 1] - profile[rows[0]:rows[-1] + 1].mean()
    corr = {lag: float(np.dot(profile[:-lag], profile[lag:])) for lag in range(10, min(120, len(profile) // 3))}
    best = max(corr.values())
    # The first lag that nearly matches the best: the line pitch, not a multiple of it.
    return min(lag for lag, value in corr.items() if value >= 0.85 * best
               and value >= corr.get(lag - 1, -np.inf) and value >= corr.get(lag + 1, -np.inf))


def consent_question(display: str, tmp_path, width: int, height: int) -> np.ndarray:
    """The screenshot of the consent question brought up by a card tapped in a fresh visit."""
    tmp_path.mkdir()
    link = tmp_path / "reader"
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with reader_sim(link) as sim, MirrorWindow(display, tmp_path, width, height, mirror=False, extra_toml=extra) as win:
        win.touch(width // 2, 40)
        win.wait_for(markers_visible, "the camera picture", timeout=60)
        win.wait_until(lambda: "connected" in win.log.read_text(), "the card reader connecting", timeout=30)
        tap(sim)
        image = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question", timeout=30)
    cv2.imwrite(str(tmp_path / f"consent-{width}x{height}.png"), image)
    return image


def test_the_consent_question_grows_with_a_portrait_mirror(xvfb, tall_screen, tmp_path):
    small = body_line_pitch(consent_question(xvfb, tmp_path / "small", 640, 720))
    tall = body_line_pitch(consent_question(tall_screen, tmp_path / "tall", 1080, 1920))
    # 18 px type (lines 1.2 apart) in the small window; on the portrait mirror 1.5 % of its height.
    assert 20 <= small <= 30, small
    assert tall >= 1.4 * small and tall >= 36, (small, tall)


def test_forget_me_spaces_its_lines_as_the_consent_question(tall_screen, tmp_path):
    # "Forget me?" set its body at the font's own line height, tighter than the consent question's
    # (1.2): the two questions of the same card read unlike on the same mirror.
    width, height = 1080, 1920
    link = tmp_path / "reader"
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with reader_sim(link) as sim, MirrorWindow(tall_screen, tmp_path, width, height, mirror=False,
                                               extra_toml=extra) as win:
        win.touch(width // 2, 40)
        win.wait_for(markers_visible, "the camera picture", timeout=60)
        win.wait_until(lambda: "connected" in win.log.read_text(), "the card reader connecting", timeout=30)
        tap(sim)
        consent = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question", timeout=30)
        win.touch(width // 2, choice_buttons(consent)[0])  # yes: the card is tied to the visit
        win.wait_for(lambda im: not choice_buttons(im), "the question answered")
        win.wait_until(lambda: "card removed" in win.log.read_text(), "the card leaving the reader", timeout=10)
        tap(sim)  # the same card again: "Forget me?"
        forget = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the forget-me question", timeout=30)
    cv2.imwrite(str(tmp_path / "forget-1080x1920.png"), forget)
    cv2.imwrite(str(tmp_path / "consent-1080x1920.png"), consent)
    asked, forgetting = body_line_pitch(consent), body_line_pitch(forget)
    assert abs(forgetting - asked) <= 2, (asked, forgetting)
