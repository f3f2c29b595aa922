"""On a full-size portrait mirror (1080×1920), with a card reader on a real pseudo-terminal (the
PN532 simulator): a shopper who said no to keeping her looks, then taps her loyalty card, is asked
again (the tap is a new wish to keep them, tied to that card), and a yes keeps the look on it.
After her first no the screen says so, and that her card tapped again asks again.
A no to that question, then the card again, asks once more."""

from __future__ import annotations

import pytest

from kiosk.identity.prompt import NOT_KEPT_TAP_AGAIN
from tests.integration.test_mirror_associate import customers
from tests.integration.test_mirror_cards import looks, reader_sim, tap
from tests.integration.test_mirror_share import record_a_take
from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import choice_buttons, grow, round_buttons_down, type_lines

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 1080, 1920
RECORD = (W - 56, H - 80)
DISC = 64 * grow(H)  # the replay's column (Mirror, Slow, Share, Keep, Delete) at the right edge
COLUMN_X = round(W - 16 - DISC / 2)


def keep_button(image) -> tuple[int, int] | None:
    """Where the replay's Keep is (the fourth disc of its column), once the column is up."""
    rows = round_buttons_down(image, COLUMN_X, DISC / 2 - 1)
    return (COLUMN_X, rows[3]) if len(rows) == 5 else None


def question(win: MirrorWindow, what: str):
    return win.wait_for(lambda im: len(choice_buttons(im)) == 2, what, timeout=15)


def answer(win: MirrorWindow, dialog, yes: bool, logged: str, times: int) -> None:
    """Tap Yes or No on ``dialog``; wait until the answer is on record (``logged`` seen ``times``
    times in the log) and the question has left the screen."""
    win.touch(W // 2, choice_buttons(dialog)[0 if yes else 1])
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
        told_tap_again(win)  # "...Changed your mind? Tap your card."

        card_again(win, sim, taps=1)  # her card after the no: a new wish to keep her looks
        assert "next: consent" in win.log.read_text()
        # ...so the question again, now speaking of the card she just tapped; she says no once more
        answer(win, question(win, "the question after the card"), yes=False, logged="consent declined", times=2)

        card_again(win, sim, taps=2)  # card, no, card again: asked again
        answer(win, question(win, "the question after the card again"), yes=True, logged="consent accepted", times=1)
        win.wait_until(lambda: looks(library)[0]["consent"] == "granted", "the consent on the look", timeout=10)
        assert looks(library)[0]["customer_id"], "the yes after the tap keeps the look on the card"
