"""The real window on a data folder that fills up: Record is greyed and says why while no take can
start, a tap on it gives the whole reason, and it is offered again by itself once space is freed."""

from __future__ import annotations

import numpy as np
import pytest

from tests.integration.test_mirror_window import MirrorWindow
from tests.integration.test_record_disk_full import MB, fill, small_disk  # noqa: F401 - the fixture

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 800, 600
PLAIN = "The mirror cannot record right now because its storage is full. Please ask a store associate."
# Record stands at the bottom right, 24 px in: a 64 px disc (x0, y0, x1, y1), its label under it.
DISC = (W - 88, H - 111, W - 24, H - 47)
LABEL = (W - 200, H - 44, W, H - 18)


def record_button(image: np.ndarray) -> tuple[int, int]:
    """(red pixels of Record's disc, width in pixels of the words under it)."""
    x0, y0, x1, y1 = DISC
    disc = image[y0:y1, x0:x1].astype(int)
    blue, green, red = disc[..., 0], disc[..., 1], disc[..., 2]
    reds = int(((red > green + 60) & (red > blue + 60)).sum())
    x0, y0, x1, y1 = LABEL
    columns = np.nonzero((image[y0:y1, x0:x1].max(axis=2) > 170).any(axis=0))[0]
    return reds, int(columns.max() - columns.min()) if len(columns) else 0


def test_record_is_greyed_with_its_reason_while_the_disk_is_full_and_comes_back(xvfb, small_disk, tmp_path):  # noqa: F811
    extra = "[analysis]\nenabled = false\n[recording]\nmin_free_mb = 8\n"
    with MirrorWindow(xvfb, tmp_path, W, H, library=small_disk / "lib", extra_toml=extra) as win:
        win.touch(W // 2, H // 2)
        offered = win.wait_for(lambda im: record_button(im)[0] > 1500, "Record, red", timeout=60)
        _, record_label = record_button(offered)
        assert record_label > 20

        filler = fill(small_disk, leave_bytes=4 * MB)  # below the 8 MB floor
        greyed = win.wait_for(lambda im: record_button(im)[0] == 0, "Record greyed")
        # It says why ("Storage full": wider than "Record"), not a bare grey disc.
        assert record_button(greyed)[1] > 1.4 * record_label, (record_button(greyed), record_label)
        assert "recording unavailable: Storage full" in win.log.read_text()

        # A tap on the greyed button gives the whole reason, and records nothing.
        before = len(win.log.read_text().splitlines())
        win.touch((DISC[0] + DISC[2]) // 2, (DISC[1] + DISC[3]) // 2)
        told = win.wait_until(lambda: next((line.split("shown to the shopper: ", 1)[1] for line in
                                            win.log.read_text().splitlines()[before:]
                                            if "shown to the shopper: " in line), None), "the reason on screen")
        assert told == PLAIN

        filler.unlink()  # space freed: Record comes back without anyone tapping
        back = win.wait_for(lambda im: record_button(im)[0] > 1500, "Record offered again")
        assert abs(record_button(back)[1] - record_label) <= 4
        assert "recording available again" in win.log.read_text()
