"""A look's yaw track and turn, read from wherever they come from, cleaned and checked.

Stored tracks are ``[[t, yaw_deg, rotation_deg, confidence], ...]``: ``t`` seconds from the
video's first frame, ``yaw_deg`` -180..180 (0: chest to the camera, positive clockwise seen from
above), ``rotation_deg`` the same angle unwrapped (it keeps counting past ±180), ``confidence``
0..1. Tracks stored before the detector reported a confidence have three elements; they count as
fully confident. The live detector's samples (``kiosk.analysis.yaw.YawSample`` and whatever the
detector grows into) go through ``from_samples``, the one adapter that reads their attributes, so
changes there need no change here.

Cleaning: a stored value that is no list reads as no track, entries that are not finite numbers
(JSON ``true`` included) are dropped, the rest sorted by time (a repeated
time keeps its first entry), confidences clipped to 0..1, and when a rotation disagrees with its
yaw (a producer that only knows the wrapped yaw) the rotation is rebuilt by unwrapping the yaw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

#: A rotation may differ from its yaw by rounding, never by more than this (degrees).
_ROTATION_SLACK_DEG = 2.0


def wrap180(deg):
    """Angles folded into -180..180 (scalars or arrays)."""
    return (np.asarray(deg, dtype=float) + 180.0) % 360.0 - 180.0


def angle_gap(a, b):
    """The unsigned angle between two body yaws, 0..180 (scalars or arrays)."""
    return np.abs(wrap180(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))


@dataclass(frozen=True)
class YawTrack:
    """Cleaned samples as parallel arrays, sorted by time."""

    t: np.ndarray
    yaw: np.ndarray
    rotation: np.ndarray
    confidence: np.ndarray

    def __len__(self) -> int:
        return int(self.t.size)

    @classmethod
    def empty(cls) -> "YawTrack":
        z = np.zeros(0)
        return cls(z, z, z, z)

    @classmethod
    def from_entries(cls, entries: Iterable) -> "YawTrack":
        """From stored entries ``[t, yaw, rotation(, confidence)]``; malformed entries (or a stored value that is no list) are skipped."""
        if not isinstance(entries, (list, tuple)):
            return cls.empty()  # a damaged analysis (a number, a string, a dict where the list was) has no track
        rows = []
        for entry in entries:
            row = _row(entry)
            if row is not None:
                rows.append(row)
        if not rows:
            return cls.empty()
        rows.sort(key=lambda r: r[0])
        kept = [rows[0]]
        for row in rows[1:]:
            if row[0] > kept[-1][0]:
                kept.append(row)
        data = np.array(kept, dtype=float)
        t, yaw, rotation, confidence = data[:, 0], wrap180(data[:, 1]), data[:, 2], np.clip(data[:, 3], 0.0, 1.0)
        if np.any(angle_gap(rotation, yaw) > _ROTATION_SLACK_DEG) or np.any(np.abs(np.diff(rotation)) > 180.0):
            # not a rotation at all (a producer that only knows the wrapped yaw): unwrap the yaw
            rotation = _unwrap(yaw)
        return cls(t, yaw, rotation, confidence)

    @classmethod
    def from_samples(cls, samples: Iterable) -> "YawTrack":
        """From the detector's samples: objects with ``t``, ``yaw_deg``, ``rotation_deg`` and maybe ``confidence``."""
        entries = []
        for s in samples or ():
            confidence = getattr(s, "confidence", None)
            entries.append([s.t, s.yaw_deg, s.rotation_deg, 1.0 if confidence is None else confidence])
        return cls.from_entries(entries)

    def to_entries(self, digits: int = 3) -> list[list[float]]:
        """The stored form (four elements per sample)."""
        return [
            [round(float(t), digits), round(float(y), 2), round(float(r), 2), round(float(c), 3)]
            for t, y, r, c in zip(self.t, self.yaw, self.rotation, self.confidence)
        ]

    def confident(self, min_confidence: float) -> "YawTrack":
        """Only the samples at least this confident."""
        keep = self.confidence >= min_confidence
        return YawTrack(self.t[keep], self.yaw[keep], self.rotation[keep], self.confidence[keep])

    def yaw_at(self, times) -> np.ndarray:
        """The body yaw at ``times`` (linear in rotation between samples, held at the ends); NaN without samples."""
        times = np.asarray(times, dtype=float)
        if self.t.size == 0:
            return np.full(times.shape, np.nan)
        return wrap180(np.interp(times, self.t, self.rotation))


def _row(entry) -> tuple[float, float, float, float] | None:
    if not isinstance(entry, (list, tuple)) or len(entry) not in (3, 4):
        return None
    if any(isinstance(v, bool) for v in entry):  # JSON true/false are no measurements, though Python counts them
        return None
    try:
        values = [float(v) for v in entry]
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in values):
        return None
    if len(values) == 3:
        values.append(1.0)
    return values[0], values[1], values[2], values[3]


def _unwrap(yaw: np.ndarray) -> np.ndarray:
    """A continuous rotation from wrapped yaws: each step is the shorter way round."""
    steps = wrap180(np.diff(yaw))
    return np.concatenate(([yaw[0]], yaw[0] + np.cumsum(steps))) if yaw.size else yaw


@dataclass(frozen=True)
class TurnSummary:
    """The turn of a look as reported in ``kiosk compare --json`` and by the API."""

    start_s: float
    end_s: float
    rotation_deg: float
    direction: str  # "cw" | "ccw"
    complete: bool = True

    @property
    def sign(self) -> int:
        return 1 if self.direction == "cw" else -1

    def to_json(self) -> dict:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "rotation_deg": round(self.rotation_deg, 1),
            "direction": self.direction,
        }

    @classmethod
    def from_stored(cls, data: Mapping | None) -> "TurnSummary | None":
        """From a stored ``"turn"`` dict; None when it lacks a usable start, end or direction."""
        if not isinstance(data, Mapping):
            return None
        try:
            start, end = float(data["start_s"]), float(data["end_s"])
        except (KeyError, TypeError, ValueError):
            return None
        direction = data.get("direction")
        if direction not in ("cw", "ccw") or not (math.isfinite(start) and math.isfinite(end)) or end <= start:
            return None
        try:
            rotation = abs(float(data.get("rotation_deg") or 0.0))
        except (TypeError, ValueError):
            rotation = 0.0
        if not math.isfinite(rotation):  # "NaN" in a damaged row would reach JSON replies, which refuse it
            rotation = 0.0
        return cls(start, end, rotation, direction, bool(data.get("complete", True)))

    @classmethod
    def main_of(cls, turns: Iterable) -> "TurnSummary | None":
        """The main turn among the detector's: complete ones first, then the largest rotation."""
        best = None
        for turn in turns or ():
            summary = cls.from_stored(
                {
                    "start_s": turn.start_s,
                    "end_s": turn.end_s,
                    "rotation_deg": turn.rotation_deg,
                    "direction": turn.direction,
                    "complete": turn.complete,
                }
            )
            if summary is None:
                continue
            if best is None or (summary.complete, summary.rotation_deg) > (best.complete, best.rotation_deg):
                best = summary
        return best
