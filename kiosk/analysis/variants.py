"""Variations of a labelled clip (mirrored, reversed, faster, letterboxed…) and their labels.

The analysis must hold up on footage it was not tuned on; these variations are cheap ways to
get more of it from the labelled clips. Each one changes the frames and, where the truth
changes with them, the labels: a mirrored scene turns the other way, a time-reversed one too,
a slower one takes longer. Used by ``kiosk eval footage --variants`` and by the tests.
"""

from __future__ import annotations

from kiosk import native

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

Frames = Iterable[tuple[float, np.ndarray]]

# Frames kept in memory for time reversal are downsized to this longest side (memory bound).
_REVERSE_MAX_SIDE = 640


@dataclass(frozen=True)
class Variant:
    """A named change to a clip's frames, with the matching change to its labels."""

    name: str
    frames: Callable[[Frames, float], Iterator[tuple[float, np.ndarray]]]
    labels: Callable[[dict], dict]
    max_fps: float | None = None  # analyse at this rate instead of the default
    rotation: int = 0  # the [display] rotation that makes these frames upright again


def _same(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    yield from frames


def _mirror(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    for t, pixels in frames:
        yield t, np.ascontiguousarray(pixels[:, ::-1])


def _reverse(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    cv2 = native.cv2()

    kept = []
    for t, pixels in frames:
        h, w = pixels.shape[:2]
        scale = _REVERSE_MAX_SIDE / max(h, w)
        if scale < 1:
            pixels = cv2.resize(pixels, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        kept.append((t, pixels))
    if not kept:
        return
    last = kept[-1][0]
    for t, pixels in reversed(kept):
        yield last - t, pixels


def _speed(factor: float) -> Callable[[Frames, float], Iterator[tuple[float, np.ndarray]]]:
    def change(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
        for t, pixels in frames:
            yield t / factor, pixels

    return change


def _letterbox(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """Fit the picture into a black 1280×720 landscape frame (a portrait clip gets side bars)."""
    cv2 = native.cv2()

    for t, pixels in frames:
        h, w = pixels.shape[:2]
        scale = min(1280 / w, 720 / h)
        small = cv2.resize(pixels, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((720, 1280, 3), np.uint8)
        y0, x0 = (720 - small.shape[0]) // 2, (1280 - small.shape[1]) // 2
        canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
        yield t, canvas


def _sideways(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """A camera mounted on its side behind a portrait screen: the picture turned 90° anticlockwise."""
    for t, pixels in frames:
        yield t, np.ascontiguousarray(np.rot90(pixels, 1))


def _dim(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """A dim fitting room with a noisy sensor: a third of the light and grain."""
    rng = np.random.default_rng(7)
    for t, pixels in frames:
        noise = rng.normal(0.0, 6.0, pixels.shape)
        yield t, np.clip(pixels.astype(np.float32) / 3.0 + noise, 0, 255).astype(np.uint8)


def _dropouts(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """Every second, 0.2 s of black frames: the camera hiccups or something passes in front."""
    for t, pixels in frames:
        yield t, (np.zeros_like(pixels) if (t % 1.0) >= 0.8 else pixels)


def _times(labels: dict, change: Callable[[float], float], reverse: bool = False) -> dict:
    out = dict(labels)
    out["duration_s"] = change(labels["duration_s"]) if not reverse else labels["duration_s"]
    out["person_intervals"] = [sorted((change(a), change(b))) for a, b in labels.get("person_intervals", [])]
    turn = labels.get("turn")
    if turn:
        turn = dict(turn)
        start, end, back = turn["start_s"], turn.get("end_s"), turn.get("back_s")
        if reverse:
            # The turn now starts where it ended (facing front) and ends where it started.
            turn["start_s"] = change(end) if end is not None else None
            turn["end_s"] = change(start)
            interval = turn.get("back_interval_s") or [back, back]
            turn["back_s"] = change(interval[1]) if back is not None else None
            turn["direction_from_above"] = _flip(turn["direction_from_above"])
        else:
            turn["start_s"] = change(start)
            turn["end_s"] = change(end) if end is not None else None
            turn["back_s"] = change(back) if back is not None else None
        out["turn"] = turn
    return out


def _flip(direction: str) -> str:
    return {"clockwise": "counterclockwise", "counterclockwise": "clockwise", "cw": "ccw", "ccw": "cw"}.get(
        direction, direction
    )


def _mirror_labels(labels: dict) -> dict:
    out = dict(labels)
    if labels.get("turn"):
        turn = dict(labels["turn"])
        turn["direction_from_above"] = _flip(turn["direction_from_above"])
        out["turn"] = turn
    return out


def _reverse_labels(labels: dict) -> dict:
    duration = labels["duration_s"]
    return _times(labels, lambda t: duration - t, reverse=True)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("original", _same, dict),
        Variant("mirrored", _mirror, _mirror_labels),
        Variant("reversed", _reverse, _reverse_labels),
        Variant("slow0.5x", _speed(0.5), lambda lab: _times(lab, lambda t: t / 0.5)),
        Variant("fast2x", _speed(2.0), lambda lab: _times(lab, lambda t: t / 2.0)),
        Variant("letterbox", _letterbox, dict),
        Variant("dim", _dim, dict),
        Variant("dropouts", _dropouts, dict),
        Variant("10fps", _same, dict, max_fps=10.0),
        Variant("sideways", _sideways, dict, rotation=90),
    )
}
