"""Variations of a labelled clip (mirrored, reversed, faster, letterboxed…) and their labels.

The analysis must hold up on footage it was not tuned on; these variations are cheap ways to
get more of it from the labelled clips. Each one changes the frames and, where the truth
changes with them, the labels: a mirrored scene turns the other way, a time-reversed one too,
a slower one takes longer. Used by ``kiosk eval footage --variants`` and by the tests.

Some imitate a fitting room rather than a studio: a camera mounted a little crooked and
looking down (``tilt``), a shopper seen from the knees up (``cropped``), a camera zooming in
on the upper body and out again (``zoom``, as studio fashion clips do), a second person walking
past behind the shopper (``passerby``), a long exposure that smears whatever moves
(``blur``), and the analysis rate the live mirror gets on a 2-core machine (``5fps``, and
``5fps-late`` taking the frames half an interval later).

Variations combine with ``+`` (``variant``): ``letterbox+5fps`` is the letterboxed clip at the
live rate, each change applied in the order named.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from kiosk import native

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


def _cropped(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """The bottom quarter of the picture cut off: a camera high behind the glass, or a shopper
    standing close, seen from about the knees up (no feet, so no toes-below-heels cue)."""
    for t, pixels in frames:
        yield t, np.ascontiguousarray(pixels[: round(pixels.shape[0] * 0.75)])


def _zoom(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """The picture zooms in on the upper body and out again over the clip, 1.5× at its middle:
    a studio camera closing in on a dress, or a shopper stepping towards the glass and back.
    The frame keeps its size; the feet leave the picture first, the head last."""
    cv2 = native.cv2()

    for t, pixels in frames:
        h, w = pixels.shape[:2]
        scale = 1.0 + 0.5 * math.sin(math.pi * min(max(t / duration, 0.0), 1.0)) if duration > 0 else 1.0
        x0, y0 = (w - w / scale) / 2, (h - h / scale) * 0.1  # the kept part's top left corner
        matrix = np.float32([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]])
        yield t, cv2.warpAffine(pixels, matrix, (w, h), flags=cv2.INTER_LINEAR)


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


def _late(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """The clip from 0.1 s in: at 5 analysed frames a second, every analysed frame falls half an
    interval from where ``5fps`` takes it (the live worker takes whichever frame is newest
    when it is free, so a quick hand or a fast turn may fall either side of one)."""
    first = None
    for t, pixels in frames:
        first = t if first is None else first
        if t >= first + 0.1 - 1e-6:
            yield t, pixels


def _tilt(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """A camera rolled 8° and pitched down: the picture turned and its top squeezed (keystone)."""
    cv2 = native.cv2()

    matrix = None
    for t, pixels in frames:
        h, w = pixels.shape[:2]
        if matrix is None:
            src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
            squeeze = 0.06 * w
            dst = np.float32([[squeeze, 0], [w - squeeze, 0], [w, h], [0, h]])
            keystone = np.vstack([cv2.getPerspectiveTransform(src, dst)])
            roll = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), 8.0, 1.0), [0, 0, 1]])
            matrix = roll @ keystone
        yield t, cv2.warpPerspective(pixels, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _blur(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """A long exposure: each frame averaged with the last 1/15 s of frames, then smeared sideways."""
    cv2 = native.cv2()

    recent: list[tuple[float, np.ndarray]] = []
    for t, pixels in frames:
        recent = [(u, p) for u, p in recent if t - u < 1 / 15 - 1e-6] + [(t, pixels.astype(np.float32))]
        exposed = sum(p for _, p in recent) / len(recent)
        length = max(3, round(pixels.shape[1] * 0.012) | 1)
        kernel = np.full((1, length), 1.0 / length, np.float32)
        yield t, np.clip(cv2.filter2D(exposed, -1, kernel), 0, 255).astype(np.uint8)


def _passerby(frames: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
    """A second, smaller person walks across behind the shopper in the middle 40% of the clip.

    The passer is the clip's own first frame's person (cut out with mediapipe's selfie
    segmentation, mirrored, at 60% of the height); the shopper's own outline, segmented on
    every frame, stays in front.
    """
    cv2 = native.cv2()
    mp = native.mediapipe()

    seg = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
    try:
        cutout = None
        for t, pixels in frames:
            h, w = pixels.shape[:2]
            mask = _person_mask(seg, cv2, pixels)
            if cutout is None:
                cutout = _cut_out(pixels, mask, h)
            progress = (t / duration - 0.3) / 0.4 if duration > 0 else -1
            if 0.0 <= progress <= 1.0 and cutout is not None:
                person, alpha = cutout
                ph, pw = person.shape[:2]
                x0 = round(-pw + progress * (w + pw))
                y0 = round(0.9 * h - ph)
                out = pixels.astype(np.float32)
                xs, xe = max(x0, 0), min(x0 + pw, w)
                ys, ye = max(y0, 0), min(y0 + ph, h)
                if xe > xs and ye > ys:
                    a = alpha[ys - y0 : ye - y0, xs - x0 : xe - x0] * (1.0 - mask[ys:ye, xs:xe])
                    region = out[ys:ye, xs:xe]
                    region[:] = region * (1 - a[..., None]) + person[ys - y0 : ye - y0, xs - x0 : xe - x0] * a[..., None]
                pixels = out.astype(np.uint8)
            yield t, pixels
    finally:
        seg.close()


def _person_mask(seg, cv2, pixels: np.ndarray) -> np.ndarray:
    result = seg.process(cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB))
    mask = result.segmentation_mask
    if mask is None:
        return np.zeros(pixels.shape[:2], np.float32)
    return np.clip((mask.astype(np.float32) - 0.3) / 0.4, 0.0, 1.0)


def _cut_out(pixels: np.ndarray, mask: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray] | None:
    cv2 = native.cv2()

    rows, cols = np.nonzero(mask > 0.5)
    if len(rows) < 100:
        return None
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    person = pixels[y0:y1, x0:x1, :].astype(np.float32)[:, ::-1]
    alpha = mask[y0:y1, x0:x1][:, ::-1]
    scale = 0.6 * height / (y1 - y0)
    size = (max(round((x1 - x0) * scale), 1), max(round((y1 - y0) * scale), 1))
    return cv2.resize(person, size, interpolation=cv2.INTER_AREA), cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)


def _times(labels: dict, change: Callable[[float], float], reverse: bool = False) -> dict:
    out = dict(labels)
    out["duration_s"] = change(labels["duration_s"]) if not reverse else labels["duration_s"]
    out["person_intervals"] = [sorted((change(a), change(b))) for a, b in labels.get("person_intervals", [])]
    turn = labels.get("turn")
    if turn:
        turn = dict(turn)
        start, end, back = turn["start_s"], turn.get("end_s"), turn.get("back_s")
        interval = turn.get("back_interval_s")
        if reverse:
            # The turn now starts where it ended (facing front) and ends where it started.
            turn["start_s"] = change(end) if end is not None else None
            turn["end_s"] = change(start)
            turn["back_s"] = change((interval or [back, back])[1]) if back is not None else None
            turn["direction_from_above"] = _flip(turn["direction_from_above"])
        else:
            turn["start_s"] = change(start)
            turn["end_s"] = change(end) if end is not None else None
            turn["back_s"] = change(back) if back is not None else None
        if interval:
            turn["back_interval_s"] = sorted(change(x) for x in interval)
        out["turn"] = turn
    gestures, lookalikes = [], [dict(g, start_s=min(change(g["start_s"]), change(g["end_s"])),
                                     end_s=max(change(g["start_s"]), change(g["end_s"])))
                                for g in labels.get("lookalikes", [])]
    for g in labels.get("gestures", []):
        moved = _gesture_times(g, change, reverse)
        if moved is None:
            lookalikes.append({"kind": "short_" + g["kind"], "start_s": min(change(g["start_s"]), change(g["end_s"])),
                               "end_s": max(change(g["start_s"]), change(g["end_s"]))})
        else:
            gestures.append(moved)
    if "gestures" in labels:
        out["gestures"] = gestures
    if "lookalikes" in labels:
        out["lookalikes"] = lookalikes
    for key in ("yaw_truth", "head_yaw_truth"):
        if key in labels:
            # The same frames at other times; played backwards, the body faces the same way in
            # each frame (only the order of the facings, and so the direction, reverses).
            out[key] = sorted([change(t), y] for t, y in labels[key])
    return out


#: A raised hand counts after this long above the head (``GestureSettings.hold_s``), in real time.
_HOLD_S = 1.0


def _gesture_times(g: dict, change: Callable[[float], float], reverse: bool) -> dict | None:
    """A labelled gesture on the changed clock; None when it no longer completes (held too briefly)."""
    out = dict(g)
    if g["kind"] == "raise_hand":
        raised, end = sorted((change(g.get("raised_s", g["t_s"] - _HOLD_S)), change(g["end_s"])))
        if end - raised < _HOLD_S:
            return None  # at double speed a 1.4 s hold lasts 0.7 s: it must not fire
        rise = abs(change(g.get("raised_s", g["start_s"])) - change(g["start_s"]))
        out.update(raised_s=raised, end_s=end, t_s=raised + _HOLD_S, start_s=raised - rise)
        return out
    start, t = change(g["start_s"]), change(g["t_s"])
    if reverse:
        # Played backwards, a stroke ends where it started and sweeps the other way.
        out.update(kind=_flip_swipe(g["kind"]), start_s=t, t_s=start, end_s=start)
    else:
        out.update(start_s=start, t_s=t, end_s=change(g["end_s"]))
    return out


def _flip_swipe(kind: str) -> str:
    return {"swipe_left": "swipe_right", "swipe_right": "swipe_left"}.get(kind, kind)


def _flip(direction: str) -> str:
    return {"clockwise": "counterclockwise", "counterclockwise": "clockwise", "counter-clockwise": "clockwise",
            "anticlockwise": "clockwise", "anti-clockwise": "clockwise", "cw": "ccw", "ccw": "cw"}.get(direction, direction)


def _mirror_labels(labels: dict) -> dict:
    out = dict(labels)
    if labels.get("turn"):
        turn = dict(labels["turn"])
        turn["direction_from_above"] = _flip(turn["direction_from_above"])
        out["turn"] = turn
    if "gestures" in labels:
        # The mirror image of a sweep to one's own left is a sweep to one's own right.
        out["gestures"] = [dict(g, kind=_flip_swipe(g["kind"])) for g in labels["gestures"]]
    for key in ("yaw_truth", "head_yaw_truth"):
        if key in labels:
            out[key] = [[t, -y] for t, y in labels[key]]  # a mirror turns clockwise into counter-clockwise
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
        Variant("cropped", _cropped, dict),
        Variant("zoom", _zoom, dict),
        Variant("dim", _dim, dict),
        Variant("dropouts", _dropouts, dict),
        Variant("10fps", _same, dict, max_fps=10.0),
        Variant("sideways", _sideways, dict, rotation=90),
        Variant("tilt", _tilt, dict),
        Variant("passerby", _passerby, dict),
        Variant("blur", _blur, dict),
        Variant("5fps", _same, dict, max_fps=5.0),
        Variant("5fps-late", _late, dict, max_fps=5.0),
    )
}


def variant(name: str) -> Variant:
    """The variation called ``name``: one of ``VARIANTS``, or several joined by ``+``, applied
    left to right (frames and labels alike) at the lowest analysis rate any of them sets.
    Raises ``ValueError`` for a name it does not know, or for two that each turn the picture."""
    parts = name.split("+")
    unknown = [p for p in parts if p not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant {', '.join(repr(p) for p in unknown)}; known: {', '.join(VARIANTS)}")
    if len(parts) == 1:
        return VARIANTS[name]
    chosen = [VARIANTS[p] for p in parts]
    if sum(1 for v in chosen if v.rotation) > 1:
        raise ValueError(f"variant {name!r} turns the picture twice")
    if len(set(parts)) < len(parts):
        raise ValueError(f"variant {name!r} names one variation twice")

    def frames(source: Frames, duration: float) -> Iterator[tuple[float, np.ndarray]]:
        for v in chosen:
            source = v.frames(source, duration)
            duration = v.labels({"duration_s": duration})["duration_s"]  # a speed change changes it
        yield from source

    def labels(entry: dict) -> dict:
        for v in chosen:
            entry = v.labels(entry)
        return entry

    rates = [v.max_fps for v in chosen if v.max_fps]
    return Variant(name, frames, labels, min(rates) if rates else None, sum(v.rotation for v in chosen))


def turn_cuts(turn: dict) -> dict[str, float]:
    """Where a labelled turn is at its first side view, its back and three-quarters round (s)."""
    return {"side": (turn["start_s"] + turn["back_s"]) / 2, "back": turn["back_s"],
            "three-quarter": (turn["back_s"] + turn["end_s"]) / 2}


def there_and_back(poses: list, at: float, hold_s: float) -> list:
    """A look at the back and straight back, from a turning clip's own analysed poses: the
    poses up to ``at``, held there for ``hold_s``, then the same poses in reverse order (out to
    that point of the turn and back the way the body went). No complete turn is in it."""
    out = [(t, p) for t, p in poses if t <= at]
    held = _held(out, hold_s)
    turn_back = (held or out)[-1][0]
    # Played backwards, the picture moves the other way across the torso.
    back = [(turn_back + out[-1][0] - t, _flow_times(p, -1.0)) for t, p in reversed(out[:-1])]
    return _retimed(out + held + back)


def paused(poses: list, at: float, hold_s: float) -> tuple[list, float, float]:
    """A pause in the middle of a turn, from a turning clip's own analysed poses: the first pose
    from ``at`` on held for ``hold_s``, then the rest of the clip as it was, that much later.
    Returns the poses, the time of the held pose and how much later the rest comes
    (``paused_labels`` moves the labels so). From ``at`` on: at a few frames a second the last
    pose before a side view can be 40° into the turn, and a pause there is a stand the turn
    starts from, by the labels' own rule."""
    first = next(i for i, (t, _) in enumerate(poses) if t >= at)
    before = poses[: first + 1]
    held = _held(before, hold_s)
    held_at, shift = before[-1][0], (held[-1][0] - before[-1][0] if held else 0.0)
    after = [(t + shift, p) for t, p in poses[first + 1 :]]
    return _retimed(before + held + after), held_at, shift


def paused_labels(labels: dict, held_at: float, shift: float) -> dict:
    """The labels of ``paused``: everything after its held pose comes ``shift`` later."""
    return _times(labels, lambda t: t if t <= held_at else t + shift)


def _held(poses: list, hold_s: float) -> list:
    """The last of ``poses`` again, at their frame rate, for ``hold_s`` after it (standing still:
    nothing moves across the torso)."""
    step = poses[-1][0] - poses[-2][0]
    still = _flow_times(poses[-1][1], 0.0)
    return [(poses[-1][0] + (i + 1) * step, still) for i in range(int(round(hold_s / step)))]


def _flow_times(pose, factor: float):
    """``pose`` with its torso flow (``Pose.flow``) times ``factor``."""
    if pose is None or pose.flow is None:
        return pose
    return dataclasses.replace(pose, flow=pose.flow * factor)


def _retimed(poses: list) -> list:
    """Each pose carries the time it is now shown at."""
    return [(t, None if p is None else dataclasses.replace(p, t=t)) for t, p in poses]
