"""Body angle → frame time for one look: pure, built once per look, O(1) per question.

"Same side of the body" is the absolute body yaw: a clockwise and a counter-clockwise look line
up when both show, say, their left side to the camera; the one turning the other way simply
plays backwards while the shared angle sweeps. So the question is "when did this look show yaw
A?", and a real track answers it ambiguously: the shopper stands facing the camera before and
after the turn, pauses in a three-quarter view, sways back a little, the tracker is unsure in
the back view. The map is built like this:

1. The turn segment: the largest net rotation in the track, in the direction of the stored
   (or detected) turn and spanning it too, or either way without one; padded by ``PAD_S``.
   A track too short, too uncertain or turning less than ``MIN_TURN_DEG`` gives
   ``Unaligned`` with a reason; the caller falls back to time.
2. The segment is resampled at ``GRID_HZ``, finer than the detector's 15 samples a second:
   a confidence-weighted average of the samples nearby (``grid``), so unsure samples count
   less; a grid point in a gap between samples is trusted less.
3. The angles ``origin + sign·k°`` (k = 0..359, from the yaw the segment starts at, in the
   turn's direction) are matched to grid points by dynamic programming: each angle gets one
   point, the points never go back in time, and the total cost, the angle error weighted by
   confidence (an unconfident point costs ``LOWCONF_COST`` whatever it shows), is smallest. So a
   pause, a small back-and-forth or a noisy sample cannot make playback jump back and forth:
   sweeping the angle plays the turn forwards (or backwards) in order.
4. An angle the ordered match misses by more than ``COVER_TOL_DEG`` takes the point nearest in
   angle anywhere in the segment; an angle nothing in the segment comes near is flagged as not
   covered (a partial turn, a clip that starts mid-turn) and shows that nearest frame.

``kiosk/net/static/anglemap.js`` implements the same steps for the associate console; a test
runs both on the same tracks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.compare.track import TurnSummary, YawTrack, angle_gap, wrap180

ANGLES = 360  # one entry per degree of body yaw
PAD_S = 0.5
GRID_HZ = 30.0
MAX_GRID = 900
MIN_CONF = 0.05  # below this a sample is ignored
TRUSTED_CONF = 0.3  # samples that decide where the turn is
MIN_SAMPLES = 5
MIN_TURN_DEG = 90.0
MIN_MEAN_CONF = 0.25
LOWCONF_COST = 60.0
KERNEL_SPACINGS = 1.5  # how far a sample reaches, in sample spacings
GAP_WEIGHT = 0.25
COVER_TOL_DEG = 12.0
PARTIAL_BELOW_DEG = 330.0


@dataclass(frozen=True)
class AnglePick:
    """Where a look shows a body angle: the frame time, the yaw it shows there, and whether it reaches A."""

    t: float
    yaw_deg: float
    covered: bool


@dataclass(frozen=True)
class Unaligned:
    """A track that cannot align by angle; ``reason`` completes "cannot align this look by body angle: …"."""

    reason: str


class AngleMap:
    """The answer for every whole degree of body yaw, precomputed."""

    def __init__(self, origin_deg: float, sign: int, times: np.ndarray, yaws: np.ndarray, covered: np.ndarray) -> None:
        self.origin_deg = origin_deg
        self.sign = sign
        self.times = times
        self.yaws = yaws
        self.covered = covered

    @property
    def direction(self) -> str:
        return "cw" if self.sign > 0 else "ccw"

    @property
    def coverage_deg(self) -> float:
        """How many degrees of body yaw the look shows."""
        return float(np.count_nonzero(self.covered)) * 360.0 / ANGLES

    @property
    def partial(self) -> bool:
        return self.coverage_deg < PARTIAL_BELOW_DEG

    @property
    def span(self) -> tuple[float, float]:
        """First and last frame time the map uses."""
        return float(self.times.min()), float(self.times.max())

    def index(self, angle_deg: float) -> int:
        """The table entry for a body yaw."""
        offset = (self.sign * (angle_deg - self.origin_deg)) % 360.0
        return int(math.floor(offset * ANGLES / 360.0 + 0.5)) % ANGLES

    def at(self, angle_deg: float) -> AnglePick:
        """The frame time nearest to body yaw ``angle_deg``."""
        k = self.index(angle_deg)
        return AnglePick(float(self.times[k]), float(self.yaws[k]), bool(self.covered[k]))

    def at_many(self, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``at`` for an array of angles: (times, yaws, covered)."""
        offsets = (self.sign * (np.asarray(angles, dtype=float) - self.origin_deg)) % 360.0
        k = np.floor(offsets * ANGLES / 360.0 + 0.5).astype(int) % ANGLES
        return self.times[k], self.yaws[k], self.covered[k]


def build_angle_map(track: YawTrack, turn: TurnSummary | None = None) -> AngleMap | Unaligned:
    """The map of one look, or why it cannot have one."""
    usable = track.confidence >= MIN_CONF
    if np.count_nonzero(usable) < MIN_SAMPLES:
        return Unaligned("it has too few body-angle measurements")
    t, rot, conf = track.t[usable], track.rotation[usable], track.confidence[usable]
    trusted = conf >= TRUSTED_CONF
    if np.count_nonzero(trusted) < MIN_SAMPLES:
        trusted = np.ones_like(trusted)
    found = _segment(t, rot, conf, trusted, turn) if turn is not None else None
    if found is None or isinstance(found, Unaligned):
        found = _segment(t, rot, conf, trusted, None)
    if isinstance(found, Unaligned):
        return found
    lo, hi, sign = found
    inside = (t >= lo) & (t <= hi)
    return _match(t[inside], rot[inside], conf[inside], sign)


def _segment(t, rot, conf, trusted, turn: TurnSummary | None):
    """(start, end, sign) of the turn in the track, or ``Unaligned``.

    With a turn given, its direction counts and the segment spans both the turn and the largest
    rotation that way in the track (a detector that ended the turn early in a confusing back
    view must not cut off the rest of it).
    """
    ct, cr = t[trusted], rot[trusted]
    if turn is not None:
        sign = turn.sign
        _, i, j = _largest_move(sign * cr)
        lo, hi = min(turn.start_s, ct[i]) - PAD_S, max(turn.end_s, ct[j]) + PAD_S
    else:
        up, down = _largest_move(cr), _largest_move(-cr)
        (_, i, j), sign = (up, 1) if up[0] >= down[0] else (down, -1)
        lo, hi = ct[i] - PAD_S, ct[j] + PAD_S
    inside = (t >= lo) & (t <= hi)
    if np.count_nonzero(inside) < MIN_SAMPLES:
        return Unaligned("it has too few body-angle measurements during the turn")
    keep = inside & trusted
    amplitude = _largest_move(sign * rot[keep])[0] if np.count_nonzero(keep) >= 2 else 0.0
    if amplitude < MIN_TURN_DEG:
        return Unaligned(f"the body turns only {amplitude:.0f}° in it")
    if float(np.mean(conf[inside])) < MIN_MEAN_CONF:
        return Unaligned("its body angle was measured with too little confidence")
    return lo, hi, sign


def _largest_move(values: np.ndarray) -> tuple[float, int, int]:
    """The largest rise ``values[j] - values[i]`` with i ≤ j, and (the last such) i and j."""
    if values.size == 0:
        return 0.0, 0, 0
    lows = np.minimum.accumulate(values)
    gains = values - lows
    j = int(np.argmax(gains))
    before = values[: j + 1]
    i = int(np.flatnonzero(before == lows[j])[-1])
    return float(gains[j]), i, j


def grid(t: np.ndarray, rot: np.ndarray, conf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The segment resampled: (times, rotations, confidences) at ``GRID_HZ`` (at most ``MAX_GRID`` points).

    Each grid point averages the rotations of the samples within 1.5 sample spacings of it,
    weighted by closeness and by confidence squared, so an unsure sample next to sure ones
    hardly counts, and a run of unsure samples still counts when nothing better is there. A
    grid point with no sample that close (a gap) gets the straight line between its neighbours
    and little trust.
    """
    span = float(t[-1] - t[0])
    n = min(int(math.floor(span * GRID_HZ + 1e-9)) + 1, MAX_GRID)
    dt = (1.0 / GRID_HZ) if n < MAX_GRID else span / (n - 1)
    g = t[0] + np.arange(n) * dt
    reach = KERNEL_SPACINGS * min(max(float(np.median(np.diff(t))), 1.0 / 60.0), 0.2)
    near = np.clip(1.0 - np.abs(g[:, None] - t[None, :]) / reach, 0.0, None)
    weights = near * (conf * conf)[None, :]
    total_w, total_near = weights.sum(axis=1), near.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rg = np.where(total_w > 1e-9, (weights * rot[None, :]).sum(axis=1) / total_w, np.interp(g, t, rot))
        cg = np.where(total_near > 0.0, (near * conf[None, :]).sum(axis=1) / total_near, np.interp(g, t, conf) * GAP_WEIGHT)
    return g, rg, cg


def _match(t: np.ndarray, rot: np.ndarray, conf: np.ndarray, sign: int) -> AngleMap:
    g, rg, cg = grid(t, rot, conf)
    yaw = wrap180(rg)
    origin = float(yaw[0])
    targets = origin + sign * np.arange(ANGLES) * (360.0 / ANGLES)
    error = angle_gap(yaw[None, :], targets[:, None])
    cost = cg[None, :] * error + (1.0 - cg[None, :]) * LOWCONF_COST
    total = np.empty_like(cost)
    total[0] = cost[0]
    for k in range(1, ANGLES):
        total[k] = cost[k] + np.minimum.accumulate(total[k - 1])
    picks = np.empty(ANGLES, dtype=int)
    i = int(np.argmin(total[-1]))
    picks[-1] = i
    for k in range(ANGLES - 1, 0, -1):
        i = int(np.argmin(total[k - 1][: i + 1]))
        picks[k - 1] = i
    rows = np.arange(ANGLES)
    nearest = np.argmin(cost, axis=1)
    ordered_ok = error[rows, picks] <= COVER_TOL_DEG
    covered = error[rows, nearest] <= COVER_TOL_DEG
    chosen = np.where(ordered_ok, picks, nearest)
    return AngleMap(origin, sign, g[chosen], yaw[chosen], covered | ordered_ok)
