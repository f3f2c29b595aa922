"""What the analysis has learned about how this person looks, so each frame's cues read right.

Three things differ from person to person and camera to camera, and are learned while the
person stands there (``Appearance`` is forgotten with the yaw track when they leave):

- **How wide they look square on.** The model's 3D shoulder (or hip) length over its 3D
  torso length is about the image ratio when facing the camera, but not exactly: per person
  and camera the picture shows 0.65–1.05 of it (perspective, clothes; hips more than
  shoulders). So the 3D ratio (median of the last 10 s) is scaled by how wide the picture has
  shown this person against it (the 95th percentile of the last 20 s, kept within 0.7–1.1):
  anyone who has faced the camera or shown their back sets it.
- **Whether their face can be found.** A visor, a mask or a hood hides it for good; until the
  face check has found this face a few times, not finding it says little.
- **Whether the face has been missing for long.** A face not found is news at first; once it
  has been missing for ``missing_counts_s`` (hair over it, a look down, a hand), more misses
  are the same fact again and count no more.

- **What their head looks like from the front.** The colours of the head (``Pose.head``) on
  the frames the tracker is sure the body faces the camera (people step up to a mirror facing
  it): a face, a visor. Seen from elsewhere most heads look different (hair, the back of a
  hood or a helmet), which tells a back or a rear three-quarter view from a front where the
  pose model's depth and labels cannot. ``head_unlike`` is how far this frame's head is from
  that front (0 the same; 1 - Bhattacharyya coefficient), with the spread among the front
  views themselves.

It also remembers, per frame, how narrow the body looked, which way the nose pointed (or,
without a nose to go by, which side the model's labels gave where they said side-on) and the
person's outline over the torso, so a turn can be checked for its two side views, one to each
side (``side_views``). The outline tells where the nose and the labels cannot (a visor, a hood):
a profile's outline flipped left to right is the other profile's, so the last side view's
outline matching the first's as it is, far better than flipped, says the body came back to the
side it showed first (the same pose seen again). The other way round it says little (a
profile's outline is nearly its own mirror image at this size), so it only ever says "came
back" (docs/ANALYSIS.md).
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from kiosk.analysis.cues import Cues, labelled_side


@dataclass(frozen=True)
class AppearanceSettings:
    faces_to_trust: int = 3  # after this many faces found, not finding one says "not facing"
    missing_counts_s: float = 2.0  # a face missing is evidence for this long, then it is old news
    narrow: float = 0.6  # a width under this share of the square-on width is a side view
    nose_side: float = 0.1  # a side view's nose this far across the torso (torso lengths) says which side it shows
    split_s: float = 0.25  # narrow frames this close together are one side view (a wide blip between them is noise)
    wide: float = 0.8  # and a side view ends only where a frame was this wide (it faced the camera or showed its back)
    outline_same: float = 0.2  # the last side view's outline this much nearer the first's than flipped: the same side
    memory_s: float = 30.0  # how long the narrow/wide record is kept
    front_heads: int = 45  # the head's front colours: the last this many sure front views
    front_heads_to_trust: int = 3  # and at least this many before they are compared
    head_sigma_floor: float = 0.02  # the least spread of a head's look among its front views
    head_new_look: float = 3.0  # a sure front view whose head is this many spreads off is not learned
    head_stale_s: float = 2.0  # unless they have all looked so for this long: then the front is learned anew


class SideViews(NamedTuple):
    """The side views seen since some time: separate runs of narrow widths."""

    runs: int
    measured: float  # the share of frames whose width could be measured at all
    first: int = 0  # which way the first run faced (nose, else labels): -1 image-left, +1 image-right, 0 unknown
    last: int = 0  # and the last run's
    side_on: bool = False  # the newest measured width is narrow: the body is side-on now
    outline_same: bool = False  # the first and the last run's outlines say they showed the same side

    @property
    def came_back(self) -> bool:
        """The last side view faced the same way as the first: the body went out to a side and
        came back the way it went (from the front round to the front, a full turn shows one side
        on the way out and the other on the way back), whatever the path made of it."""
        return self.runs >= 2 and ((self.first != 0 and self.first == self.last) or self.outline_same)


@dataclass(frozen=True)
class Reading:
    """One frame's cues as the yaw tracker should weigh them."""

    cues: Cues  # with a long-missing face taken out
    width_ref: float | None  # square-on shoulder width, image torso lengths
    hip_ref: float | None
    face_proven: bool  # this person's face has been found before
    head_unlike: float | None = None  # how unlike its front the head looks (None: not known yet)
    head_sigma: float = 0.03  # the spread of that among the front views


class Appearance:
    """The per-person references behind the cues (see the module docstring)."""

    def __init__(self, settings: AppearanceSettings | None = None) -> None:
        self.settings = settings or AppearanceSettings()
        self._shoulders = _Width()
        self._hips = _Width()
        self._faces = 0  # face checks that found this person's face
        self._missing_since: float | None = None  # the first of the face checks in a row that did not
        # (t, width over square-on, nose, labels' side, outline)
        self._sides: deque[tuple[float, float | None, float | None, int, np.ndarray | None]] = deque()
        self._front_heads: deque[np.ndarray] = deque(maxlen=self.settings.front_heads)
        self._front: tuple[np.ndarray, float] | None = None  # (mean colours, spread), once trusted
        self._stale_since: float | None = None  # since when sure front views look unlike the front

    def read(self, cues: Cues) -> Reading:
        """Take one frame's cues into account and say how to weigh them."""
        s, t = self.settings, cues.t
        if cues.face is not None:
            if cues.face >= 0.5:
                self._faces, self._missing_since = self._faces + 1, None
            else:
                if self._missing_since is None:
                    self._missing_since = t
                if t - self._missing_since > s.missing_counts_s:
                    cues = dataclasses.replace(cues, face=None)
        width_ref = self._shoulders.reference(t, cues.width_ref, cues.width)
        hip_ref = self._hips.reference(t, cues.hip_ref, cues.hip_width)
        self._sides.append((t, None if cues.width is None or not width_ref else cues.width / width_ref, cues.nose,
                            -labelled_side(cues.labelled_deg), cues.outline))  # image-left is -1, as for the nose
        while self._sides and t - self._sides[0][0] > s.memory_s:
            self._sides.popleft()
        unlike = None
        if cues.head is not None and self._front is not None:
            unlike = _unlike(cues.head, self._front[0])
        spread = self._front[1] if self._front is not None else s.head_sigma_floor
        return Reading(cues, width_ref, hip_ref, self._faces >= s.faces_to_trust, unlike, spread)

    def facing_front(self, cues: Cues) -> None:
        """The tracker is sure the body faced the camera on this frame: learn how the head looks."""
        s = self.settings
        if cues.head is None:
            return
        if self._front is not None and _unlike(cues.head, self._front[0]) > s.head_new_look * self._front[1]:
            # The tracker may be wrong here: a front is learned only from heads that look like it.
            # But sure front views that all look otherwise for a while are the light changing
            # (or a hat put on): the front learned before is stale, and learned anew.
            if self._stale_since is None:
                self._stale_since = cues.t
            if cues.t - self._stale_since < s.head_stale_s:
                return
            self._front_heads.clear()
            self._front = None
        self._stale_since = None
        self._front_heads.append(np.asarray(cues.head, dtype=np.float64))
        if len(self._front_heads) < s.front_heads_to_trust:
            return
        mean = np.mean(self._front_heads, axis=0)
        spread = float(np.sqrt(np.mean([_unlike(h, mean) ** 2 for h in self._front_heads])))
        self._front = (mean, max(spread, s.head_sigma_floor))

    def side_views(self, since: float, until: float = math.inf) -> SideViews:
        """Separate side views seen from ``since`` to ``until`` (runs of narrow widths; narrow
        frames under ``split_s`` apart, or with no frame as wide as ``wide`` between them, are one
        run: the body did not face the camera or show its back in between), the share of frames
        whose width could be measured at all, which way the first and the last run faced (the
        median nose offset of its frames: side-on, the head shows which way the body faces; when
        that is under ``nose_side``, the side most of its frames' labels gave where they said
        side-on), whether the first and the last run's outlines say the same side, and whether the
        newest measured width is narrow."""
        s = self.settings
        measured, total = 0, 0
        found: list[tuple[list[float], list[int], list[np.ndarray]]] = []  # per run: noses, labels' sides, outlines
        open_run, last_narrow, left = False, -math.inf, False

        def side(run: list[float], labels: list[int]) -> int:
            nose = float(np.median(run)) if run else 0.0
            if abs(nose) >= s.nose_side:
                return 1 if nose > 0 else -1
            return int(np.sign(sum(labels)))

        for t, ratio, nose, labels, outline in self._sides:
            if t < since:
                continue
            if t > until:
                break
            total += 1
            if ratio is None:
                continue
            measured += 1
            if ratio < s.narrow:
                if not open_run and (not found or (t - last_narrow > s.split_s and left)):
                    found.append(([], [], []))  # a new side view (a wide blip within one is no new one)
                open_run, last_narrow, left = True, t, False
                if nose is not None:
                    found[-1][0].append(nose)
                if labels:
                    found[-1][1].append(labels)
                if outline is not None:
                    found[-1][2].append(outline)
            else:
                open_run, left = False, left or ratio >= s.wide
        sides = [side(noses, labelled) for noses, labelled, _ in found]
        same = len(found) >= 2 and outline_match(found[0][2], found[-1][2]) >= s.outline_same
        return SideViews(len(found), measured / total if total else 0.0,
                         first=sides[0] if sides else 0, last=sides[-1] if sides else 0,
                         side_on=open_run, outline_same=same)


def outline_match(first: list[np.ndarray], last: list[np.ndarray]) -> float:
    """How much nearer the mean of the ``last`` outlines is to the mean of the ``first`` as it is
    than flipped left to right: (flipped distance - direct distance) / their sum, from -1 (the
    mirror image: the other side) to +1 (the same picture: the same side); 0 without outlines."""
    if not first or not last:
        return 0.0
    a = np.mean(np.asarray(first, dtype=np.float32), axis=0)
    b = np.mean(np.asarray(last, dtype=np.float32), axis=0)
    direct = float(np.sqrt(np.mean((a - b) ** 2)))
    flipped = float(np.sqrt(np.mean((a - b[:, ::-1]) ** 2)))
    return (flipped - direct) / (flipped + direct) if flipped + direct > 0 else 0.0


def _unlike(a: np.ndarray, b: np.ndarray) -> float:
    """1 - the Bhattacharyya coefficient of two colour shares: 0 alike, 1 nothing in common."""
    return float(min(max(1.0 - np.sum(np.sqrt(np.clip(a, 0, None) * np.clip(b, 0, None))), 0.0), 1.0))


@dataclass
class _Width:
    """Recent 3D width ratios and image widths of one line (shoulders or hips)."""

    ratios: deque = field(default_factory=deque)  # (t, 3D length over 3D torso)
    seen: deque = field(default_factory=deque)  # (t, image width over that)

    def reference(self, t: float, ratio3d: float | None, width: float | None) -> float | None:
        if ratio3d is not None and 0.2 < ratio3d < 1.5:
            self.ratios.append((t, ratio3d))
        while self.ratios and t - self.ratios[0][0] > 10.0:
            self.ratios.popleft()
        if not self.ratios:
            return None
        base = float(np.median([v for _, v in self.ratios]))
        if width is not None:
            self.seen.append((t, width / base))
        while self.seen and t - self.seen[0][0] > 20.0:
            self.seen.popleft()
        if len(self.seen) < 5:
            return base
        return base * float(np.clip(np.percentile([v for _, v in self.seen], 95), 0.7, 1.1))
