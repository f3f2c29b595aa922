"""One comparison from panes to file and report: what ``kiosk compare`` and the API's renderer share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.compare.errors import CompareError
from kiosk.compare.panes import Pane
from kiosk.compare.render import Rendered, RenderSettings, render
from kiosk.compare.timeline import DEFAULT_FPS, Timeline, plan
from kiosk.recording.encoder import EncoderSettings

MIN_LOOKS = 2
MAX_LOOKS = 4


@dataclass(frozen=True)
class Report:
    """What was rendered and how well the panes line up."""

    rendered: Rendered
    timeline: Timeline
    panes: list[Pane]

    def to_json(self) -> dict:
        mean, most = self.timeline.mean_gap, self.timeline.max_gap
        return {
            "out": str(self.rendered.out),
            "align": self.timeline.align,
            "frames": self.rendered.frames,
            "mean_angle_gap_deg": None if mean is None else round(mean, 1),
            "max_angle_gap_deg": None if most is None else round(most, 1),
            "looks": [
                {**pane.to_json(), "aligned_by": "angle" if follows else "time", "unaligned_reason": pane.unaligned}
                for pane, follows in zip(self.panes, self.timeline.by_angle)
            ],
        }


def check_count(n: int) -> None:
    """Two to four looks, or one sentence saying what is wrong."""
    if n < MIN_LOOKS:
        raise CompareError(f"a comparison needs at least {MIN_LOOKS} looks, not {n}")
    if n > MAX_LOOKS:
        raise CompareError(f"a comparison shows at most {MAX_LOOKS} looks, not {n}")


def render_settings(config, **overrides) -> RenderSettings:
    """Mirrored like the live view when the mirror shows a mirror image; CRF from ``[recording]``."""
    values = dict(mirror=config.display.mirror, encoder=EncoderSettings(crf=config.recording.crf))
    values.update(overrides)
    return RenderSettings(**values)


def compare(panes: list[Pane], out: Path, align: str, settings: RenderSettings, seconds: float | None = None,
            stop: Callable[[], bool] | None = None) -> Report:
    """Plan the shared timeline, render it to ``out`` and report (``stop``: see ``render``)."""
    check_count(len(panes))
    timeline = plan([p.timing() for p in panes], align, DEFAULT_FPS, seconds)
    return Report(render(panes, timeline, out, settings, stop), timeline, panes)
