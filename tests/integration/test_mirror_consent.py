"""On a full-size portrait mirror (1080×1920), with a card reader on a real pseudo-terminal (the
PN532 simulator): a shopper who said no to keeping her looks, then taps her loyalty card, is asked
again (the tap is a new wish to keep them, tied to that card), and a yes keeps the look on it.
After her first no the screen says so, and that Keep or her card tapped asks again.
A no to that question, then the card again, asks once more. The question asked before any tap
(it speaks of a card she may tap, and of a second tap to be forgotten) stands whole on a 540x960
mirror as on a 1080x1920 one."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.identity import WORDING
from kiosk.identity.prompt import NOT_KEPT_TAP_AGAIN
from tests.integration.test_mirror_associate import customers
from tests.integration.test_mirror_cards import looks, reader_sim, tap
from tests.integration.test_mirror_share import record_a_take
from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import choice_buttons, grow, round_buttons_down, type_lines

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 1080, 1920
RECORD = (W - 56, H - 80)


def keep_button(image) -> tuple[int, int] | None:
    """Where the replay's Keep is (the fourth disc of its column), once the column is up."""
    height, width = image.shape[:2]
    disc = 64 * grow(height)
    column_x = round(width - 16 - disc / 2)
    rows = round_buttons_down(image, column_x, disc / 2 - 1)
    return (column_x, rows[3]) if len(rows) == 5 else None


def question(win: MirrorWindow, what: str):
    return win.wait_for(lambda im: len(choice_buttons(im)) == 2, what, timeout=15)


def answer(win: MirrorWindow, dialog, yes: bool, logged: str, times: int) -> None:
    """Tap Yes or No on ``dialog``; wait until the answer is on record (``logged`` seen ``times``
    times in the log) and the question has left the screen."""
    win.touch(dialog.shape[1] // 2, choice_buttons(dialog)[0 if yes else 1])
    win.wait_until(lambda: win.log.read_text().count(logged) >= times, f"answer {times} recorded", timeout=10)
    win.wait_for(lambda im: not choice_buttons(im), "the question leaving the screen", timeout=10)


def told_tap_again(win: MirrorWindow) -> None:
    """The words after a no on screen: logged as shown, and two lines of type under the replay's
    heading (one line said only that nothing is kept), inside the window."""
    shown = f"shown to the shopper: {NOT_KEPT_TAP_AGAIN}"
    win.wait_until(lambda: shown in win.log.read_text(), "the words after the no")
    top = win.wait_for(lambda im: len(type_lines(im[:400])) == 3, "the heading and the message's two lines")[:400]
    heading, *message = type_lines(top)
    assert all(0 < x and x + w < W and y > heading[1] + heading[3] for x, y, w, _ in message), (heading, message)


def card_again(win: MirrorWindow, sim, taps: int) -> None:
    """The card off the reader since the last tap (the reader says so in the log), then tapped."""
    log = win.log.read_text
    win.wait_until(lambda: log().count("card removed") >= taps - 1, "the card leaving the reader", timeout=10)
    tap(sim)
    win.wait_until(lambda: log().count("card tapped") >= taps, f"tap {taps} handled", timeout=10)


def test_a_card_tapped_after_a_no_asks_again_and_its_yes_keeps_the_look_on_the_card(tall_screen, tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    customers(tmp_path, library)  # Anna's card is on file
    link = tmp_path / "reader"
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with reader_sim(link) as sim, MirrorWindow(tall_screen, tmp_path, W, H, library=library, mirror=False,
                                               extra_toml=extra) as win:
        win.touch(W // 2, 40)
        win.wait_for(markers_visible, "the camera picture", timeout=60)
        win.wait_until(lambda: "connected" in win.log.read_text(), "the card reader connecting", timeout=30)
        record_a_take(win, button=RECORD)
        win.wait_until(lambda: looks(library), "the look in the library")
        replay = win.wait_for(lambda im: keep_button(im) is not None, "the replay's Keep", timeout=60)

        win.touch(*keep_button(replay))  # Keep: the question, without a card yet
        answer(win, question(win, "the question asked by Keep"), yes=False, logged="consent declined", times=1)
        told_tap_again(win)  # "...Changed your mind? Tap Keep on a look."

        card_again(win, sim, taps=1)  # her card after the no: a new wish to keep her looks
        assert "next: consent" in win.log.read_text()
        # ...so the question again, now speaking of the card she just tapped; she says no once more
        answer(win, question(win, "the question after the card"), yes=False, logged="consent declined", times=2)

        card_again(win, sim, taps=2)  # card, no, card again: asked again
        answer(win, question(win, "the question after the card again"), yes=True, logged="consent accepted", times=1)
        win.wait_until(lambda: looks(library)[0]["consent"] == "granted", "the consent on the look", timeout=10)
        assert looks(library)[0]["customer_id"], "the yes after the tap keeps the look on the card"


def card_bottom(image: np.ndarray) -> int:
    """The last row of the dialog's card (#1c1c1e, over the dimmed picture) in the window's middle column."""
    column = image[:, image.shape[1] // 2].astype(int)
    rows = np.nonzero((np.abs(column - (30, 28, 28)) <= 3).all(axis=1))[0]
    return int(rows.max())


@pytest.mark.parametrize("width, height", [(540, 960), (W, H)])
def test_the_question_before_a_tap_stands_whole_on_the_screen(tall_screen, tmp_path, width, height):
    # Asked by Keep with the card reader connected and no card tapped: the wording that speaks of
    # a card she may tap (its longest), both answers and the card's foot inside the window.
    link = tmp_path / "reader"
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with reader_sim(link), MirrorWindow(tall_screen, tmp_path, width, height, mirror=False, extra_toml=extra) as win:
        win.touch(width // 2, 40)
        win.wait_for(markers_visible, "the camera picture", timeout=60)
        win.wait_until(lambda: "connected" in win.log.read_text(), "the card reader connecting", timeout=30)
        record_a_take(win, button=(width - 56, height - 80))
        replay = win.wait_for(lambda im: keep_button(im) is not None, "the replay's Keep", timeout=60)
        win.touch(*keep_button(replay))
        dialog = question(win, "the question asked by Keep")
        cv2.imwrite(str(tmp_path / f"question-{width}x{height}.png"), dialog)
        yes, no = choice_buttons(dialog)
        # The card is clipped to the screen when its words outgrow it: No, then its margin, cut off.
        assert no - yes < height / 8 and card_bottom(dialog) >= no + (no - yes) // 2, (yes, no, card_bottom(dialog))
        assert card_bottom(dialog) < height - 16, card_bottom(dialog)
        answer(win, dialog, yes=True, logged="consent accepted", times=1)
        assert f"consent accepted (wording {WORDING.version}, touch)" in win.log.read_text()
