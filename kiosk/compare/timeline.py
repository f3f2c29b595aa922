"""The shared timeline: one full turn of a shared body angle over N output frames (pure).

``angle`` alignment sweeps the shared yaw once round, from facing the camera (0°) in the
direction the first look turned, so that look plays forwards; every pane shows its frame
nearest to the shared yaw (``anglemap``). A pane that cannot align by angle plays at its own
speed from its turn start (or its beginning) and says so. ``time`` alignment is what other
mirrors do: every pane plays from its turn start at its own speed.

The gap of an output frame is the largest difference in body yaw between the panes at the
frames they show, read from the looks' own yaw tracks (not from the map, which could flatter
itself); panes whose track has no usable sample are left out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.compare.anglemap import MIN_CONF, AngleMap
from kiosk.compare.track import YawTrack, angle_gap

ALIGNMENTS = ("angle", "time")
MIN_SECONDS = 4.0
MAX_SECONDS = 15.0
DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class PaneTiming:
    """What the timeline needs of one pane."""

    track: YawTrack
    angle_map: AngleMap | None  # None: this pane plays by time
    start_s: float  # where it starts playing by time: its turn start, else 0
    end_s: float  # its last frame
    turn_s: float  # how long its turn takes (or the clip, without one)


@dataclass(frozen=True)
class Timeline:
    """Per output frame: the shared angle, each pane's source time and what it shows."""

    align: str
    fps: float
    angles: np.ndarray  # (N,) shared body yaw; NaN under time alignment
    times: np.ndarray  # (P, N) source time of each pane
    covered: np.ndarray  # (P, N) the pane reaches the shared angle (always True by time)
    by_angle: tuple[bool, ...]  # per pane: follows the shared angle
    yaws: np.ndarray  # (P, N) body yaw each pane shows, from its track; NaN where unknown
    gaps: np.ndarray = field(repr=False)  # (N,) largest yaw difference between panes; NaN: not measurable

    @property
    def frames(self) -> int:
        return int(self.times.shape[1])

    @property
    def mean_gap(self) -> float | None:
        ok = self.gaps[np.isfinite(self.gaps)]
        return float(ok.mean()) if ok.size else None

    @property
    def max_gap(self) -> float | None:
        ok = self.gaps[np.isfinite(self.gaps)]
        return float(ok.max()) if ok.size else None


def default_seconds(panes: list[PaneTiming]) -> float:
    """The slowest turn sets the pace (no pane skips frames), within ``MIN_SECONDS``..``MAX_SECONDS``."""
    longest = max((p.turn_s for p in panes), default=MIN_SECONDS)
    return float(min(max(longest, MIN_SECONDS), MAX_SECONDS))


def plan(panes: list[PaneTiming], align: str = "angle", fps: float = DEFAULT_FPS, seconds: float | None = None) -> Timeline:
    """The timeline of a comparison of ``panes``."""
    if align not in ALIGNMENTS:
        raise ValueError(f"align must be one of {ALIGNMENTS}, not {align!r}")
    seconds = default_seconds(panes) if seconds is None else seconds
    n = frame_count(seconds, fps)
    by_angle = tuple(align == "angle" and p.angle_map is not None for p in panes)
    leader = next((p.angle_map for p, a in zip(panes, by_angle) if a), None)
    sweep = leader.sign if leader is not None else 1
    angles = sweep * np.arange(n) * (360.0 / n) if leader is not None else np.full(n, np.nan)
    angles = (angles + 180.0) % 360.0 - 180.0
    clock = np.arange(n) / fps
    times = np.empty((len(panes), n))
    covered = np.ones((len(panes), n), dtype=bool)
    for row, (pane, follows) in enumerate(zip(panes, by_angle)):
        if follows:
            times[row], _, covered[row] = pane.angle_map.at_many(angles)
        else:
            times[row] = np.minimum(pane.start_s + clock, max(pane.end_s, pane.start_s))
    yaws = np.vstack([_measured(p.track, times[row]) for row, p in enumerate(panes)]) if panes else np.zeros((0, n))
    return Timeline(align, fps, angles, times, covered, by_angle, yaws, _gaps(yaws))


def _measured(track: YawTrack, times: np.ndarray) -> np.ndarray:
    usable = track.confident(MIN_CONF)
    return usable.yaw_at(times)


def _gaps(yaws: np.ndarray) -> np.ndarray:
    """Per frame, the largest pairwise yaw difference among the panes with a known yaw."""
    n = yaws.shape[1] if yaws.ndim == 2 else 0
    gaps = np.full(n, np.nan)
    rows = yaws.shape[0]
    for a in range(rows):
        for b in range(a + 1, rows):
            pair = angle_gap(yaws[a], yaws[b])
            known = np.isfinite(pair)
            gaps[known] = np.fmax(gaps[known], pair[known])
    return gaps


def frame_count(seconds: float, fps: float = DEFAULT_FPS) -> int:
    """How many output frames a comparison of ``seconds`` has."""
    return max(2, int(round(seconds * fps)))

