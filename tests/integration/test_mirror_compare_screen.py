"""Looks side by side as a shopper sees them, on a portrait mirror (1080x1920) and a small one
(540x960), in the real window: two takes of the UBC clip (a woman turning in a white studio), a
swiped hand's ring half full (``comparing_window``).

- The ring stands at the bottom left, beside Close and Share: on 540x960 it covered the start of
  "Drag to turn · or swipe a hand sideways". The line now keeps clear of it at both sizes.
- A message just above that line ("Turn around once: the mirror records your turn and plays it
  back.", as her visit starts) ran under the ring on 1080x1920, which hid "Turn a". The messages
  keep clear of it too.
- Where no look has its turn (every pane "Plays from the start"), a drag moves the looks through
  their play, turning nothing: the line said "Drag to turn". It says what a drag does.
- The dial's degrees ("212°") were 17 px type on 1080x1920, about 13 px of ink: unreadable from a
  step away. They grow with the screen as the other words do.
- A pane's number was black on a white disc: over the white studio wall the disc was not there.
  It stands on a dark disc with a light rim, over a white wall as over a dark room.
- A pane's number and time stood over the top of its picture, on the shopper's head and face,
  while two portrait looks left wide black bands above and below them. They stand above the
  picture where the screen has room for them (two or three looks on a portrait mirror), in the
  picture, small, only where it has none.
- Two looks side by side stood at about a third of a 1080x1920 screen's height, the white wall
  beside her filling each pane's sides. Each pane is now cropped to the part of the width she
  reached over the take (its span, from ``kiosk analyze`` as the mirror keeps it with a take):
  two of them stand at two thirds of the screen's height, she whole in each. Four fill the
  panes' area; their labels stood in the picture, narrow as she is, on her head: the pictures
  now give up a little of their height (15 % at most) for the labels to stand above them.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time

import cv2
import numpy as np
import pytest

from tests.conftest import PYTHON, ui_env

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.footage]

CLIP = "ubc_91-3003CN5S_mint_dress_turn.mp4"


@pytest.fixture(scope="module")
def white_studio_looks(footage_dir, tmp_path_factory):
    """Four short takes of the white-studio clip (its turn, from four starts), small enough to decode quickly."""
    folder = tmp_path_factory.mktemp("looks")
    clips = []
    for i, start in enumerate((2.0, 3.0, 2.5, 3.5)):
        clip = folder / f"studio{i}.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", str(start), "-t", "6", "-i",
                        str(footage_dir / CLIP), "-vf", "scale=320:-2", "-an", "-c:v", "libx264", "-crf", "20",
                        "-pix_fmt", "yuv420p", str(clip)], check=True, timeout=120)
        clips.append(str(clip))
    return clips


@pytest.fixture(scope="module")
def studio_spans(white_studio_looks, tmp_path_factory):
    """A JSON file of each take -> how far across the picture she reached, as the mirror's analysis
    finds it (``kiosk analyze``'s span, what a take recorded on the mirror keeps)."""
    spans = {}
    for clip in white_studio_looks:
        proc = subprocess.run([PYTHON, "-m", "kiosk.cli", "analyze", clip, "--json"], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        spans[clip] = json.loads(proc.stdout)["span"]
        assert spans[clip] is not None, f"no span found in {clip}"
    path = tmp_path_factory.mktemp("spans") / "spans.json"
    path.write_text(json.dumps(spans))
    return path


@pytest.fixture(scope="module",
                params=[(540, 960, 2), (1080, 1920, 2), (1080, 1920, 3), (1080, 1920, 4), (540, 960, 4)],
                ids=["540x960", "1080x1920", "1080x1920-3", "1080x1920-4", "540x960-4"])
def comparing(request, tall_screen, white_studio_looks, studio_spans, tmp_path_factory):
    """(the window's pixels, its named items, the size) while two to four looks turn side by side and
    the ring is up; a fourth "by time" in the parameters: looks without a turn (analysed, none
    found), every pane playing by time. One window at a time: they would cover each other."""
    width, height, count, *by_time = request.param
    tmp = tmp_path_factory.mktemp(f"compare-{width}x{height}-{count}{'-by-time' if by_time else ''}")
    with comparing_window(tall_screen, tmp, width, height, white_studio_looks[:count], bool(by_time),
                          studio_spans) as seen:
        yield seen


@contextlib.contextmanager
def comparing_window(display, tmp, width, height, looks, by_time=False, spans=None):
    """``comparing_window`` in a child process on ``display``: (its pixels, its named items, the size)."""
    config = tmp / "kiosk.toml"
    config.write_text(
        f'[display]\nfill = "fit"\nwindow_width = {width}\nwindow_height = {height}\nshow_status = false\n'
        f'[library]\ndata_dir = "{tmp / "library"}"\n'
        # The body analysis runs (a swiped hand does something: the hint says so), slowly, and the
        # visit stays although the synthetic camera shows nobody.
        "[analysis]\nmin_fps = 1\nmax_fps = 1\n[session]\nidle_timeout_s = 3600\nend_after_s = 600\n")
    log = tmp / "kiosk.log"
    proc = subprocess.Popen([PYTHON, "-m", "tests.integration.comparing_window", str(config), str(tmp),
                             *(["--by-time"] if by_time else []), *([f"--spans={spans}"] if spans else []), *looks],
                            env=ui_env(display),
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        deadline = time.monotonic() + 300
        while not (tmp / "items.json").is_file():
            assert proc.poll() is None, f"the mirror exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the comparison never opened:\n{log.read_text()}"
            time.sleep(0.3)
        window = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Smart Mirror"],
                                env=ui_env(display), capture_output=True, text=True, check=True).stdout.split()[0]
        png = subprocess.run(["import", "-window", window, "png:-"], env=ui_env(display), capture_output=True,
                             check=True).stdout
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        cv2.imwrite(str(tmp / "compare.png"), image)
        print(f"screen: {tmp / 'compare.png'}")
        yield image, json.loads((tmp / "items.json").read_text()), (width, height)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def box(items: dict, name: str) -> tuple[int, int, int, int]:
    """A named item's (x0, y0, x1, y1) on the screen, in whole pixels; it must be shown."""
    assert items[name]["visible"], f"{name} is not shown"
    return corners(items[name]["rect"])


def corners(rect) -> tuple[int, int, int, int]:
    x, y, w, h = rect
    return round(x), round(y), round(x + w), round(y + h)


def meet(a, b) -> bool:
    """Whether two (x0, y0, x1, y1) boxes share any pixel."""
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def within(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def test_the_ring_stands_clear_of_the_turn_hint(comparing):
    image, items, (width, height) = comparing
    ring, hint = box(items, "gestureRing"), box(items, "compareHint")
    overlap = min(ring[2], hint[2]) - max(ring[0], hint[0]), min(ring[3], hint[3]) - max(ring[1], hint[1])
    assert overlap[0] <= 0 or overlap[1] <= 0, f"the ring {ring} covers the hint {hint} on {width}x{height}"
    assert 0 <= hint[0] and hint[2] <= width and hint[3] <= height, f"the hint {hint} leaves the screen"
    # The whole line is painted: light grey letters at both its ends (not a word cut off).
    letters = (image[hint[1]:hint[3], hint[0]:hint[2]].min(axis=2) > 150).any(axis=0)
    thirds = np.array_split(letters, 3)
    assert thirds[0].any() and thirds[-1].any(), f"the hint {hint} is not painted whole"


def test_the_ring_stands_clear_of_the_messages(comparing):
    """The wake hint ("Turn around once: …") stands just above "Drag to turn", beside the ring: it
    keeps clear of it, centred, whole and inside the screen."""
    image, items, (width, height) = comparing
    ring = box(items, "gestureRing")
    assert items["messages"], "no message is shown"
    for message in items["messages"]:
        shown = corners(message["rect"])
        print(f"{width}x{height}: message {shown}, ring {ring}")
        assert not meet(ring, shown), f"the ring {ring} covers the message {shown} on {width}x{height}"
        assert 0 <= shown[0] and shown[2] <= width, f"the message {shown} leaves the screen"
        assert abs((shown[0] + shown[2]) - width) <= 2, f"the message {shown} is not centred"
        # Its words painted from end to end: white letters in its first and last thirds.
        letters = (image[shown[1]:shown[3], shown[0]:shown[2]].min(axis=2) > 200).any(axis=0)
        thirds = np.array_split(letters, 3)
        assert thirds[0].any() and thirds[-1].any(), f"the message {shown} is not painted whole"


@pytest.mark.parametrize("comparing", [(540, 960, 2, "by time"), (1080, 1920, 2, "by time")], indirect=True,
                         ids=["540x960-by-time", "1080x1920-by-time"])
def test_looks_that_play_by_time_say_a_drag_moves_through_them(comparing):
    """No pane follows a body angle: a drag moves every pane through its play (the dial's clock),
    turning nothing. The line says so (and a swiped hand, which does the same), clear of the ring."""
    image, items, (width, height) = comparing
    assert items["compareHint"]["text"] == "Drag to move through the looks, or swipe a hand sideways"
    ring, hint = box(items, "gestureRing"), box(items, "compareHint")
    assert not meet(ring, hint), f"the ring {ring} covers the hint {hint} on {width}x{height}"
    assert all(not meet(ring, corners(m["rect"])) for m in items["messages"]), "the ring covers a message"
    assert all(p["paneHint"]["visible"] for p in items["panes"]), "a pane does not say it plays by time"


def test_the_dials_degrees_grow_with_the_screen(comparing):
    image, items, (width, height) = comparing
    x0, y0, x1, y1 = box(items, "dialDegrees")
    text = image[y0:y1, x0:x1]
    rows = np.nonzero((text.min(axis=2) > 150).any(axis=1))[0]  # the figure's light grey ink (#d0d0d0)
    assert rows.size, f"no figure in the dial's degrees {x0, y0, x1, y1}"
    ink = int(rows[-1] - rows[0] + 1)
    print(f"degrees: {ink} px of ink on {width}x{height}")
    # Its digits as tall as the 1.3 %-of-the-height type the other words have (11 px on small windows).
    assert ink >= min(0.009 * height, 0.0115 * height), f"the degrees are {ink} px tall on {width}x{height}"


def test_a_panes_number_stands_out_from_the_white_studio_wall(comparing):
    image, items, (width, height) = comparing
    x0, y0, x1, y1 = box(items, "paneNumber")
    r = (x1 - x0) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(int)
    ys, xs = np.mgrid[: grey.shape[0], : grey.shape[1]]
    distance = np.hypot(xs + 0.5 - cx, ys + 0.5 - cy)
    wall = np.median(grey[(distance > r + 3) & (distance < r + 8) & (ys < cy)])  # above it: the studio's wall
    disc = np.median(grey[(distance > 0.6 * r) & (distance < 0.75 * r)])  # its disc, round the figure, inside its rim
    digit = grey[(distance < 0.5 * r)]
    print(f"badge on {width}x{height}: wall {wall}, disc {disc}, figure {digit.min()}..{digit.max()}")
    if within((x0, y0, x1, y1), corners(items["panes"][0]["picture"]["rect"])):  # over the picture
        assert wall >= 200, f"the wall behind the badge is not white ({wall})"
        assert abs(wall - disc) >= 100, f"the badge's disc ({disc}) is lost on the wall ({wall})"
    else:  # above it, on the black screen: its light rim draws the disc
        rim = np.median(grey[(distance > 0.9 * r) & (distance < r - 0.5)])
        assert abs(rim - disc) >= 100, f"the badge's rim ({rim}) is lost on its disc ({disc})"
    assert max(abs(int(digit.max()) - disc), abs(int(digit.min()) - disc)) >= 120, "the figure is lost on its disc"


def test_a_panes_label_stands_above_its_picture_where_there_is_room(comparing):
    """Two portrait looks on a 1080x1920 mirror leave bands above and below them: each pane's number
    and time stand there, just above its picture, clear of the shopper's head (three of these looks
    too). Four looks cropped to her fill the area's height (1080x1920 and 540x960): the pictures
    give up a little of it so that the labels stand above them too, not over her head."""
    image, items, (width, height) = comparing
    panes = items["panes"]
    assert len(panes) in (2, 3, 4), f"the panes: {panes}"
    pictures = [corners(pane["picture"]["rect"]) for pane in panes]
    area = box(items, "compareArea")
    dial = box(items, "angleDial")
    for pane, picture in zip(panes, pictures):
        assert pane["paneLabel"]["visible"], f"pane {pane['index'] + 1} has no label"
        label = corners(pane["paneLabel"]["rect"])
        print(f"{width}x{height}, {len(panes)} looks: pane {pane['index'] + 1} picture {picture}, label {label}")
        assert within(label, area), f"the label {label} leaves the panes' area {area}"
        assert not meet(label, dial), f"the label {label} covers the dial {dial}"
        others = [other for other in pictures if other != picture]
        assert not any(meet(label, other) for other in others), f"the label {label} covers another pane"
        above = label[3] <= picture[1]
        # Its pane's own column: above its picture, or in it.
        assert picture[0] <= label[0] and label[2] <= picture[2], f"the label {label} leaves its pane {picture}"
        assert above or within(label, picture), f"the label {label} is half in its picture {picture}"
        assert above, f"the label {label} covers the picture {picture}"
    # Nothing over the hint line and the buttons.
    hint = box(items, "compareHint")
    assert all(corners(p["picture"]["rect"])[3] <= hint[1] and corners(p["paneLabel"]["rect"])[3] <= hint[1]
               for p in panes), "a pane reaches the hint line"
    # The time is painted: white letters in the label's box.
    for pane in panes:
        x0, y0, x1, y1 = corners(pane["paneLabel"]["rect"])
        assert (image[y0:y1, x0:x1].min(axis=2) > 200).sum() > 100, f"no letters in the label {x0, y0, x1, y1}"


def test_two_looks_cropped_to_her_fill_most_of_the_screens_height(comparing):
    """Each pane shows only the part of its look's width she reached over the take (its span, as
    the analysis found it): two looks side by side stood at about a third of a 1080x1920 screen's
    height, with the white wall beside her filling each pane's sides and black bands above and
    below. Cropped, they stand at two thirds of it, and she is whole in each: wall on both sides
    of her, her head and her feet inside the picture."""
    image, items, (width, height) = comparing
    panes = items["panes"]
    if len(panes) != 2:
        pytest.skip("two looks side by side")
    for pane in panes:
        x0, y0, x1, y1 = corners(pane["picture"]["rect"])
        print(f"{width}x{height}: pane {pane['index'] + 1} picture {x0, y0, x1, y1}")
        assert y1 - y0 >= 0.6 * height, f"the pane {x0, y0, x1, y1} stands at less than 0.6 of the screen's height"
        picture = image[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].min(axis=2)
        her = picture < 180  # her dress, hair and skin, darker than the white studio
        cols = np.nonzero(her.mean(axis=0) > 0.01)[0]
        rows = np.nonzero(her.mean(axis=1) > 0.01)[0]
        assert cols.size and rows.size, "nobody in the pane"
        assert cols[0] > 0.02 * picture.shape[1] and cols[-1] < 0.98 * picture.shape[1], "the crop cuts her side"
        assert rows[0] > 0 and rows[-1] < picture.shape[0] - 1, "her head or feet leave the picture"
        assert (cols[-1] - cols[0]) >= 0.35 * picture.shape[1], "mostly wall: not cropped to her"
