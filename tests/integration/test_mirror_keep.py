"""On the real mirror window: the replay's buttons stay where they are when a look is kept.

A yes to keeping used to take the Keep button away, and the column re-centred: Share and Delete
moved under the shopper's finger, so a tap meant for Share could land on Delete.
"""

from __future__ import annotations

import cv2
import pytest

from tests.integration.test_mirror_share import BUTTON_X, BUTTON_Y, H, W, record_a_take, replaying
from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import choice_buttons, round_button_at, round_buttons_down

pytestmark = [pytest.mark.ui, pytest.mark.slow]

RING = 31.0  # the replay's buttons: 64 px discs in a 2 px white ring
SHARE, KEEP, DELETE = BUTTON_Y[2], BUTTON_Y[3], BUTTON_Y[4]


def column(image) -> list[int]:
    """Centre rows of the replay's round buttons, top to bottom."""
    return round_buttons_down(image, BUTTON_X, RING)


def near(rows: list[int], y: int, slack: int = 3) -> bool:
    return any(abs(r - y) <= slack for r in rows)


def replay_column(win: MirrorWindow) -> list[int]:
    """Wait for the replay of the take just recorded, all five buttons up; their rows."""
    image = win.wait_for(lambda im: replaying(im) and len(column(im)) == 5, "the replay's five buttons", timeout=30)
    rows = column(image)
    assert near(rows, SHARE) and near(rows, KEEP) and near(rows, DELETE), rows
    return rows


def kept_column(win: MirrorWindow, before: list[int]) -> None:
    """After a yes: Keep says "Kept ✓" in its place, no longer a button (no ring), and the buttons
    around it have not moved."""
    after = win.wait_for(lambda im: not choice_buttons(im) and not round_button_at(im, BUTTON_X, KEEP, RING),
                         "the question closing and Keep changing", timeout=10)
    cv2.imwrite(str(win.log.parent / "kept.png"), after)
    rows = column(after)
    assert near(rows, SHARE) and near(rows, DELETE), f"Share and Delete moved: {before} -> {rows}"
    assert not near(rows, KEEP), f"Kept still looks like a button to press: {rows}"


def keep_touched_on_a_take(win: MirrorWindow) -> tuple[list[int], object]:
    """Wake the mirror, record a take and touch Keep: the replay's buttons before, and the consent question."""
    win.touch(W // 2, 40)
    win.wait_for(markers_visible, "the camera picture")
    record_a_take(win)
    before = replay_column(win)
    win.touch(BUTTON_X, KEEP)
    return before, win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question")


def test_keeping_a_look_leaves_share_and_delete_where_they_were(xvfb, tmp_path):
    with MirrorWindow(xvfb, tmp_path, W, H, mirror=False, extra_toml="[analysis]\nenabled = false\n") as win:
        before, dialog = keep_touched_on_a_take(win)
        win.touch(W // 2, choice_buttons(dialog)[0])  # "Yes, keep my looks"
        win.wait_until(lambda: "consent accepted" in win.log.read_text(), "the yes being recorded")
        kept_column(win, before)


def test_keep_touched_after_a_no_asks_again_on_a_mirror_without_a_card_reader(xvfb, tmp_path):
    # The walkthrough's dead end: with no card to tap, her no stood for the visit and Keep asked nothing.
    from kiosk.identity.prompt import NOT_KEPT_TAP_KEEP

    with MirrorWindow(xvfb, tmp_path, W, H, mirror=False, extra_toml="[analysis]\nenabled = false\n") as win:
        before, dialog = keep_touched_on_a_take(win)
        win.touch(W // 2, choice_buttons(dialog)[1])  # "No, thanks"
        win.wait_until(lambda: "consent declined" in win.log.read_text(), "the no being recorded")
        told = f"shown to the shopper: {NOT_KEPT_TAP_KEEP}"  # "...Changed your mind? Tap Keep on a look."
        win.wait_until(lambda: told in win.log.read_text(), "the words after the no")
        replay_column(win)  # the question gone, Keep still a button to press
        win.touch(BUTTON_X, KEEP)
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the question asked again by Keep")
        win.touch(W // 2, choice_buttons(dialog)[0])  # "Yes, keep my looks"
        win.wait_until(lambda: "consent accepted" in win.log.read_text(), "the yes being recorded")
        kept_column(win, before)
