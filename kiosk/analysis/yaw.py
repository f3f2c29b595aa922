"""Body yaw: which way the torso faces, seen from above, tracked into a cumulative rotation.

Yaw 0 means the chest faces the camera. Yaw grows when the body turns clockwise seen from
above, which is the person turning to their own right: at +90° they face image-left (their
right shoulder has moved away from the camera), at ±180° they show their back. The cumulative
``rotation`` keeps counting past ±180° (a full clockwise turn takes it from 0 to 360).

No single frame says for sure which way a body faces: a width seen in the picture is the same
facing the camera or showing the back, depth from one camera can be mirrored, the model's
left/right labels swap in back views, and heads turn while bodies don't. So the tracker is a
small hidden Markov model over (yaw, angular speed): 72 yaw cells of 5° times 13 speeds from
-540 to +540 °/s. A body keeps turning the way it turns (speeds change a step at a time), and
every analysed frame weighs each yaw by its cues (``cues.CueLikelihood``, read against what
``appearance.Appearance`` has learned about this person), and each step since the frame
before by the torso flow (``cues.flow_loglik``: which way the picture moved across the torso,
less the body's own shift across the picture), which tells a turn going on from a turn back
where the poses look alike. Two passes run side by side on every frame:

- Viterbi (max-product), with back-pointers over the last ``window_s`` seconds: the single
  most likely *path* of yaw given everything seen so far. It may revise the past (a face seen
  now settles whether the body was showing its front or its back a second ago). The path's
  steps are the turns it took, so its cumulative rotation needs no unwrapping guesswork.
- the forward filter (sum-product): how sure the model is, per frame, of the yaw the path
  gives (``confidence``: the probability mass within ±30° of it).

Frames older than the window are frozen as they were last seen. ``path`` returns the samples
of the current best path (frozen ones first); ``update`` returns the newest.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from kiosk.analysis.appearance import Appearance, AppearanceSettings, SideViews
from kiosk.analysis.cues import CueLikelihood, CueModel, Cues, flow_loglik

BIN_DEG = 5.0
BINS = 72
SPEEDS = np.array([-540, -360, -240, -150, -90, -45, 0, 45, 90, 150, 240, 360, 540], dtype=np.float64)
_STILL = int(np.flatnonzero(SPEEDS == 0)[0])


@dataclass(frozen=True)
class YawSample:
    """The tracked yaw at time ``t``."""

    t: float
    rotation_deg: float  # cumulative, clockwise positive
    yaw_deg: float  # rotation wrapped to -180..180
    confidence: float = 1.0  # 0..1: the tracker's probability that the yaw is within ±30° of this


@dataclass(frozen=True)
class YawSettings:
    """The motion prior and the tracker's memory."""

    window_s: float = 30.0  # how far back the best path may still be revised
    max_gap_s: float = 2.0  # a longer gap without a body starts afresh
    speed_change_per_s: float = 10.0  # rate of stepping to a neighbouring speed (a spin starts within 0.2 s)
    jitter_deg: float = 6.0  # frame-to-frame wobble of a still body's yaw
    drift_deg_per_s: float = 40.0  # random-walk spread of the yaw per √second
    front_prior: float = 0.6  # concentration of the first frame's yaw around facing the camera
    sure_front_deg: float = 15.0  # a frame the path puts this close to facing the camera
    sure_front: float = 0.75  # with this confidence teaches the appearance what the front looks like
    shift_s: float = 0.5  # the body's own motion across the picture is measured over this long
    cues: CueModel = field(default_factory=CueModel)
    appearance: AppearanceSettings = field(default_factory=AppearanceSettings)


class YawTracker:
    """Fuses per-frame cues into the most likely yaw path (see the module docstring)."""

    def __init__(self, settings: YawSettings | None = None, keep: bool = True) -> None:
        self.settings = settings or YawSettings()
        self.keep = keep  # keep frozen samples (offline reports); live keeps only the window
        self._lik = CueLikelihood(BINS, self.settings.cues)
        self._steps: dict[int, _Step] = {}
        self.frozen: list[YawSample] = []
        self._reset_state()

    def _reset_state(self) -> None:
        self._t: float | None = None
        self._delta: np.ndarray | None = None  # Viterbi log scores (BINS, speeds)
        self._alpha: np.ndarray | None = None  # forward probabilities (BINS, speeds)
        self._frames: deque[_Frame] = deque()
        self.appearance = Appearance(self.settings.appearance)
        self._anchor: tuple[float, float] | None = None  # (yaw, rotation) of the last frozen sample
        self._path: list[YawSample] | None = None
        self._states: list[tuple[int, int, int]] = []  # the last best path's (cell, speed, jump) per frame
        self._samples: list[YawSample] = []  # and its samples
        self._centres: deque[tuple[float, float, float]] = deque()  # (t, ``Cues.centre``) over the last ``shift_s``

    def reset(self) -> None:
        """Forget the person (they left): the next frame starts a new track."""
        if self.keep:
            self.frozen.extend(self.window())
        self._reset_state()

    @property
    def t(self) -> float | None:
        return self._t

    def update(self, t: float, cues: Cues | None) -> YawSample | None:
        """Take one analysed frame's cues; returns the newest sample of the best path."""
        if cues is None:
            return None
        if self._t is not None and (t - self._t > self.settings.max_gap_s or t <= self._t):
            self.reset()
        reading = self.appearance.read(cues)
        if cues.centre is not None:
            self._centres.append((t, *cues.centre))
        while self._centres and self._centres[0][0] < t - self.settings.shift_s:
            self._centres.popleft()
        loglik = self._lik.loglik(reading.cues, reading.width_ref, reading.hip_ref, face_proven=reading.face_proven,
                                  head_unlike=reading.head_unlike, head_sigma=reading.head_sigma)
        loglik = loglik - loglik.max()
        if self._delta is None:
            prior = self.settings.front_prior * np.cos(np.radians(np.arange(BINS) * BIN_DEG))
            speed = np.full(len(SPEEDS), math.log(0.4 / (len(SPEEDS) - 1)))
            speed[_STILL] = math.log(0.6)
            self._delta = prior[:, None] + speed[None, :] + loglik[:, None]
            alpha = np.exp(self._delta - self._delta.max())
            self._alpha = alpha / alpha.sum()
            frame = _frame(t, None, None, self._alpha.sum(axis=1))
        else:
            step = self._step(t - self._t)
            frame = self._advance(step, loglik, t, self._flow_loglik(cues, step))
        self._frames.append(frame)
        self._t = t
        self._path = None
        self._freeze_old(t)
        newest = self.window()[-1]
        if abs(newest.yaw_deg) <= self.settings.sure_front_deg and newest.confidence >= self.settings.sure_front:
            self.appearance.facing_front(cues)
        return newest

    # -- the two passes -----------------------------------------------------------------------

    def _flow_loglik(self, cues: Cues, step: "_Step") -> np.ndarray | None:
        """The torso flow's log-likelihood of each step of the motion model (``_Step.offsets``).

        The picture also moves across the torso when the whole body moves (a step aside, a
        sway): that part, how fast the torso's centre crossed the picture over the last
        ``shift_s`` (long enough that the joints' wobble in a fast spin averages out), is
        taken off (``flow_loglik``; a plain surface shows neither)."""
        if cues.flow is None:
            return None
        shift = body_shift(self._centres, self.settings.shift_s / 2) or 0.0
        loglik = flow_loglik(cues.flow, step.offsets * BIN_DEG / step.dt, self.settings.cues, shift)
        return loglik - loglik.max()

    def _advance(self, step: "_Step", loglik: np.ndarray, t: float, moved: np.ndarray | None = None) -> "_Frame":
        """One frame of both passes; ``moved``: a log-likelihood per step (``_Step.offsets``)."""
        n, v = BINS, len(SPEEDS)
        logw, weights = step.logw, step.weights
        if moved is not None:
            logw, weights = logw + moved, weights * np.exp(moved)
        # Viterbi: best previous speed for each (yaw, new speed), then best yaw offset.
        scores = self._delta[:, :, None] + step.logtrans[None, :, :]  # (yaw, old speed, new speed)
        best_v = scores.argmax(axis=1)  # (yaw, new speed)
        m = scores.max(axis=1)
        cand = m.ravel()[step.source] + logw[None, :, :]  # (yaw, new speed, offset)
        best_j = cand.argmax(axis=2)
        delta = cand.max(axis=2) + loglik[:, None]
        jump = step.offsets[np.arange(v)[None, :], best_j]
        prev_yaw = (np.arange(n)[:, None] - jump) % n
        prev_speed = best_v[prev_yaw, np.arange(v)[None, :]]
        self._delta = delta - delta.max()
        # Forward filter: the same steps, summed.
        mixed = self._alpha @ step.trans
        alpha = (mixed.ravel()[step.source] * weights[None, :, :]).sum(axis=2)
        alpha *= np.exp(loglik)[:, None]
        total = alpha.sum()
        self._alpha = alpha / total if total > 0 else np.full_like(alpha, 1.0 / alpha.size)
        return _frame(t, jump.astype(np.int16), prev_speed.astype(np.int8), self._alpha.sum(axis=1))

    def _step(self, dt: float) -> "_Step":
        """The motion model for a gap of ``dt`` (cached per hundredth of a second)."""
        key = max(int(round(dt * 100)), 1)
        if key in self._steps:
            return self._steps[key]
        s = self.settings
        dt = key / 100
        p = 1.0 - math.exp(-s.speed_change_per_s * dt)
        v = len(SPEEDS)
        trans = np.zeros((v, v))
        for i in range(v):
            share = {0: 1.0 - p, 1: 0.75 * p / 2, 2: 0.25 * p / 2}
            for d, w in share.items():
                for j in {i - d, i + d}:
                    trans[i, min(max(j, 0), v - 1)] += w
        trans /= trans.sum(axis=1, keepdims=True)
        sigma = math.sqrt(s.jitter_deg**2 + s.drift_deg_per_s**2 * dt) / BIN_DEG
        limit = BINS // 2 - 1  # a step is less than half a turn, so the path's rotation is exact
        bound = max(limit - 3 * sigma, 0.0)
        centres = np.clip(SPEEDS * dt / BIN_DEG, -bound, bound)
        half = int(math.ceil(3 * sigma)) + 1
        offsets = np.round(centres)[:, None].astype(int) + np.arange(-half, half + 1)[None, :]
        offsets = np.clip(offsets, -limit, limit)
        logw = -0.5 * ((offsets - centres[:, None]) / sigma) ** 2
        logw[np.diff(offsets, axis=1, prepend=-10**6) == 0] = -np.inf  # clipped duplicates
        weights = np.exp(logw)
        weights /= weights.sum(axis=1, keepdims=True)
        # Where each (yaw, new speed, offset) comes from, as an index into a flat (yaw, speed) array.
        source = ((np.arange(BINS)[:, None, None] - offsets[None, :, :]) % BINS) * v + np.arange(v)[None, :, None]
        step = _Step(dt, offsets, np.log(np.maximum(weights, 1e-300)), weights, trans,
                     np.log(np.maximum(trans, 1e-300)), source)
        self._steps[key] = step
        return step

    def side_views(self, since: float, until: float = math.inf) -> SideViews:
        """The side views the widths showed from ``since`` to ``until`` (``appearance.SideViews``)."""
        return self.appearance.side_views(since, until)

    def back_probability(self, within_deg: float = 60.0) -> float:
        """The filter's probability, now, that the body is within ``within_deg`` of showing its back."""
        if not self._frames:
            return 0.0
        marginal = self._frames[-1].marginal
        off = np.abs(np.arange(BINS) * BIN_DEG - 180.0)
        return float(marginal[off <= within_deg].sum() / max(marginal.sum(), 1e-12))

    # -- the path -----------------------------------------------------------------------------

    def path(self) -> list[YawSample]:
        """The samples of the most likely path: frozen ones, then the window's."""
        if self._path is None:
            self._path = self._backtrack()
        return self.frozen + self._path if self.keep else self._path

    def window(self) -> list[YawSample]:
        """Only the samples that may still be revised (the last ``window_s``), oldest first."""
        if self._path is None:
            self._path = self._backtrack()
        return self._path

    def _backtrack(self) -> list[YawSample]:
        """The best path, from the newest frame back until it meets the previous best path.

        Paths that end differently usually agree a few frames back (they coalesce), so the
        walk stops there and the older part of the previous path is kept as it was.
        """
        if not self._frames:
            return []
        yaw, speed = np.unravel_index(int(self._delta.argmax()), self._delta.shape)
        yaw, speed = int(yaw), int(speed)
        old = self._states
        states: list[tuple[int, int, int]] = []  # (cell, speed, cells moved since the previous frame)
        i = len(self._frames) - 1
        while i >= 0:
            if i < len(old) and old[i][0] == yaw and old[i][1] == speed:
                break
            frame = self._frames[i]
            if frame.jump is None:
                states.append((yaw, speed, 0))
                i -= 1
                break
            jump = int(frame.jump[yaw, speed])
            states.append((yaw, speed, jump))
            yaw, speed = (yaw - jump) % BINS, int(frame.prev_speed[yaw, speed])
            i -= 1
        keep = i + 1  # frames 0..i are unchanged
        states.reverse()
        self._states = old[:keep] + states
        samples = self._samples[:keep]
        if keep > 0:
            rotation = samples[-1].rotation_deg
        elif self._anchor is None:
            rotation = _wrap(states[0][0] * BIN_DEG)
        else:
            rotation = self._anchor[1] + _wrap(states[0][0] * BIN_DEG - self._anchor[0])
        for n, (cell, _, jump) in enumerate(states):
            frame = self._frames[keep + n]
            if keep + n > 0:
                rotation += jump * BIN_DEG
            samples.append(YawSample(frame.t, rotation, _wrap(rotation), float(frame.confidence[cell])))
        self._samples = samples
        return list(samples)

    def _freeze_old(self, t: float) -> None:
        if self._frames[0].t >= t - self.settings.window_s:
            return
        path = self.window()
        while len(self._frames) > 1 and self._frames[0].t < t - self.settings.window_s:
            self._frames.popleft()
            self._states.pop(0)
            self._samples.pop(0)
            sample = path.pop(0)
            self._anchor = (sample.yaw_deg, sample.rotation_deg)
            if self.keep:
                self.frozen.append(sample)
        first = self._frames[0]
        self._frames[0] = _Frame(first.t, None, None, first.marginal, first.confidence)


@dataclass(frozen=True)
class _Step:
    """The motion model between two frames a given time apart."""

    dt: float  # that time, to the hundredth of a second the model was made for
    offsets: np.ndarray  # (speed, k): yaw cells moved
    logw: np.ndarray  # (speed, k): their log weights
    weights: np.ndarray
    trans: np.ndarray  # (old speed, new speed)
    logtrans: np.ndarray
    source: np.ndarray  # (yaw, speed, k): flat index of the (yaw, speed) each move comes from


@dataclass
class _Frame:
    t: float
    jump: np.ndarray | None  # (yaw, speed) -> cells moved since the previous frame on the best path
    prev_speed: np.ndarray | None  # (yaw, speed) -> speed index at the previous frame
    marginal: np.ndarray  # forward probability of each yaw cell
    confidence: np.ndarray  # per cell: the probability of being within ±30° of it


def _frame(t: float, jump, prev_speed, marginal: np.ndarray) -> _Frame:
    near = int(round(30.0 / BIN_DEG))
    m = marginal / max(float(marginal.sum()), 1e-12)
    window = np.convolve(np.concatenate([m[-near:], m, m[:near]]), np.ones(2 * near + 1), "valid")
    return _Frame(t, jump, prev_speed, m, np.round(np.clip(window, 0.0, 1.0), 3))


def body_shift(centres, min_span_s: float) -> float | None:
    """How fast the body moved across the picture, in torso lengths a second (+ image-right),
    from ``(t, centre x, torso length)`` samples (``Cues.centre``), first to last; None when
    they span less than ``min_span_s`` (too short for the joints' wobble to average out)."""
    if len(centres) < 2 or centres[-1][0] - centres[0][0] < min_span_s:
        return None
    torso = float(np.mean([c[2] for c in centres]))
    return (centres[-1][1] - centres[0][1]) / torso / (centres[-1][0] - centres[0][0])


def samples_from_rows(rows: list) -> list[YawSample]:
    """A stored look's ``yaw`` rows as samples: ``[t, yaw, rotation, confidence]``, or the old three."""
    out = []
    for row in rows:
        t, yaw, rotation = float(row[0]), float(row[1]), float(row[2])
        confidence = float(row[3]) if len(row) > 3 and row[3] is not None else 1.0
        out.append(YawSample(t, rotation, yaw, confidence))
    return out


def _wrap(deg: float) -> float:
    """An angle in degrees folded into -180..180."""
    return (deg + 180.0) % 360.0 - 180.0
