"""On a full-size portrait mirror (1080×1920) over a white studio wall: the buttons' labels and the
messages are big enough to read from the back of a fitting room, each on a dark pill, Record's and
Help's discs grow with them, as do the replay's column and Compare, all still on the screen and clear
of each other, and a take refused for lack of disk space is told in plain words (the figures go to
the journal)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.integration.test_mirror_window import MirrorWindow

pytestmark = [pytest.mark.ui, pytest.mark.slow]

W, H = 1080, 1920
PLAIN = "The mirror cannot record right now because its storage is full. Please ask a store associate."


def white_wall(path) -> str:
    """A clip of a plain white picture (the studio wall behind a shopper), as a looping source."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 360, 640, "yuv420p"
        white = np.full((640, 360, 3), 255, np.uint8)
        for _ in range(30):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(white, format="bgr24")))
        out.mux(stream.encode(None))
    return f"file:{path}?loop=1"


def pills(image: np.ndarray, box: tuple[int, int, int, int], grey: int, tol: int = 16) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the dark translucent pills in ``box`` (x0, y0, x1, y1): neutral ``grey`` areas
    (the pill's black over white) clearly wider than tall, at least 20 px high."""
    x0, y0, x1, y1 = box
    crop = image[y0:y1, x0:x1].astype(int)
    mask = (np.abs(crop - grey) <= tol).all(axis=2) & (np.ptp(crop, axis=2) <= 12)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
    return [(x + x0, y + y0, w, h) for x, y, w, h, _ in stats[1:] if h >= 20 and w >= 1.5 * h]


def test_labels_and_messages_read_over_a_white_wall_and_a_full_disk_is_told_plainly(tall_screen, tmp_path):
    source = white_wall(tmp_path / "wall.mp4")
    extra = "[analysis]\nenabled = false\n[recording]\nmin_free_mb = 1000000\n"
    with MirrorWindow(tall_screen, tmp_path, W, H, source=source, extra_toml=extra, fill='"crop"') as win:
        win.touch(W // 2, H // 2)
        # Live over the white wall, with the help buttons and Record at the bottom right.
        right = (W - 300, H - 420, W, H)
        image = win.wait_for(lambda im: im[H // 2, W // 2].min() > 220 and len(pills(im, right, 79)) >= 3,
                             "the button labels on their pills", timeout=60)
        labels = pills(image, right, 79)
        # Other size, Help, Record: each label at least ~20 px type (its pill 26 px or more), none off-screen.
        assert len(labels) >= 3 and all(h >= 26 for _, _, _, h in labels), labels
        assert all(x > 0 and x + w < W for x, _, w, _ in labels), labels

        # Record: greyed, the disk being "full" (the config asks for a million MB free); a tap on
        # its disc, just above its label (the lowest pill), says why in plain words.
        x, y, w, _ = max(labels, key=lambda pill: pill[1])
        disc = image[y - 100:y - 10, x:x + w].astype(int)
        assert not ((disc[..., 2] > disc[..., 1] + 60) & (disc[..., 2] > disc[..., 0] + 60)).any(), \
            "Record is red as if it worked"
        before = len(win.log.read_text().splitlines())  # the welcome screen's words were shown before
        win.touch(x + w // 2, y - 55)
        told = win.wait_until(lambda: next((line.split("shown to the shopper: ", 1)[1] for line in
                                            win.log.read_text().splitlines()[before:]
                                            if "shown to the shopper: " in line), None), "the refusal on screen")
        assert told == PLAIN
        assert "recording refused: The disk is almost full (" in win.log.read_text()  # the figures, for staff
        # The message grows with the screen too: a pill well above the old 18 px type's 45 px.
        top = (0, 40, W, 400)
        message = win.wait_for(lambda im: pills(im, top, 63), "the message's pill", timeout=10)
        assert max(h for _, _, _, h in pills(message, top, 63)) >= 50, pills(message, top, 63)


def test_a_message_over_a_replay_stands_clear_of_its_heading(tall_screen, tmp_path):
    # The replay's heading ("Your look · 1.2 / 3.0 s") grows with the screen; on a full-size
    # mirror it reached below 72 px, where the messages stand, and "Thank you…" covered its foot.
    from tests.integration.test_mirror_share import record_a_take
    from tests.screen import choice_buttons

    source = white_wall(tmp_path / "wall.mp4")
    with MirrorWindow(tall_screen, tmp_path, W, H, source=source, extra_toml="[analysis]\nenabled = false\n",
                      fill='"crop"') as win:
        win.touch(W // 2, H // 2)
        win.wait_for(lambda im: im[H // 2, W // 2].min() > 220, "the live picture", timeout=60)
        record_a_take(win, button=(W - 56, H - 80))
        # The replay's column (Mirror, Slow, Share, Keep, Delete) up, Keep the fourth.
        replay = win.wait_for(lambda im: len(replay_column(im)) == 5, "the replay", timeout=60)
        win.touch(*centre(replay_column(replay)[3]))
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the consent question")
        win.touch(W // 2, choice_buttons(dialog)[0])  # "Yes, keep my looks": "Thank you…" over the replay
        top = (0, 0, W, 400)
        image = win.wait_for(lambda im: not choice_buttons(im) and pills(im, top, 63) and pills(im, top, 102),
                             "the message's pill under the replay's heading", timeout=20)
        heading, message = max(pills(image, top, 102), key=lambda p: p[2]), max(pills(image, top, 63), key=lambda p: p[2])
        # Where one pill covered the other, the white wall shows through both: darker than either.
        band = image[:400].min(axis=2)
        assert int((band < 45).sum()) == 0, f"the message covers the heading: {heading} {message}"
        assert heading[1] + heading[3] <= message[1], (heading, message)


def blobs(mask: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """(x, y, w, h) of the connected areas of ``mask`` in ``box`` (x0, y0, x1, y1), 8 px or more each way."""
    x0, y0, x1, y1 = box
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask[y0:y1, x0:x1].astype(np.uint8))
    return [(x + x0, y + y0, w, h) for x, y, w, h, _ in stats[1:] if w >= 8 and h >= 8]


def help_and_record(image: np.ndarray) -> dict[str, tuple[int, int, int, int]]:
    """The Help and Record discs over the white wall and their labels' pills, as boxes (x, y, w, h):
    Record's red glass, Help's grey glass (the lowest round one above Record), and the pills
    (#b0000000 over white) beside them."""
    h, w = image.shape[:2]
    box = (w * 2 // 3, h // 2, w, h)
    pixels = image.astype(int)
    neutral = np.ptp(pixels, axis=2) <= 12
    red = (pixels[..., 2] > 150) & (pixels[..., 1] < 120) & (pixels[..., 0] < 120)
    record = max(blobs(red, box), key=lambda b: b[2] * b[3], default=None)
    round_grey = [b for b in blobs((np.abs(pixels - 102) <= 10).all(axis=2) & neutral, box)
                  if b[2] >= 30 and 0.8 <= b[2] / b[3] <= 1.25 and record and b[1] < record[1]]
    labels = [b for b in blobs((np.abs(pixels - 79) <= 10).all(axis=2) & neutral, box) if b[2] >= 1.3 * b[3]]
    found = {"record": record, "help": max(round_grey, key=lambda b: b[1], default=None)}
    for name in ("help", "record"):
        disc = found[name]
        under = [b for b in labels if disc and disc[1] + disc[3] <= b[1] < disc[1] + 2 * disc[3]]
        found[name + " label"] = min(under, key=lambda b: b[1], default=None)
    return found


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def clashes(found: dict[str, tuple[int, int, int, int]]) -> list[tuple[str, str]]:
    """The pairs of named boxes that overlap."""
    boxes = list(found.items())
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:] if overlap(ba, bb)]


def over_a_white_wall_at_both_sizes(tall_screen, tmp_path):
    """The mirror's window over a white wall (analysis off), woken by a touch, at 540x960 and then
    at the portrait mirror's 1080x1920: ``(window, width, height)``, each window open until the next."""
    source = white_wall(tmp_path / "wall.mp4")
    for width, height in ((540, 960), (W, H)):
        folder = tmp_path / f"{width}x{height}"
        folder.mkdir()
        with MirrorWindow(tall_screen, folder, width, height, source=source,
                          extra_toml="[analysis]\nenabled = false\n", fill='"crop"') as win:
            win.touch(width // 2, height // 2)
            yield win, width, height


def test_record_and_help_discs_grow_with_the_screen_as_their_labels_do(tall_screen, tmp_path):
    # The discs stayed at 64 px (Record) and 56 px (Help) on a 1080×1920 mirror, while their labels
    # grew: small targets for a finger, under labels nearly as wide.
    sizes = {}
    for win, width, height in over_a_white_wall_at_both_sizes(tall_screen, tmp_path):
        image = win.wait_for(lambda im: im[height // 2, width // 2].min() > 220 and all(help_and_record(im).values()),
                             "Help and Record with their labels", timeout=60)
        cv2.imwrite(str(tmp_path / f"buttons-{width}x{height}.png"), image)
        found = help_and_record(image)
        # Each label stands clear of every disc and of the other label.
        assert not clashes(found), (clashes(found), found)
        sizes[width] = found
    small, big = sizes[540], sizes[W]
    # As before on the small window (the disc's glass inside its 2 px ring: 64 and 56 px discs)...
    assert 56 <= small["record"][2] <= 64 and 48 <= small["help"][2] <= 56, small
    # ...and 1.6 × on the portrait mirror, as the labels' type grows.
    for name in ("record", "help"):
        assert big[name][2] >= 1.4 * small[name][2] and big[name][3] >= 1.4 * small[name][3], (name, small, big)
    for name in ("record label", "help label"):
        assert big[name][3] >= 1.4 * small[name][3], (name, small, big)


def centre(box: tuple[int, int, int, int]) -> tuple[int, int]:
    x, y, w, h = box
    return x + w // 2, y + h // 2


def round_discs(mask: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The round areas of ``mask`` in ``box``, 30 px or more across, top to bottom."""
    return sorted((b for b in blobs(mask, box) if b[2] >= 30 and 0.8 <= b[2] / b[3] <= 1.25), key=lambda b: b[1])


def glass(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the buttons' grey glass (#99000000 over white), Delete's red glass (#b0802020 over
    white) and the labels' pills (#b0000000 over white)."""
    pixels = image.astype(int)
    neutral = np.ptp(pixels, axis=2) <= 12
    red = (pixels[..., 2] - pixels[..., 1] > 40) & (np.abs(pixels[..., 1] - pixels[..., 0]) <= 12)
    return (np.abs(pixels - 102) <= 10).all(axis=2) & neutral, red, (np.abs(pixels - 79) <= 10).all(axis=2) & neutral


def replay_column(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The discs of the replay's column over the white wall, top to bottom (Mirror, Slow, Share,
    Keep and the red Delete), as boxes (x, y, w, h); fewer while the replay is not up. Below the
    top eighth of the screen, where its heading stands."""
    h, w = image.shape[:2]
    grey, red, _ = glass(image)
    box = (w * 2 // 3, h // 8, w, h)
    delete = max(round_discs(red, box), key=lambda b: b[2] * b[3], default=None)
    if delete is None:
        return []
    return [b for b in round_discs(grey, box) if b[1] < delete[1]] + [delete]


def label_under(labels: list[tuple[int, int, int, int]], disc: tuple[int, int, int, int]):
    """The label's pill right under ``disc`` (within a disc's height), or None."""
    under = [b for b in labels if disc[1] + disc[3] <= b[1] < disc[1] + 2 * disc[3]]
    return min(under, key=lambda b: b[1], default=None)


def replay_controls(image: np.ndarray) -> dict[str, tuple[int, int, int, int] | None]:
    """The replay's controls over the white wall, as boxes (x, y, w, h): its column's discs and
    their labels, Compare's disc (the round grey one at the bottom left) and label, the tray's
    thumbnails (around their #202020 frames) and the heading's pill (the widest grey one at the top)."""
    h, w = image.shape[:2]
    grey, _, pill = glass(image)
    labels = blobs(pill, (0, 0, w, h))
    labels = [b for b in labels if b[2] >= 1.3 * b[3]]
    found: dict[str, tuple[int, int, int, int] | None] = {}
    column = replay_column(image)
    for name, disc in zip(("mirror", "slow", "share", "keep", "delete"), column):
        found[name], found[name + " label"] = disc, label_under(labels, disc)
    compare = round_discs(grey, (0, h // 2, w // 3, h))
    found["compare"] = compare[-1] if compare else None
    found["compare label"] = label_under(labels, found["compare"]) if compare else None
    rows, cols = np.nonzero(image[h // 2:].max(axis=2) < 60)  # the thumbnails' frames: nothing else is as dark
    found["tray"] = None
    if len(rows):
        found["tray"] = (int(cols.min()), h // 2 + int(rows.min()), int(np.ptp(cols)) + 1, int(np.ptp(rows)) + 1)
    headings = [b for b in blobs(grey, (0, 0, w, h // 8)) if b[2] >= 2 * b[3]]
    found["heading"] = max(headings, key=lambda b: b[2], default=None)
    return found


def all_there(found: dict) -> bool:
    """Whether the replay's column, Compare, the tray and the heading are all on the screen, each
    button with its label."""
    names = ["mirror", "slow", "share", "keep", "delete", "compare", "heading", "tray"]
    return all(found.get(name) for name in names) and all(found.values())


def test_the_replays_buttons_and_compare_grow_with_the_screen_and_stay_on_it_clear_of_each_other(tall_screen,
                                                                                                tmp_path):
    # The replay's column (Mirror, Slow, Share, Keep, Delete) and Compare stayed 64 px discs on a
    # 1080×1920 mirror when Record and Help grew: small targets for a finger from a step away.
    from tests.integration.test_mirror_share import record_a_take

    seen = {}
    for win, width, height in over_a_white_wall_at_both_sizes(tall_screen, tmp_path):
        live = win.wait_for(lambda im: im[height // 2, width // 2].min() > 220 and help_and_record(im)["record"],
                            "the live picture and Record", timeout=60)
        record = centre(help_and_record(live)["record"])
        record_a_take(win, button=record)
        first = win.wait_for(lambda im: len(replay_column(im)) == 5, "the replay's column", timeout=60)
        win.touch(*centre(replay_column(first)[0]))  # Mirror: back to the live picture for a second look
        win.wait_for(lambda im: help_and_record(im)["record"], "Record again", timeout=20)
        record_a_take(win, button=record)
        # Two looks in the tray: Compare stands above it, beside the replay's column.
        image = win.wait_for(lambda im: all_there(replay_controls(im)), "the replay's controls, Compare and two looks",
                             timeout=60)
        cv2.imwrite(str(tmp_path / f"replay-{width}x{height}.png"), image)
        found = replay_controls(image)
        # Every control whole on the screen (a box touching an edge is cut by it)...
        assert all(0 < x and x + w < width and 0 < y and y + h < height for x, y, w, h in found.values()), found
        # ...and clear of every other one: discs, labels, heading and the tray.
        assert not clashes(found), (clashes(found), found)
        seen[width] = found
    small, big = seen[540], seen[W]
    buttons = ["mirror", "slow", "share", "keep", "delete", "compare"]
    # As before on the small window (the glass inside the 2 px ring of a 64 px disc)...
    assert all(56 <= small[name][2] <= 64 for name in buttons), small
    # ...and 1.6 × on the portrait mirror, as Record's.
    for name in buttons:
        assert big[name][2] >= 1.4 * small[name][2] and big[name][3] >= 1.4 * small[name][3], (name, small, big)
