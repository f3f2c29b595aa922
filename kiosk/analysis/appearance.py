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

It also remembers, per frame, how narrow the body looked, so a turn can be checked for its
two side views (``side_views``).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from kiosk.analysis.cues import Cues


@dataclass(frozen=True)
class AppearanceSettings:
    faces_to_trust: int = 3  # after this many faces found, not finding one says "not facing"
    missing_counts_s: float = 2.0  # a face missing is evidence for this long, then it is old news
    narrow: float = 0.6  # a width under this share of the square-on width is a side view
    memory_s: float = 30.0  # how long the narrow/wide record is kept


@dataclass(frozen=True)
class Reading:
    """One frame's cues as the yaw tracker should weigh them."""

    cues: Cues  # with a long-missing face taken out
    width_ref: float | None  # square-on shoulder width, image torso lengths
    hip_ref: float | None
    face_proven: bool  # this person's face has been found before


class Appearance:
    """The per-person references behind the cues (see the module docstring)."""

    def __init__(self, settings: AppearanceSettings | None = None) -> None:
        self.settings = settings or AppearanceSettings()
        self._shoulders = _Width()
        self._hips = _Width()
        self._faces = 0  # face checks that found this person's face
        self._missing_since: float | None = None  # the first of the face checks in a row that did not
        self._sides: deque[tuple[float, float | None]] = deque()  # (t, width over square-on width)

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
        self._sides.append((t, None if cues.width is None or not width_ref else cues.width / width_ref))
        while self._sides and t - self._sides[0][0] > s.memory_s:
            self._sides.popleft()
        return Reading(cues, width_ref, hip_ref, self._faces >= s.faces_to_trust)

    def side_views(self, since: float) -> tuple[int, float]:
        """Separate side views seen since ``since`` (runs of narrow widths), and the share of
        frames whose width could be measured at all."""
        runs, narrow_before, measured, total = 0, False, 0, 0
        for t, ratio in self._sides:
            if t < since:
                continue
            total += 1
            if ratio is None:
                continue
            measured += 1
            narrow = ratio < self.settings.narrow
            runs += narrow and not narrow_before
            narrow_before = narrow
        return runs, (measured / total if total else 0.0)


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
