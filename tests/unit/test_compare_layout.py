"""Where the panes go: two side by side, two rows of two or one row, all the same height, inside the area."""

import pytest

from kiosk.compare.layout import pane_box, pane_layout, rows_for, rows_of
from kiosk.comparing import when_recorded

PORTRAIT = 720 / 1280
LANDSCAPE = 1280 / 720


@pytest.mark.parametrize(
    "aspects, area",
    [
        ([PORTRAIT] * 2, (540, 760)),
        ([PORTRAIT] * 2, (1064, 1600)),
        ([PORTRAIT] * 3, (1064, 1600)),
        ([PORTRAIT] * 4, (524, 740)),
        ([PORTRAIT, LANDSCAPE], (1064, 1600)),  # a look from another mirror: still the same height
        ([LANDSCAPE] * 4, (1064, 1600)),
        ([PORTRAIT] * 4, (1904, 787)),  # a landscape mirror: one row
        ([PORTRAIT] * 3, (1904, 787)),
    ],
)
def test_same_height_inside_the_area_without_overlap(aspects, area):
    rects = pane_layout(aspects, area, gap=12)
    assert len({r.height for r in rects}) == 1
    for r, aspect in zip(rects, aspects):
        assert r.x >= 0 and r.y >= 0 and r.x + r.width <= area[0] and r.y + r.height <= area[1]
        assert r.width == pytest.approx(r.height * aspect, abs=1.0)
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            apart = a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y
            assert apart, (a, b)
    # as big as the area allows: one side touches (within the gap and rounding)
    rows = rows_for(aspects, area, gap=12)
    used_w = max(sum(rects[i].width for i in row) + 12 * (len(row) - 1) for row in rows)
    used_h = rects[0].height * len(rows) + 12 * (len(rows) - 1)
    assert used_w >= area[0] - 4 or used_h >= area[1] - 4


def test_rows():
    assert rows_of(2) == [[0, 1]] and rows_of(3) == [[0, 1], [2]] and rows_of(4) == [[0, 1], [2, 3]]


def test_four_portrait_looks_on_a_landscape_mirror_stand_in_one_row_twice_as_tall():
    rects = pane_layout([PORTRAIT] * 4, (1904, 787), gap=12)
    assert len({r.y for r in rects}) == 1 and rects[0].height == 787
    assert [r.x for r in rects] == sorted(r.x for r in rects)
    # a portrait mirror keeps its two rows of two
    assert rows_for([PORTRAIT] * 4, (1064, 1600)) == [[0, 1], [2, 3]]


def test_two_portrait_looks_on_a_tall_mirror_fill_its_width():
    rects = pane_layout([PORTRAIT] * 2, (1064, 1600), gap=12)
    assert rects[0].width + rects[1].width + 12 >= 1060
    assert pane_box(rects) == (rects[0].width, rects[0].height)


def test_when_recorded_reads_like_a_person_would_say_it():
    from datetime import datetime

    now = datetime(2026, 3, 12, 15, 0).timestamp()
    assert when_recorded(datetime(2026, 3, 12, 14, 32).timestamp(), now) == "Today 14:32"
    assert when_recorded(datetime(2026, 3, 11, 9, 5).timestamp(), now) == "Yesterday 09:05"
    assert when_recorded(datetime(2026, 3, 3, 18, 20).timestamp(), now) == "3 Mar 18:20"
