"""On a full-size portrait mirror (1080×1920), the associate panel a staff card opens keeps its
buttons on the screen however much associates noted on the customer's looks: five notes of the
longest kind scroll inside the panel, which stands below the messages ("Hello, Anna!"), and Close
closes it. Its looks' tiles and their words grow with the screen, the words within their tile,
and a look kept for the customer says "Kept ✓"; the tiles wrap, none cut by the card's edge. The
looks tray's lengths ("3 s") grow with it too. Left open, the panel closes by itself when the staff
card's unlock runs out."""

from __future__ import annotations

import contextlib
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
from tests.screen import choice_buttons, grow

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 1080, 1920
STAFF = "04A1B2C3D4E5F6"


def customers(tmp_path, folder) -> None:
    """The test card's customer (Anna) and a staff card (Sam) on file in the library in ``folder``."""
    crm = tmp_path / "crm.csv"
    crm.write_text(f"card_uid,first_name,loyalty_tier,staff_role\n{UID},Anna,gold,\n{STAFF},Sam,,associate\n")
    cfg = tmp_path / "import.toml"
    cfg.write_text(f'[library]\ndata_dir = "{folder}"\n')
    subprocess.run([PYTHON, "-m", "kiosk", "customers", "import", str(crm), "--config", str(cfg)], check=True,
                   capture_output=True)


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
    customers(tmp_path, folder)
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


POSTER_BGR = (170, 90, 30)  # a plain blue poster: the labels' white letters stand out from it


def looks_library(tmp_path, count: int = 3):
    """A library with ``count`` looks kept on the test card yesterday, each with a plain blue poster,
    and the card's customer and a staff card on file."""
    from kiosk.identity.cardkey import CardKeyer
    from kiosk.library import Library

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "store-secret").write_text(SECRET + "\n")
    made = make_look(tmp_path.parent, "look", 270, 480, Turn(start_s=0.5, turn_s=2.0, seconds=3.0))
    yesterday = (datetime.now() - timedelta(days=1)).timestamp()
    poster = np.full((480, 270, 3), POSTER_BGR, np.uint8)
    with Library(folder) as library:
        for i in range(count):
            look = store_look(library, made, customer_id=CardKeyer(bytes.fromhex(SECRET)).key(UID),
                              created=yesterday + i)
            cv2.imwrite(str(library.layout.poster(look)), poster)
    customers(tmp_path, folder)
    return folder


@contextlib.contextmanager
def consented(display: str, tmp_path, width: int, height: int, library, toml: str = ""):
    """The mirror at ``width`` × ``height`` (and ``toml`` in its settings) with the customer's card and
    yes to keeping their looks: (the window, ``tap(uid)`` on the card reader), the window open until
    the block ends."""
    link = tmp_path / "reader"
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n' + toml
    with reader_sim(link) as sim, MirrorWindow(display, tmp_path, width, height, library=library,
                                               extra_toml=extra) as win:
        def tap(uid: str) -> None:
            sim.stdin.write(f"{uid}\n")
            sim.stdin.flush()

        win.touch(width // 2, 80)
        win.wait_for(markers_visible, "the camera picture", timeout=60)
        win.wait_until(lambda: "connected" in win.log.read_text(), "the card reader connecting", timeout=30)
        tap(UID)
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question", timeout=30)
        win.touch(width // 2, choice_buttons(dialog)[0])  # yes: the associate may see the customer's notes
        win.wait_for(lambda im: not choice_buttons(im), "the question answered")
        win.wait_until(lambda: "card removed" in win.log.read_text(), "the card leaving the reader", timeout=10)
        yield win, tap


@contextlib.contextmanager
def open_panel(display: str, tmp_path, width: int, height: int, library, toml: str = ""):
    """The mirror at ``width`` × ``height`` with the customer's card, yes to keeping their looks, then
    the staff card: (the window, the panel on screen), the window open until the block ends."""
    with consented(display, tmp_path, width, height, library, toml) as (win, tap):
        tap(STAFF)
        win.wait_until(lambda: "a staff card" in win.log.read_text(), "the staff card read", timeout=10)
        yield win, win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the panel's two buttons", timeout=20)


def keep_tiles(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the panel's look tiles, left to right: their #303030 frames around a poster."""
    mask = (np.abs(image.astype(int) - 48) <= 2).all(axis=2)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
    return sorted((x, y, w, h) for x, y, w, h, _ in stats[1:] if w >= 60 and h > w)


def test_the_panels_tiles_and_their_words_grow_with_the_screen_and_stay_within_their_tile(tall_screen, tmp_path):
    # "Keep for customer" was 12 px under 90×110 tiles at any size: a word too small to read on a
    # portrait mirror, and wider than its tile, so it ran into the next tile's. Every tile offered
    # it, even on looks already kept for the customer (all five here, from yesterday), and on a
    # 540×960 window the fifth tile ran past the card's edge, cut in half.
    measured = {}
    for width, height in ((540, 960), (W, H)):
        folder = tmp_path / f"{width}x{height}"
        folder.mkdir()
        with open_panel(tall_screen, folder, width, height, looks_library(folder, count=5)) as (_, panel):
            cv2.imwrite(str(tmp_path / f"panel-{width}x{height}.png"), panel)
        tiles = keep_tiles(panel)
        # Five whole tiles, wrapped into rows within the card: none cut by its edge.
        assert len(tiles) == 5 and len({(w, h) for _, _, w, h in tiles}) == 1, tiles
        # The words: white letters in the tiles' rows, every one of them within its own tile (the
        # poster is plain blue, the card and the gaps between tiles dark).
        white = panel.min(axis=2) > 200
        inside = np.zeros(white.shape, bool)
        for x, y, w, h in tiles:
            inside[y:y + h, x + 1:x + w - 1] = True
        top, bottom = min(y for _, y, _, _ in tiles), max(y + h for _, y, _, h in tiles)
        rows, cols = np.nonzero(white[top:bottom] & ~inside[top:bottom])
        assert not len(rows), (f"words outside their tile at x = {sorted(set(cols.tolist()))[:20]}", tiles)
        words = []  # the height of each tile's words: one line, "Kept ✓", not "Keep for / customer"
        for x, y, w, h in tiles:
            here = np.nonzero(white[y:y + h, x:x + w].any(axis=1))[0] + y
            assert len(here) and here[0] > y + h / 2, (f"no words at the foot of the tile {(x, y, w, h)}", here)
            words.append(here[-1] - here[0] + 1)
        size = max(18, height * 0.015) * 0.7  # the words' type
        assert max(words) <= 1.3 * size, (f"two lines of words on a kept look's tile ({size:.0f} px type)", words)
        measured[width] = (tiles[0][2], tiles[0][3], min(words))
    (small_w, small_h, small_words), (big_w, big_h, big_words) = measured[540], measured[W]
    # The tiles and their words grow with the screen, 1.6 × from the dialogs' 18 px floor to 29 px.
    assert big_w >= 1.4 * small_w and big_h >= 1.4 * small_h, measured
    assert big_words >= 1.4 * small_words, measured


def test_five_long_notes_leave_the_panels_close_button_on_a_portrait_mirror(tall_screen, tmp_path):
    library = noted_library(tmp_path)
    with open_panel(tall_screen, tmp_path, W, H, library) as (win, panel):
        # End this session and Close, both whole on the screen (a button is 2.8 × 29 px type tall).
        cv2.imwrite(str(tmp_path / "panel.png"), panel)
        close = choice_buttons(panel)[-1]
        assert close + 45 < H, f"Close runs off the screen's foot at {close}"
        # "Hello, Anna!" and "Thank you…" stand above the card, not over its heading and summary.
        rows = message_rows(panel)
        assert len(rows) and rows[-1] < card_top(panel), (rows.tolist(), card_top(panel))
        win.touch(W // 2, close)
        win.wait_for(lambda im: not choice_buttons(im), "the panel closed", timeout=10)


def test_the_panel_closes_by_itself_when_the_staff_cards_unlock_runs_out(tall_screen, tmp_path):
    # The unlock ran out (120 s), but the panel stayed on the screen with the shopper's name, tier
    # and looks for whoever came into the fitting room next. Here the unlock is 10 s.
    toml = "[identity]\nassociate_unlock_s = 10\n"
    with open_panel(tall_screen, tmp_path, 540, 960, looks_library(tmp_path, count=1), toml) as (win, panel):
        assert len(keep_tiles(panel)) == 1, "the panel shows the customer's look"
        closed = win.wait_for(lambda im: not choice_buttons(im) and not keep_tiles(im), "the panel closing by itself",
                              timeout=30)
        cv2.imwrite(str(tmp_path / "closed.png"), closed)
        said = "shown to the shopper: The associate panel closed after 10 seconds. Tap a staff card to open it again."
        win.wait_until(lambda: said in win.log.read_text(), "the mirror saying why", timeout=10)


PILL_BGR = tuple(round(c * (1 - 0xb0 / 255)) for c in POSTER_BGR)  # #b0000000 over the blue poster


def duration_pills(image: np.ndarray, height: int) -> list[tuple[int, int, int]]:
    """(width, height, height of the white letters) of the looks tray's duration pills ("3 s"),
    left to right: their dark shade over the thumbnails' blue posters at the screen's foot."""
    foot = image[height - 16 - round(120 * grow(height)):height - 16].astype(int)
    mask = (np.abs(foot - PILL_BGR) <= 10).all(axis=2).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    pills = []
    for x, y, w, h, _ in sorted(stats[1:], key=lambda s: s[0]):
        if w > h >= 10:
            ink = np.nonzero((foot[y:y + h, x:x + w].min(axis=2) > 200).any(axis=1))[0]
            pills.append((int(w), int(h), int(ink[-1] - ink[0] + 1) if len(ink) else 0))
    return pills


def test_the_trays_duration_labels_grow_with_the_screen(tall_screen, tmp_path):
    # The looks' lengths ("3 s") stayed 17 px on a 1080x1920 mirror, under 144x192 thumbnails:
    # the smallest words on any of its screens.
    measured = {}
    for width, height in ((540, 960), (W, H)):
        folder = tmp_path / f"{width}x{height}"
        folder.mkdir()
        with consented(tall_screen, folder, width, height, looks_library(folder)) as (win, _):
            tray = win.wait_for(lambda im: len(duration_pills(im, height)) == 3, "the tray's three lengths",
                                timeout=20)
        cv2.imwrite(str(tmp_path / f"tray-{width}x{height}.png"), tray)
        measured[width] = duration_pills(tray, height)[0]
    (small_w, small_h, small_ink), (big_w, big_h, big_ink) = measured[540], measured[W]
    # As the tray: 1.6 x from 12 px type on a 540x960 window (as before) to 19 px on 1080x1920.
    assert small_ink >= 7 and small_h <= 18, measured
    assert big_w >= 1.45 * small_w and big_h >= 1.45 * small_h and big_ink >= 1.3 * small_ink, measured
