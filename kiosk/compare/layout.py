"""Where each pane of a comparison goes on the mirror's screen: all the same height, as big as the area allows (pure).

Two looks stand side by side; three or four take two rows of two (the third alone, centred), or
one row where that makes them bigger: on a landscape mirror four portrait looks in two rows were
half as tall as they can be in one. Every pane gets the same height, whatever the looks' shapes (one mirror records them all alike,
but a look kept from another mirror may be wider): the height is the largest for which every row
fits the area's width and the rows fit its height. Each pane's width follows its look's aspect.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rect:
    """A pane's place in the area, in pixels from its top left."""

    x: int
    y: int
    width: int
    height: int


def rows_of(count: int) -> list[list[int]]:
    """Pane indexes per row: one row up to two panes, else two rows of two."""
    if count <= 2:
        return [list(range(count))]
    return [[0, 1], list(range(2, count))]


def _pane_height(rows: list[list[int]], aspects: list[float], area: tuple[int, int], gap: int) -> int:
    """The common pane height with ``rows``: the largest for which every row fits the width and
    the rows fit the height."""
    width, height = area
    by_width = min((width - gap * (len(row) - 1)) / sum(aspects[i] for i in row) for row in rows)
    by_height = (height - gap * (len(rows) - 1)) / len(rows)
    return max(int(min(by_width, by_height)), 2)


def rows_for(aspects: list[float], area: tuple[int, int], gap: int = 12) -> list[list[int]]:
    """Pane indexes per row in ``area``: two rows of two (``rows_of``), or all in one row where
    their panes come out taller (three or four portrait looks on a landscape mirror)."""
    rows = rows_of(len(aspects))
    one_row = [list(range(len(aspects)))]
    if len(rows) > 1 and _pane_height(one_row, aspects, area, gap) > _pane_height(rows, aspects, area, gap):
        return one_row
    return rows


def pane_layout(aspects: list[float], area: tuple[int, int], gap: int = 12) -> list[Rect]:
    """The rectangle of each pane (``aspects`` are width / height) in an ``area`` (width, height)."""
    if not aspects:
        return []
    if any(a <= 0 for a in aspects):
        raise ValueError("a pane's aspect must be positive")
    width, height = area
    rows = rows_for(aspects, area, gap)
    pane_h = _pane_height(rows, aspects, area, gap)
    block_h = pane_h * len(rows) + gap * (len(rows) - 1)
    top = max((height - block_h) // 2, 0)
    rects: list[Rect | None] = [None] * len(aspects)
    for r, row in enumerate(rows):
        widths = [max(int(pane_h * aspects[i]), 2) for i in row]
        x = max((width - sum(widths) - gap * (len(row) - 1)) // 2, 0)
        y = top + r * (pane_h + gap)
        for i, w in zip(row, widths):
            rects[i] = Rect(x, y, w, pane_h)
            x += w + gap
    return rects  # type: ignore[return-value]


def pane_box(rects: list[Rect]) -> tuple[int, int]:
    """The box every pane's frames are scaled to fit (the widest pane, the common height)."""
    return max(r.width for r in rects), max(r.height for r in rects)
