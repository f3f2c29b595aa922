"""On the real mirror window: "Other size" asks which way, and the associate's list says it."""

from __future__ import annotations

import pytest

from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import round_button_at

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 640, 720
# The help column above the record button, bottom to top: Call staff, Other size (Cancel while
# choosing), Smaller, Larger; 90 px apart at this window size.
X = W - 52
CALL_STAFF, OTHER, SMALLER, LARGER = ((X, H - 182 - 90 * i) for i in range(4))


def requests(win: MirrorWindow) -> list[dict]:
    return sorted(win.api("/assist")["requests"], key=lambda r: r["created_at"])


def test_other_size_asks_which_way_and_the_request_says_it(xvfb, tmp_path):
    with MirrorWindow(xvfb, tmp_path, W, H) as win:
        win.touch(W // 2, 40)
        win.wait_for(lambda im: markers_visible(im) and round_button_at(im, *OTHER), "the mirror's Other size button")
        image = win.grab()
        assert not round_button_at(image, *SMALLER) and not round_button_at(image, *LARGER)

        win.touch(*OTHER)
        win.wait_for(lambda im: round_button_at(im, *SMALLER) and round_button_at(im, *LARGER), "Smaller and Larger")
        assert requests(win) == []  # choosing sends nothing yet
        win.touch(*SMALLER)
        sent = win.wait_until(lambda: requests(win), "the size request")
        assert [(r["kind"], r["detail"], r["open"]) for r in sent] == [("size", "one size smaller", True)]
        win.wait_for(lambda im: not round_button_at(im, *LARGER), "the choice folding away after the answer")
        win.wait_until(lambda: "Asked for one size smaller." in win.log.read_text(), "the mirror saying what it asked")

        # Cancel sits where Other size was: a second tap closes the choice and asks for nothing.
        win.touch(*OTHER)
        win.wait_for(lambda im: round_button_at(im, *LARGER), "the choice again")
        win.touch(*OTHER)
        win.wait_for(lambda im: not round_button_at(im, *LARGER), "the choice cancelled")
        win.touch(*CALL_STAFF)  # a request after the cancel: once it is listed, the cancel sent nothing
        listed = win.wait_until(lambda: len(requests(win)) == 2 and requests(win), "the call for an associate")
        assert [(r["kind"], r["detail"]) for r in listed] == [("size", "one size smaller"), ("associate", "")]

        win.touch(*OTHER)
        win.wait_for(lambda im: round_button_at(im, *LARGER), "the choice a third time")
        win.touch(*LARGER)
        listed = win.wait_until(lambda: len(requests(win)) == 3 and requests(win), "the request for a larger size")
        assert (listed[-1]["kind"], listed[-1]["detail"]) == ("size", "one size larger")
