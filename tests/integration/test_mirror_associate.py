"""On a full-size portrait mirror (1080×1920), the associate panel a staff card opens keeps its
buttons on the screen however much associates noted on the customer's looks: five notes of the
longest kind scroll inside the panel, which stands below the messages ("Hello, Anna!"), and Close
closes it."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import cv2
import numpy as np
import pytest

from bench._turning import Turn, make_look, store_look
from tests.conftest import PYTHON
from tests.integration.test_mirror_cards import UID, reader_sim
from tests.integration.test_mirror_compare import SECRET
from tests.integration.test_mirror_window import MirrorWindow, markers_visible
from tests.screen import choice_buttons

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 1080, 1920
STAFF = "04A1B2C3D4E5F6"


def noted_library(tmp_path):
    """A library with one look kept on the test card yesterday, five of the longest notes on it (500
    characters, a 120-character product line), and the card's customer and a staff card on file."""
    from kiosk.identity.cardkey import CardKeyer
    from kiosk.library import Library
    from kiosk.library.look import NOTE_PRODUCT_MAX, NOTE_TEXT_MAX

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "store-secret").write_text(SECRET + "\n")
    made = make_look(tmp_path, "look", 270, 480, Turn(start_s=0.5, turn_s=2.0, seconds=3.0))
    words = "wants the linen shirt in navy and in sage, size 38 or 40 depending on the cut, call on Thursday; "
    yesterday = (datetime.now() - timedelta(days=1)).timestamp()
    with Library(folder) as library:
        look = store_look(library, made, customer_id=CardKeyer(bytes.fromhex(SECRET)).key(UID), created=yesterday)
        for i in range(5):
            library.add_note(look, text=(f"{i + 1}. " + words * 6)[:NOTE_TEXT_MAX],
                             product=("Linen shirt, navy, slim fit, M · SKU 40213-NV-M · " * 3)[:NOTE_PRODUCT_MAX])
    crm = tmp_path / "crm.csv"
    crm.write_text(f"card_uid,first_name,loyalty_tier,staff_role\n{UID},Anna,gold,\n{STAFF},Sam,,associate\n")
    cfg = tmp_path / "import.toml"
    cfg.write_text(f'[library]\ndata_dir = "{folder}"\n')
    subprocess.run([PYTHON, "-m", "kiosk", "customers", "import", str(crm), "--config", str(cfg)], check=True,
                   capture_output=True)
    return folder


def card_top(image: np.ndarray) -> int:
    """The top row of the dialog's card: its grey (#1c1c1e) begins at x = 100, left of the
    messages' pills, where the dimmed screen above it is black."""
    return int(np.argmax(image[:, 100].max(axis=1) > 15))


def message_rows(image: np.ndarray) -> np.ndarray:
    """Rows in the top 400 px with the messages' white letters in the screen's middle (the card's
    heading and summary stand further left, in grey or not as far)."""
    middle = image[:400, 400:680]
    return np.nonzero((middle.min(axis=2) > 240).sum(axis=1) >= 3)[0]


def test_five_long_notes_leave_the_panels_close_button_on_a_portrait_mirror(tall_screen, tmp_path):
    library = noted_library(tmp_path)
    link = tmp_path / "reader"
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with reader_sim(link) as sim, MirrorWindow(tall_screen, tmp_path, W, H, library=library, extra_toml=extra) as win:
        def tap(uid: str) -> None:
            sim.stdin.write(f"{uid}\n")
            sim.stdin.flush()

        win.touch(W // 2, 80)
        win.wait_for(markers_visible, "the camera picture", timeout=60)
        win.wait_until(lambda: "connected" in win.log.read_text(), "the card reader connecting", timeout=30)
        tap(UID)
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question", timeout=30)
        win.touch(W // 2, choice_buttons(dialog)[0])  # yes: the associate may see the customer's notes
        win.wait_for(lambda im: not choice_buttons(im), "the question answered")
        win.wait_until(lambda: "card removed" in win.log.read_text(), "the card leaving the reader", timeout=10)
        tap(STAFF)
        win.wait_until(lambda: "a staff card" in win.log.read_text(), "the staff card read", timeout=10)
        # End this session and Close, both whole on the screen (a button is 2.8 × 29 px type tall).
        panel = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the panel's two buttons", timeout=20)
        cv2.imwrite(str(tmp_path / "panel.png"), panel)
        close = choice_buttons(panel)[-1]
        assert close + 45 < H, f"Close runs off the screen's foot at {close}"
        # "Hello, Anna!" and "Thank you…" stand above the card, not over its heading and summary.
        rows = message_rows(panel)
        assert len(rows) and rows[-1] < card_top(panel), (rows.tolist(), card_top(panel))
        win.touch(W // 2, close)
        win.wait_for(lambda im: not choice_buttons(im), "the panel closed", timeout=10)
