"""How far across the picture the person reaches over a take: the fixed crop a comparison shows (pure).

A comparison puts portrait looks side by side; the person fills only the middle of each one's
width (the sides are fitting-room wall), so a pane cropped to her is narrower and can stand
taller. Each analysed frame in which the body is seen well (``MIN_SEEN`` landmarks in view) gives
its ``Extent``: the leftmost and rightmost landmark in view (head, hands, elbows, feet), and how
tall the body stands. ``span_of`` makes one crop for the whole take from them: the 2nd percentile
of the left edges and the 98th of the right ones (a wrist the model flung aside in a frame or two
does not widen it), widened by ``MARGIN_OF_HEIGHT`` of her height to each side (fingers past the
knuckles, a skirt's swing, hair), never narrower than ``MIN_WIDTH`` of the picture nor
``MIN_OF_HEIGHT`` of her height, inside the picture. Where that is nearly the whole width, or too
few frames showed her, there is no crop (None).

Fractions are of the upright picture's width (the one the shopper sees, unmirrored); heights are
in the same unit. A look stores its span as ``"span": [x0, x1]`` with its ``"turn"`` analysis;
``read_span`` takes it back, refusing what is not one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from kiosk.analysis.pose import Pose

SEEN = 0.5  # visibility above which a landmark counts as in view
MIN_SEEN = 12  # of the 33 landmarks: fewer, and the frame says nothing sure about her extent
MIN_FRAMES = 5  # frames with an extent, for a span
PERCENTILE = 2.0  # the left edges' 2nd percentile, the right edges' 98th
MARGIN_OF_HEIGHT = 0.06  # added to each side, in body heights (about 10 cm)
MARGIN_MIN = 0.02  # and at least this much of the width
MIN_WIDTH = 0.35  # never narrower than this much of the picture's width
MIN_OF_HEIGHT = 0.35  # nor than this much of her height (a standing body with its arms down is ~0.3)
WHOLE = 0.95  # a span this wide is no crop


class Extent(NamedTuple):
    """One frame's body across the picture: its left and right edge, and its height (picture widths)."""

    left: float
    right: float
    height: float


def extent_of(pose: Pose | None) -> Extent | None:
    """The extent of the landmarks in view, or None where too few are (or there is no pose)."""
    if pose is None:
        return None
    seen = pose.visibility >= SEEN
    if int(seen.sum()) < MIN_SEEN:
        return None
    xy = pose.image[seen]
    if not np.all(np.isfinite(xy)):
        return None
    aspect = pose.aspect if pose.aspect > 0 else 1.0
    height = float(xy[:, 1].max() - xy[:, 1].min()) / aspect  # frame heights to frame widths
    return Extent(round(float(xy[:, 0].min()), 4), round(float(xy[:, 0].max()), 4), round(height, 4))


def span_of(extents: list[Extent]) -> tuple[float, float] | None:
    """The one crop for a take (``x0``, ``x1``: fractions of the width), or None: no crop."""
    if len(extents) < MIN_FRAMES:
        return None
    rows = np.asarray(extents, dtype=float)
    left = float(np.percentile(rows[:, 0], PERCENTILE))
    right = float(np.percentile(rows[:, 1], 100.0 - PERCENTILE))
    height = float(np.median(rows[:, 2]))
    margin = max(MARGIN_OF_HEIGHT * height, MARGIN_MIN)
    return _bounded(left - margin, right + margin, max(MIN_WIDTH, MIN_OF_HEIGHT * height))


def read_span(value) -> tuple[float, float] | None:
    """A stored ``"span"`` as a crop, or None (none stored, not two numbers in order): the whole width."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    x0, x1 = (float(v) for v in value)
    if not (math.isfinite(x0) and math.isfinite(x1)) or x1 <= x0 or x1 <= 0.0 or x0 >= 1.0:
        return None
    return _bounded(x0, x1, MIN_WIDTH)


def _bounded(x0: float, x1: float, narrowest: float) -> tuple[float, float] | None:
    """``x0``..``x1`` widened about its centre to ``narrowest``, moved inside 0..1; None when nearly whole."""
    x0, x1 = max(x0, 0.0), min(x1, 1.0)
    if x1 - x0 < narrowest:
        centre = (x0 + x1) / 2
        x0, x1 = centre - narrowest / 2, centre + narrowest / 2
        shift = max(-x0, 0.0) - max(x1 - 1.0, 0.0)
        x0, x1 = max(x0 + shift, 0.0), min(x1 + shift, 1.0)
    if x1 - x0 >= WHOLE:
        return None
    return round(x0, 4), round(x1, 4)
