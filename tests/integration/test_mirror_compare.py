"""On the real mirror window: a loyalty card brings the shopper's kept looks into the tray, they pick
them and see them side by side, turning together; a drag turns every pane at once.

The looks are made for the test (``bench._turning``): a figure turning once whose colour is its
body angle (hue = yaw / 2), stored with the yaw track the mirror keeps. So the screen itself
says which body angle each pane shows: panes lined up by angle have the same colour, although
one look turns clockwise, the other counter-clockwise, at another speed, from another angle.
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta

import cv2
import httpx
import numpy as np
import pytest

from bench._turning import Turn, make_look, store_look
from tests.conftest import PYTHON, ui_env
from tests.integration.test_mirror_cards import UID
from tests.integration.test_mirror_cards import reader  # noqa: F401 - the card reader fixture
from tests.integration.test_mirror_share import choice_buttons
from tests.integration.test_mirror_window import TOKEN, MirrorWindow, markers_visible
from tests.screen import grow, read_qr

pytestmark = [pytest.mark.ui, pytest.mark.slow]

SECRET = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"
TURNS = [
    Turn(start_s=0.8, turn_s=3.0, seconds=5.0),
    Turn(start_s=1.4, turn_s=2.2, direction=-1, start_yaw=60.0, seconds=5.0),
    Turn(start_s=0.5, turn_s=2.6, start_yaw=-30.0, seconds=5.0),
    Turn(start_s=1.0, turn_s=3.4, direction=-1, seconds=5.0),
]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return [make_look(folder, f"look{i}", 270, 480, turn, seed=i + 1) for i, turn in enumerate(TURNS)]


def kept_library(tmp_path, clips, count: int):
    """A library holding ``count`` looks kept on the test card in earlier visits, and the store secret."""
    from kiosk.identity.cardkey import CardKeyer
    from kiosk.library import Library

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "store-secret").write_text(SECRET + "\n")
    key = CardKeyer(bytes.fromhex(SECRET)).key(UID)
    yesterday = (datetime.now() - timedelta(days=1)).replace(hour=17, minute=5).timestamp()
    with Library(folder) as library:
        for i, clip in enumerate(clips[:count]):
            store_look(library, clip, customer_id=key, created=yesterday + 60 * i)
    crm = tmp_path / "crm.csv"
    crm.write_text(f"card_uid,first_name,loyalty_tier\n{UID},Anna,gold\n")
    cfg = tmp_path / "import.toml"
    cfg.write_text(f'[library]\ndata_dir = "{folder}"\n')
    subprocess.run([PYTHON, "-m", "kiosk", "customers", "import", str(crm), "--config", str(cfg)], check=True,
                   capture_output=True)
    return folder


def plays_by_time(library, first) -> None:
    """The oldest look (``first`` of ``kept_library``, the last pane) keeps only unsure body angles:
    its pane says why it plays by time, at its foot."""
    from bench._turning import turn_analysis
    from kiosk.library import Library

    with Library(library) as lib:
        oldest = min(lib.list(), key=lambda look: look.created)
        unsure = [[t, yaw, rotation, 0.01] for t, yaw, rotation, _ in first.track]
        lib.set_analysis(oldest.id, "turn", turn_analysis(first.turn, unsure))


def all_play_by_time(library, clips) -> None:
    """Every kept look keeps only unsure body angles: every pane plays by time."""
    from bench._turning import turn_analysis
    from kiosk.library import Library

    with Library(library) as lib:
        for look, made in zip(sorted(lib.list(), key=lambda look: look.created), clips):
            unsure = [[t, yaw, rotation, 0.01] for t, yaw, rotation, _ in made.track]
            lib.set_analysis(look.id, "turn", turn_analysis(made.turn, unsure))


def without_track(library) -> None:
    """The oldest look (the last pane) keeps no body-angle track: analysed, no body angle found."""
    from kiosk.library import Library

    with Library(library) as lib:
        oldest = min(lib.list(), key=lambda look: look.created)
        lib.set_analysis(oldest.id, "turn", {"turn": None, "yaw": [], "source": "made for a test"})


# -- reading the screen ---------------------------------------------------------------------------


def figure_mask(image: np.ndarray) -> np.ndarray:
    """Pixels of a turning figure: strongly coloured (the backdrop is grey, the labels white or black)."""
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    return (hsv[..., 1] > 150) & (hsv[..., 2] > 120)


def panes(image: np.ndarray, count: int) -> list[tuple[int, int, int, int]]:
    boxes = find_panes(image)
    assert len(boxes) == count, f"expected {count} panes, found {boxes}"
    return boxes


def find_panes(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of each pane: the textured backdrop's boxes, found row- and column-wise."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    lit = grey > 25
    # rows of panes are mostly lit; the bars above and below hold only text and buttons
    rows = np.nonzero(lit.mean(axis=1) > 0.2)[0]
    boxes = []
    for top, bottom in _runs(rows):
        cols = np.nonzero(lit[top:bottom].mean(axis=0) > 0.6)[0]
        for left, right in _runs(cols):
            if right - left > 40 and bottom - top > 80:
                boxes.append((int(left), int(top), int(right - left), int(bottom - top)))
    return boxes


def _runs(indexes: np.ndarray) -> list[tuple[int, int]]:
    runs, start, previous = [], None, None
    for i in indexes:
        if start is None:
            start = previous = i
        elif i == previous + 1:
            previous = i
        else:
            runs.append((start, previous + 1))
            start = previous = i
    if start is not None:
        runs.append((start, previous + 1))
    return [r for r in runs if r[1] - r[0] > 8]


def body_angle(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """The body angle a pane shows, read from its figure's colour (degrees, 0..360)."""
    x, y, w, h = box
    region = image[y : y + h, x : x + w]
    mask = figure_mask(region)
    assert mask.sum() > 0.05 * w * h, "the pane shows no figure"
    hsv = cv2.cvtColor(region, cv2.COLOR_BGR2HSV)
    yaws = np.radians(hsv[..., 0][mask].astype(float) * 2.0)  # OpenCV's hue is degrees / 2, the figure's is yaw / 2
    return float(np.degrees(np.arctan2(np.sin(yaws).mean(), np.cos(yaws).mean())) % 360.0)


def dial_centre(image: np.ndarray, width: int) -> tuple[int, int]:
    """The angle dial's centre (top right): its ring is the leftmost bright thing in the right half
    of the top bar, 48 px across at 540 px."""
    bar = image[:70, width // 2 :]
    bright = np.nonzero((bar.min(axis=2) > 150).any(axis=0))[0]
    assert bright.size, "no angle dial in the top bar"
    return width // 2 + int(bright[0]) + 24, 35


def dial_hand(image: np.ndarray, width: int) -> tuple[float, float] | None:
    """Where the dial's yellow dot (and hand) is, from its centre (y grows downwards)."""
    cx, cy = dial_centre(image, width)
    ring = image[cy - 24 : cy + 25, cx - 24 : cx + 25].astype(int)
    b, g, r = np.moveaxis(ring, 2, 0)
    ys, xs = np.nonzero((r > 200) & (g > 150) & (b < 140))
    return (float(xs.mean()) - 24, float(ys.mean()) - 24) if xs.size else None


def dial_body(image: np.ndarray, width: int) -> int:
    """Grey pixels of the body seen from above at the centre of the angle dial."""
    cx, cy = dial_centre(image, width)
    centre = image[cy - 4 : cy + 5, cx - 4 : cx + 5].astype(int)
    return int(((np.ptp(centre, axis=2) < 20) & (centre.min(axis=2) > 100) & (centre.max(axis=2) < 200)).sum())


def hint_width(image: np.ndarray, height: int) -> int:
    """How wide the grey line above Close and Share is ("Drag to turn…"), in pixels."""
    band = image[height - 16 - 87 - 10 - 17 : height - 16 - 87 - 10].astype(int)
    cols = np.nonzero(((band.min(axis=2) > 150) & (np.ptp(band, axis=2) < 20)).any(axis=0))[0]
    return int(cols[-1] - cols[0]) if cols.size else 0


def hands_free_rows(dialog: np.ndarray, width: int) -> int:
    """Rows of the consent question's grey small print (#a0a0a0, no brighter letters in them)."""
    card = dialog[: choice_buttons(dialog)[0] - 30, width // 8 : width * 7 // 8].astype(int)
    grey = (np.abs(card - 160) <= 12).all(axis=2)
    return int(((grey.sum(axis=1) >= 8) & (card.max(axis=(1, 2)) < 200)).sum())


def turn_hint_height(image: np.ndarray, boxes) -> int:
    """How tall the grey line under the panes ("Drag to turn…") is, in px: its letters between Close
    and Share (the screen's middle, clear of their rings and labels), below the lowest pane."""
    h, w = image.shape[:2]
    unit = max(64, min(w, h) * 0.09)  # the buttons' size, as CompareView has it
    top = max(y + bh for _, y, _, bh in boxes) + 2
    band = image[top:, round(w / 2 - 0.35 * unit):round(w / 2 + 0.35 * unit)].astype(int)
    rows = np.nonzero(((band.min(axis=2) > 120) & (np.ptp(band, axis=2) < 20)).sum(axis=1) >= 2)[0]
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def clear_of_controls(image: np.ndarray, boxes) -> bool:
    """Dark rows separate the panes from the bars above and below (nothing overlaps the controls):
    right by them, or past the labels standing above them and the hints below them."""
    top = min(b[1] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    dark = (cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) < 25).all(axis=1)
    reach = strip(image)

    def band(rows: np.ndarray) -> bool:  # eight dark rows in a row
        return any(rows[i : i + 8].all() for i in range(len(rows) - 7))

    return band(dark[max(top - reach, 0) : top - 1]) and band(dark[bottom + 1 : bottom + reach])


def strip(image: np.ndarray) -> int:
    """How far above a pane its label, or below it its hint, reaches at most (6 % of the screen's height)."""
    return round(0.06 * image.shape[0])


def white_text(image: np.ndarray, box: tuple[int, int, int, int], above: bool = False) -> int:
    """Near-white pixels in a pane's label: over its top tenth, and ``above`` it in the label's strip
    where the screen has room for it there."""
    x, y, w, h = box
    strip_top = y - strip(image) if above else y
    region = image[max(strip_top, 0) : y + max(h // 10, 30), x : x + w]
    return int((region.min(axis=2) > 200).sum())


def hint_lines(image: np.ndarray, box: tuple[int, int, int, int]) -> list[int]:
    """How wide each line of a pane's hint (#ffe8b0, in its lowest quarter or just below it) is, in px, top to bottom."""
    x, y, w, h = box
    b, g, r = np.moveaxis(image[y + h * 3 // 4 : y + h + strip(image), x : x + w].astype(int), 2, 0)
    ink = (r > 170) & (g > 140) & (b > 90) & (r - b > 40)
    widths = []
    for top, bottom in _runs(np.nonzero(ink.any(axis=1))[0]):
        cols = np.nonzero(ink[top:bottom].any(axis=0))[0]
        widths.append(int(cols[-1] - cols[0] + 1))
    return widths


def hint_pixels(image: np.ndarray, box: tuple[int, int, int, int]) -> int:
    """The letters of a pane's hint (#ffe8b0, the text's coloured fringes included) in its lowest quarter or just below it."""
    x, y, w, h = box
    b, g, r = np.moveaxis(image[y + h * 3 // 4 : y + h + strip(image), x : x + w].astype(int), 2, 0)
    return int(((r > 170) & (g > 140) & (b > 90) & (r - b > 40)).sum())


def whole(image: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A pane's box from its top to its foot: its label and hint darken most of their rows, never its edges."""
    x, y, w, h = box
    lit = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) > 25

    def edges(row: int) -> bool:
        return 0 <= row < image.shape[0] and lit[row, x + 1 : x + 6].all() and lit[row, x + w - 6 : x + w - 1].all()

    top, bottom = y, y + h
    while edges(top - 1):
        top -= 1
    while edges(bottom):
        bottom += 1
    return x, top, w, bottom - top


def message_rows(image: np.ndarray, boxes, bar_top: int) -> np.ndarray:
    """Rows above the bottom bar, from the lowest panes' top, with white letters outside every pane: a message's."""
    white = image[:bar_top].min(axis=2) > 220
    white[: max(b[1] for b in boxes)] = False
    for x, y, w, h in boxes:
        white[max(y - 6, 0) : y + h + 6, max(x - 6, 0) : x + w + 6] = False
    return np.nonzero(white.sum(axis=1) >= 2)[0]


def bar_top(height: int) -> int:
    """The top of a comparison's bottom bar: its buttons, then "Drag to turn" (no share note)."""
    return height - 16 - 87 - 10 - 17


class PanesAtRest:
    """A screen predicate: ``count`` panes where the previous grab found them (not moving), with a
    message up or none; ``boxes`` are the panes of the last grab, each from its top to its foot."""

    def __init__(self, count: int, bar_top: int) -> None:
        self.count = count
        self.bar_top = bar_top
        self.boxes: list = []

    def __call__(self, image: np.ndarray, message: bool) -> bool:
        boxes = [whole(image, box) for box in find_panes(image)]
        before, self.boxes = self.boxes, boxes
        if len(boxes) != self.count or boxes != before:
            return False
        return (len(message_rows(image, boxes, self.bar_top)) > 0) == message


# -- driving the window ---------------------------------------------------------------------------


def tray_thumbs(height: int, count: int) -> list[tuple[int, int]]:
    """Centres of the tray's first ``count`` thumbnails (90×120 px, 10 apart, 16 px from the corner, grown)."""
    g = grow(height)
    return [(round(16 + (45 + i * 100) * g), round(height - 16 - 60 * g)) for i in range(count)]


def compare_button(height: int) -> tuple[int, int]:
    """"Compare": a round button with its label (a 64 px disc, grown), 16 px above the tray on the left."""
    g = grow(height)
    label = 1.2 * max(12, 12.8 * g, height * 0.012)  # its line: 16 px on small windows, 28 on 1080×1920
    return round(16 + 32 * g), round(height - 16 - 120 * g - 16 - label - 6 - 32 * g)


GOLD = (42, 154, 184)  # the "Side by side" button, lit once two looks are picked


def side_by_side(image: np.ndarray) -> tuple[int, int]:
    """(height of the lit "Side by side" button, height of the ink of its words) in px."""
    mask = np.all(np.abs(image.astype(int) - GOLD) <= 12, axis=2).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    # The widest gold area that is wider than tall: the button (a picked look's figure may be golden).
    x, y, w, h, _ = max((s for s in stats[1:] if s[2] > 1.5 * s[3]), key=lambda s: s[2])
    middle = image[y:y + h, x + w // 5:x + w * 4 // 5]  # clear of the rounded corners
    ink = np.nonzero((middle.max(axis=2) < 90).sum(axis=1))[0]
    return int(h), int(ink[-1] - ink[0] + 1) if len(ink) else 0


def picked_thumb_height(image: np.ndarray) -> int:
    """The height in px of the tallest picked thumbnail in the tray (its #ffd060 frame)."""
    mask = np.all(np.abs(image.astype(int) - (96, 208, 255)) <= 16, axis=2).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return int(max(s[3] for s in stats[1:]))


def xdo(win: MirrorWindow, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=ui_env(win.display), check=True)


def open_comparison(win: MirrorWindow, sim, count: int, width: int, height: int,
                    seen: dict | None = None) -> np.ndarray:
    """Wake, tap the card, say yes, pick ``count`` kept looks from the tray, open them; returns the
    screen (and the consent question in ``seen["dialog"]``)."""
    win.touch(width // 2, 80)
    win.wait_for(markers_visible, "the camera picture")
    sim.stdin.write(f"{UID}\n")
    sim.stdin.flush()
    dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question")
    if seen is not None:
        seen["dialog"] = dialog
    win.touch(width // 2, choice_buttons(dialog)[0])  # yes: the card's kept looks join the tray
    thumbs = tray_thumbs(height, count)

    def tray_full(image) -> bool:
        return all(figure_mask(image[y - 40 : y + 40, x - 35 : x + 35]).sum() > 400 for x, y in thumbs)

    win.wait_for(tray_full, f"{count} kept looks in the tray")
    win.touch(*compare_button(height))
    time.sleep(0.8)
    for x, y in thumbs:
        win.touch(x, y)
        time.sleep(0.4)
    shot = win.wait_for(lambda im: _centroid(im, GOLD) is not None, "the Side by side button")
    cv2.imwrite(str(win.log.parent / "picking.png"), shot)
    if seen is not None:
        seen["picking"] = shot
    win.touch(*_centroid(shot, GOLD))
    seen = {}

    def shown(image) -> bool:
        seen["last"] = image
        return _count_panes(image) == count

    try:
        return win.wait_for(shown, f"{count} panes side by side", timeout=40)
    finally:
        if "last" in seen:
            cv2.imwrite(str(win.log.parent / "last-screen.png"), seen["last"])


def scan_qr(win: MirrorWindow, timeout: float) -> str:
    """The URL of the QR code on screen, read like a phone would."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        url = read_qr(win.grab())
        if url:
            return url
        time.sleep(0.5)
    pytest.fail(f"no QR code on screen:\n{win.log.read_text()}")


def _centroid(image, bgr, tol=12):
    mask = np.all(np.abs(image.astype(int) - bgr) <= tol, axis=2)
    if mask.sum() < 500:
        return None
    ys, xs = np.nonzero(mask)
    return int(xs.mean()), int(ys.mean())


def _count_panes(image) -> int:
    return len(find_panes(image))


def window(display, tmp_path, library, reader_link, width, height) -> MirrorWindow:
    extra = f'[reader]\nport = "{reader_link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    return MirrorWindow(display, tmp_path, width, height, library=library, extra_toml=extra)


def test_two_kept_looks_side_by_side_turn_together_and_a_drag_turns_both(tall_screen, tmp_path, clips, reader):
    link, sim = reader
    library = kept_library(tmp_path, clips, 2)
    width, height = 540, 960
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        shot = open_comparison(win, sim, 2, width, height)
        time.sleep(2.0)  # the looks are decoded and turning
        shot = win.grab()
        cv2.imwrite(str(tmp_path / "compare-540x960.png"), shot)
        left, right = boxes = panes(shot, 2)
        assert left[3] == pytest.approx(right[3], abs=2), "panes of the same height"
        assert left[0] + left[2] <= right[0], "side by side, not overlapping"
        assert all(white_text(shot, box, above=True) > 150 for box in boxes), "each pane is labelled"
        assert clear_of_controls(shot, boxes), "the panes leave the bars free"

        # Turning by itself, every pane shows the same side of the body.
        angles = []
        for _ in range(6):
            image = win.grab()
            a, b = (body_angle(image, box) for box in boxes)
            print(f"body angles on screen: {a:.0f}° {b:.0f}°")
            assert gap(a, b) <= 25.0, f"the panes show different sides: {a:.0f}° and {b:.0f}°"
            angles.append(a)
            time.sleep(0.35)
        assert max(gap(angles[0], x) for x in angles) > 30.0, f"the comparison does not turn: {angles}"

        # A finger holds it still…
        cx, cy = left[0] + left[2] // 2, left[1] + left[3] // 2
        xdo(win, "mousemove", "--window", win.window_id, str(cx), str(cy), "mousedown", "1")
        time.sleep(1.0)
        held = [body_angle(win.grab(), box) for box in boxes]
        time.sleep(0.8)
        still = [body_angle(win.grab(), box) for box in boxes]
        assert all(gap(a, b) <= 6.0 for a, b in zip(held, still)), (held, still)
        # …and dragging it turns every pane, together.
        xdo(win, "mousemove", "--window", win.window_id, str(cx + 60), str(cy))
        xdo(win, "mousemove", "--window", win.window_id, str(cx + 120), str(cy))
        time.sleep(0.8)
        moved = [body_angle(win.grab(), box) for box in boxes]
        xdo(win, "mouseup", "1")
        cv2.imwrite(str(tmp_path / "compare-dragged.png"), win.grab())
        assert all(gap(a, b) >= 30.0 for a, b in zip(still, moved)), f"a pane did not turn: {still} → {moved}"
        assert gap(*moved) <= 25.0, f"the panes no longer line up after the drag: {moved}"

        # "Share": the card's looks are kept, so the video is made at once; its code appears when it is ready.
        win.touch(327, height - 16 - 87 + 32)
        time.sleep(1.0)
        cv2.imwrite(str(tmp_path / "compare-sharing.png"), win.grab())
        url = scan_qr(win, timeout=90)
        assert url.startswith("http://127.0.0.1:") and "/s/" in url, url
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "<video" in page.text
        video = httpx.get(url.rstrip("/") + "/video", timeout=10) if "/video" not in page.text else None
        assert video is None or video.status_code in (200, 206)
        shot = win.grab()
        cv2.imwrite(str(tmp_path / "compare-qr.png"), shot)
        win.touch(width // 2, choice_buttons(shot)[-1])  # Done

        win.touch(212, height - 16 - 87 + 32)  # Close
        win.wait_for(markers_visible, "the live mirror after closing the comparison")
    log = win.log.read_text()
    assert "comparing 2 looks (angle, angle)" in log, log


def test_four_looks_in_a_grid_on_a_full_hd_portrait_mirror(tall_screen, tmp_path, clips, reader):
    link, sim = reader
    library = kept_library(tmp_path, clips, 4)
    width, height = 1080, 1920
    seen = {}
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, 4, width, height, seen)
        time.sleep(2.0)
        shot = win.grab()
        cv2.imwrite(str(tmp_path / "compare-1080x1920.png"), shot)
        boxes = panes(shot, 4)
        assert max(b[3] for b in boxes) - min(b[3] for b in boxes) <= 2, "panes of the same height"
        assert clear_of_controls(shot, boxes), "the panes leave the bars free"
        tops = sorted({box[1] for box in boxes})
        assert len(tops) == 2 or tops[-1] - tops[0] > boxes[0][3], "two rows of two"
        # each labelled: above its picture (the pictures give up a little height for it) or over its top
        assert all(white_text(shot, box, above=True) > 300 for box in boxes)
        angles = [body_angle(shot, box) for box in boxes]
        assert max(gap(angles[0], a) for a in angles) <= 25.0, angles
        # "Drag to turn", the screen's only instruction, as big as the messages (27 px type: its
        # middle letters "to tu" about 19 px tall), not the 19 px type of a small window's unit.
        hint = turn_hint_height(shot, [whole(shot, box) for box in boxes])
        assert hint >= 17, f"the line under the panes is {hint} px tall"
    # The pick bar's words grow with the screen, like the dialogs' (28.8 px type, a 77 px button),
    # and the tray's thumbnails with them.
    cv2.imwrite(str(tmp_path / "picking-1080x1920.png"), seen["picking"])
    button, words = side_by_side(seen["picking"])
    assert button >= 72 and words >= 24, (button, words)
    assert picked_thumb_height(seen["picking"]) >= 180, "the tray's thumbnails grow too (192 px)"


def test_four_looks_stand_in_one_row_on_a_landscape_mirror(xvfb_1080, tmp_path, clips, reader):
    """On a 1920×1080 mirror four portrait looks in two rows of two were 380 px tall, in the middle
    quarter of the screen; in one row they are as tall as two looks side by side (780 px)."""
    link, sim = reader
    library = kept_library(tmp_path, clips, 4)
    width, height = 1920, 1080
    with window(xvfb_1080, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, 4, width, height)
        def four_figures(image) -> bool:
            boxes = find_panes(image)
            return len(boxes) == 4 and all(figure_mask(image[y : y + h, x : x + w]).mean() > 0.05 for x, y, w, h in boxes)

        shot = win.wait_for(four_figures, "four panes, each showing its look")
        cv2.imwrite(str(tmp_path / "compare-1920x1080.png"), shot)
        boxes = panes(shot, 4)
        assert max(b[1] for b in boxes) - min(b[1] for b in boxes) <= 2, f"one row: {boxes}"
        assert min(b[3] for b in boxes) >= 0.6 * height, f"panes as tall as the area allows: {boxes}"
        assert clear_of_controls(shot, boxes), "the panes leave the bars free"


def test_looks_that_all_play_by_time_turn_a_clock_not_a_body_on_the_dial(tall_screen, tmp_path, clips, reader):
    """Every pane says "Plays by time": the dial then shows how far into the play they are, not a
    body angle that means nothing; a drag moves them through their play, turning nothing, and the
    line above Close and Share says so ("Drag to move through the looks": it said "Drag to turn");
    without the body analysis nothing promises a swiped hand."""
    link, sim = reader
    library = kept_library(tmp_path, clips, 2)
    all_play_by_time(library, clips)
    width, height = 540, 960
    seen = {}
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, 2, width, height, seen)
        cv2.imwrite(str(tmp_path / "consent-no-hands.png"), seen["dialog"])
        shot = win.wait_for(lambda im: all(hint_pixels(im, whole(im, box)) > 100 for box in find_panes(im)),
                            "both panes saying they play by time", timeout=30)
        assert dial_body(shot, width) == 0, "the dial turns a body although no pane follows its angle"
        # Its hand goes round like a clock's, from the top, as the looks play.
        start = dial_hand(shot, width)
        assert start is not None and start[1] < -5, f"the clock starts at the top: {start}"
        shot = win.wait_for(lambda im: (dial_hand(im, width) or (0, -1))[1] > 5, "the clock's hand past a quarter",
                            timeout=30)
        cv2.imwrite(str(tmp_path / "compare-by-time.png"), shot)
        assert dial_body(shot, width) == 0
        # "Drag to move through the looks" on one line of 14 px type: about 210 px ("Drag to turn"
        # is about 85; a swiped hand offered as well would run past 300).
        drag = hint_width(shot, height)
        print(f"the hint is {drag} px wide")
        assert drag > 150, f"the hint ({drag} px) says less than what a drag does: 'Drag to turn'?"
        assert drag < 300, f"the hint ({drag} px) offers a swiped hand this mirror does not see"
    assert hands_free_rows(seen["dialog"], width) == 0, "the consent question offers hands-free answers"
    # A 540×960 window keeps the pick bar and the tray as they were: 17 px type on a 48 px button.
    button, words = side_by_side(seen["picking"])
    assert 46 <= button <= 50 and words <= 20, (button, words)
    assert 118 <= picked_thumb_height(seen["picking"]) <= 122, "the tray's thumbnails stay 120 px tall"
    assert "comparing 2 looks (time, time)" in win.log.read_text()


def test_a_look_without_a_turn_says_so_in_a_shoppers_words_on_a_full_hd_portrait_mirror(tall_screen, tmp_path,
                                                                                       clips, reader):
    # "Plays by time: no body angle was recorded with it" was jargon to a shopper, and on 1080x1920
    # its last word, "it", stood alone on a second line under the pane.
    link, sim = reader
    library = kept_library(tmp_path, clips, 2)
    without_track(library)
    width, height = 1080, 1920
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, 2, width, height)
        shot = win.wait_for(lambda im: len(find_panes(im)) == 2 and hint_pixels(im, whole(im, find_panes(im)[-1])) > 100,
                            "the last pane saying it plays from the start", timeout=30)
        cv2.imwrite(str(tmp_path / "compare-no-track-1080x1920.png"), shot)
        lines = hint_lines(shot, whole(shot, find_panes(shot)[-1]))
    assert lines and min(lines) >= 0.4 * max(lines), f"a word alone on a line of the hint: {lines} px wide"
    assert "comparing 2 looks (angle, time)" in win.log.read_text()


def test_a_look_the_store_deletes_takes_the_comparison_off_the_mirror(tall_screen, tmp_path, clips, reader):
    """Staff delete a look with the store's token (docs/cards.md: how a shopper without a card has
    her looks deleted) while it turns in a comparison: the panes go, as when the shopper deletes it.
    They stayed, playing the deleted look, and the tray kept it until the visit ended."""
    import re

    link, sim = reader
    library = kept_library(tmp_path, clips, 2)
    width, height = 540, 960
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, 2, width, height)
        gone = win.api("/looks")["looks"][0]["id"]
        base = re.search(r"serving on (http://127\.0\.0\.1:\d+)", win.log.read_text())[1]
        answer = httpx.delete(f"{base}/api/v1/looks/{gone}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert answer.status_code == 204, answer.text
        try:
            win.wait_for(markers_visible, "the live mirror", timeout=20)
        finally:
            cv2.imwrite(str(tmp_path / "compare-look-deleted.png"), win.grab())
    # Said on the screen (the bridge logs what it shows), so she knows why her comparison went.
    assert "A look in the comparison was deleted, so the comparison closed." in win.log.read_text()


def card_bottom_whole(image: np.ndarray) -> bool:
    """Whether an open dialog's card shows its bottom edge whole below its last button: a row of
    its light border (#50ffffff over the card) across the middle 70 % of the card, not hidden
    under a message."""
    h, w = image.shape[:2]
    below = choice_buttons(image)[-1] + 10
    band = image[below:, int(w * 0.2):int(w * 0.8)].astype(int)
    border = (band.min(axis=2) >= 60) & (band.max(axis=2) <= 140) & (np.ptp(band, axis=2) <= 12)
    return bool((border.mean(axis=1) > 0.9).any())


def test_a_message_under_the_qr_code_leaves_its_sheet_whole_on_a_540x960_mirror(tall_screen, tmp_path, clips,
                                                                               reader):
    """While comparing, the mirror's messages stand above Close and Share: on a 540×960 mirror the
    QR code's sheet, centred, reached down into them, and a message ("The card reader is not working
    right now.") stood over its foot, under Done. The sheet now stands above the messages."""
    link, sim = reader
    library = kept_library(tmp_path, clips, 2)
    width, height = 540, 960
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, 2, width, height)
        win.touch(327, height - 16 - 87 + 32)  # Share: the card's looks are kept, the video is made
        scan_qr(win, timeout=90)
        sim.terminate()  # the card reader goes: the mirror says so for 10 s, the sheet still up
        sim.wait(10)
        win.wait_until(lambda: "shown to the shopper: The card reader is not working" in win.log.read_text(),
                       "the message about the card reader")
        try:
            shot = win.wait_for(lambda im: len(choice_buttons(im)) == 1 and card_bottom_whole(im),
                                "the sheet whole above the message", timeout=8)
        finally:
            cv2.imwrite(str(tmp_path / "compare-qr-message.png"), win.grab())
        assert read_qr(shot).startswith("http://127.0.0.1:")


def damage_middle(path) -> None:
    """Zero the middle third of a video: it still opens, and decoding fails part-way through."""
    data = path.read_bytes()
    third = len(data) // 3
    path.write_bytes(data[:third] + b"\0" * third + data[2 * third :])


def test_three_looks_one_damaged_part_way_says_so_and_the_others_turn(tall_screen, tmp_path, clips, reader):
    from pathlib import Path

    from kiosk.library import Library

    link, sim = reader
    library = kept_library(tmp_path, clips, 3)
    with Library(library) as lib:
        oldest = min(lib.list(), key=lambda look: look.created)  # the last in the tray: the third pane
        damage_middle(Path(oldest.path))
    width, height = 540, 960
    message = (176, 232, 255)  # the pane's note in BGR (#ffe8b0)
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        win.touch(width // 2, 80)
        win.wait_for(markers_visible, "the camera picture")
        sim.stdin.write(f"{UID}\n")
        sim.stdin.flush()
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question")
        win.touch(width // 2, choice_buttons(dialog)[0])
        thumbs = tray_thumbs(height, 3)
        win.wait_for(lambda im: all(figure_mask(im[y - 40 : y + 40, x - 35 : x + 35]).sum() > 400 for x, y in thumbs),
                     "3 kept looks in the tray")
        win.touch(*compare_button(height))
        time.sleep(0.8)
        for x, y in thumbs:
            win.touch(x, y)
            time.sleep(0.4)
        win.touch(*_centroid(win.wait_for(lambda im: _centroid(im, GOLD) is not None, "the Side by side button"), GOLD))

        def said(image) -> bool:
            return len(find_panes(image)) == 2 and _centroid(image, message, tol=30) is not None

        try:
            shot = win.wait_for(said, "two looks turning and the damaged one saying so", timeout=40)
        finally:
            cv2.imwrite(str(tmp_path / "compare-3-damaged.png"), win.grab())
        boxes = find_panes(shot)
        note = _centroid(shot, message, tol=30)
        assert note[1] > max(b[1] + b[3] for b in boxes), "the note is in the third pane, below the first row"
        assert gap(*(body_angle(shot, box) for box in boxes)) <= 25.0, "the two good looks still line up"
    assert "cannot decode look" in win.log.read_text()


def test_messages_leave_three_panes_labels_readable_on_a_540x960_mirror(tall_screen, tmp_path, clips, reader):
    """"Thank you. Your looks from this visit are kept." is still up when the panes open: it
    must not stand over the first panes' labels (their top left), as it did at the top."""
    link, sim = reader
    library = kept_library(tmp_path, clips, 3)
    width, height = 540, 960
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        shot = open_comparison(win, sim, 3, width, height)
        cv2.imwrite(str(tmp_path / "compare-3-message.png"), shot)

        def labels(image) -> list[int]:
            """White letters in panes 1 and 2's number and time, above them or at their top (the panes
            make room for a message); each pane from its top edge, as its dark number and label darken
            most of the row."""
            top_row = sorted((whole(image, box) for box in panes(image, 3)), key=lambda b: (b[1], b[0]))[:2]
            return [white_text(image, (x, y, w, 44), above=True) for x, y, w, _ in top_row]

        with_message = labels(shot)
        at_rest = PanesAtRest(3, bar_top(height))
        alone = win.wait_for(lambda im: at_rest(im, message=False), "the panes at rest once the messages have gone")
        cv2.imwrite(str(tmp_path / "compare-3-alone.png"), alone)
        without = labels(alone)
        assert all(n > 100 for n in without), without
        # Made room for the messages, the panes are narrower and write their time in smaller letters;
        # a message over the labels would add its own white letters or hide theirs.
        assert all(0.6 * b <= a <= 1.15 * b for a, b in zip(with_message, without)), (with_message, without)


@pytest.mark.parametrize("count", [2, 3])
def test_a_message_leaves_every_pane_whole_with_its_hint_on_a_540x960_mirror(tall_screen, tmp_path, clips, reader,
                                                                             count):
    """A message raised mid-comparison ("The card reader is not working right now.") stands above
    the bottom bar: the panes make room for it, so it covers no picture and not the "Plays by time"
    hint at the last pane's foot, keeping their shape."""
    link, sim = reader
    library = kept_library(tmp_path, clips, count)
    plays_by_time(library, clips[0])
    width, height = 540, 960
    aspect = 270 / 480
    with window(tall_screen, tmp_path, library, link, width, height) as win:
        open_comparison(win, sim, count, width, height)
        at_rest = PanesAtRest(count, bar_top(height))
        # The visit's "Thank you…" goes; then the card reader is unplugged, and the mirror says so.
        alone = win.wait_for(lambda im: at_rest(im, message=False), "the panes at rest, no message up", timeout=30)
        cv2.imwrite(str(tmp_path / f"compare-{count}-alone.png"), alone)
        room = at_rest.boxes
        without = hint_pixels(alone, max(room, key=lambda b: (b[1], b[0])))
        print(f"panes {room}, hint {without} px")
        assert without > 100, "the last pane says why it plays by time"
        assert dial_body(alone, width) > 30, "some panes follow the angle: the dial shows it"
        assert all(b[2] / b[3] == pytest.approx(aspect, abs=0.03) for b in room), room
        sim.terminate()
        sim.wait(10)
        shot = win.wait_for(lambda im: at_rest(im, message=True), "the panes at rest with the message up", timeout=30)
        cv2.imwrite(str(tmp_path / f"compare-{count}-message.png"), shot)
        boxes = at_rest.boxes
        text = message_rows(shot, boxes, bar_top(height))
        with_message = hint_pixels(shot, max(boxes, key=lambda b: (b[1], b[0])))
        print(f"panes {boxes}, message rows {text.min()}..{text.max()}, hint {with_message} px")
        assert all(b[1] + b[3] < text.min() for b in boxes), f"the message stands over a pane: {boxes}, {text.min()}"
        assert all(b[2] / b[3] == pytest.approx(aspect, abs=0.03) for b in boxes), f"a pane is cut: {boxes}"
        assert with_message >= 0.7 * without, f"the message covers the hint: {with_message} px, alone {without} px"
        assert clear_of_controls(shot, boxes)
    assert "disconnected (the device went away)" in win.log.read_text()
