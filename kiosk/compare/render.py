"""Render a comparison: the panes side by side at one height, one H.264 MP4 (yuv420p, faststart).

Each input is decoded once (``decode.pick``) into the frames the timeline wants, scaled to the
pane size and kept as I420 planes (1.5 bytes a pixel), so composing an output frame is copying
planes next to each other: no colour conversion per frame. Each pane shows its look's span (the
part of its width the person reached, ``Pane.span``), as on the mirror: narrower panes, so the
picture is narrower for its height. The pane height is the lowest of
``max_height``, the smallest input and what keeps the kept frames under ``memory_mb`` and the
whole picture under ``max_width``. Panes are mirrored like the live view when the mirror shows a
mirror image (the cropped picture is mirrored, as on the mirror); captions are not (text stays readable).

Nothing half-written is ever at ``out``: the file is written under a hidden temporary name in
the same folder and renamed when complete; an error, Ctrl+C or ``stop()`` returning True (asked
while decoding and between frames: a deleted comparison need not render to the end) removes the
temporary file.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.compare import decode
from kiosk.compare.caption import Caption, make_caption
from kiosk.compare.errors import CompareError, CompareStopped
from kiosk.compare.panes import Pane
from kiosk.compare.timeline import Timeline
from kiosk.recording.encoder import EncoderSettings

_log = logging.getLogger(__name__)

DIVIDER = 4  # black pixels between panes


@dataclass(frozen=True)
class RenderSettings:
    """How big, mirrored or not, and how much memory the kept frames may take."""

    max_height: int = 720
    max_width: int = 3840
    min_height: int = 120
    mirror: bool = True
    memory_mb: float = 400.0
    encoder: EncoderSettings = field(default_factory=EncoderSettings)


@dataclass(frozen=True)
class Rendered:
    out: Path
    frames: int
    width: int
    height: int
    pane_widths: tuple[int, ...]

    def pane_box(self, index: int) -> tuple[int, int]:
        """(left, width) of a pane in the output picture."""
        left = sum(self.pane_widths[:index]) + DIVIDER * index
        return left, self.pane_widths[index]


def pane_sizes(panes: list[Pane], timeline: Timeline, settings: RenderSettings) -> tuple[int, list[int]]:
    """The common pane height and each pane's width (all even)."""
    cap = min([settings.max_height] + [p.shape.height for p in panes])
    height = cap
    aspects = [p.aspect for p in panes]
    dividers = DIVIDER * (len(panes) - 1)
    height = min(height, (settings.max_width - dividers) / max(sum(aspects), 1e-6))
    # The kept frames take about Σ unique frames · width · height · 1.5 bytes, and width ∝ height.
    unique = [
        min(len(np.unique(np.round(row, 3))), int(p.shape.duration_s * p.shape.fps) + 1)
        for row, p in zip(timeline.times, panes)
    ]
    per_height_squared = 1.5 * sum(n * a for n, a in zip(unique, aspects))
    budget = settings.memory_mb * 1e6
    if per_height_squared * height * height > budget:
        height = math.sqrt(budget / per_height_squared)
    height = max(int(height), min(settings.min_height, cap)) & ~1
    widths = [max(2, int(round(a * height)) & ~1) for a in aspects]
    return height, widths


def render(panes: list[Pane], timeline: Timeline, out: Path, settings: RenderSettings | None = None,
           stop: Callable[[], bool] | None = None) -> Rendered:
    """Write the comparison to ``out``; raises ``CompareError`` (``out`` untouched) on failure and
    ``CompareStopped`` (nothing left behind) when ``stop()`` returns True before the last frame;
    once it has said True it must keep saying so (it is asked again after decoding)."""
    from kiosk.recording.container import MediaError
    from kiosk.recording.mp4file import Mp4File

    settings = settings or RenderSettings()
    out = Path(out)
    if not out.parent.is_dir():
        raise CompareError(f"the folder {out.parent} does not exist")
    height, widths = pane_sizes(panes, timeline, settings)
    width = sum(widths) + DIVIDER * (len(panes) - 1)
    _log.info("rendering %d frames of %d×%d from %d looks", timeline.frames, width, height, len(panes))
    stopped = stop or (lambda: False)
    pictures = []
    for i, p in enumerate(panes):
        pictures.append(decode.pick(p.video, timeline.times[i], (widths[i], height), p.rotation, stop=stopped,
                                    crop=p.span))
        if stopped():
            raise CompareStopped("the comparison was stopped before it was rendered")
    captions = [_captions(p, w, height, timeline, i) for i, (p, w) in enumerate(zip(panes, widths))]
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    writer = Mp4File(tmp, width, height, timeline.fps, settings.encoder)
    try:
        writer.open()
        canvas = _Canvas(width, height)
        canvas.clear()  # the panes cover all but the dividers, every frame
        for k in range(timeline.frames):
            if stopped():
                raise CompareStopped(f"the comparison was stopped after {k} of {timeline.frames} frames")
            left = 0
            for i, w in enumerate(widths):
                y, u, v = canvas.pane(left, w)
                py, pu, pv = pictures[i][k]
                if settings.mirror:
                    py, pu, pv = py[:, ::-1], pu[:, ::-1], pv[:, ::-1]
                y[...], u[...], v[...] = py, pu, pv
                caption = captions[i][0 if timeline.covered[i, k] else 1]
                caption.blend_onto(y, u, v)
                left += w + DIVIDER
            writer.write_i420(canvas.picture)
        writer.close()
        os.replace(tmp, out)
    except MediaError as exc:
        writer.abort()
        raise CompareError(f"cannot write {out} ({exc})") from None
    except OSError as exc:
        writer.abort()
        raise CompareError(f"cannot write {out} ({exc.strerror or exc})") from None
    except BaseException:
        writer.abort()
        raise
    return Rendered(out, timeline.frames, width, height, tuple(widths))


def _captions(pane: Pane, width: int, height: int, timeline: Timeline, index: int) -> tuple[Caption, Caption]:
    """The pane's caption when it shows the shared angle, and when it cannot (a partial turn)."""
    first = pane.caption()
    if timeline.align == "angle" and not timeline.by_angle[index]:
        return (make_caption(width, height, [first, f"by time: {pane.unaligned}"]),) * 2
    return make_caption(width, height, [first]), make_caption(width, height, [first, "turn not this far: nearest view"])


class _Canvas:
    """One output picture as I420 planes in one buffer, with views per pane."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.picture = np.empty((height * 3 // 2, width), np.uint8)
        flat = self.picture.reshape(-1)
        n = width * height
        self.y = flat[:n].reshape(height, width)
        self.u = flat[n : n + n // 4].reshape(height // 2, width // 2)
        self.v = flat[n + n // 4 :].reshape(height // 2, width // 2)

    def clear(self) -> None:
        self.y[...] = 16  # limited-range black between the panes
        self.u[...] = 128
        self.v[...] = 128

    def pane(self, left: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        half = slice(left // 2, (left + width) // 2)
        return self.y[:, left : left + width], self.u[:, half], self.v[:, half]
