"""Decode a video once, keeping only the frames nearest to wanted times, downscaled (PyAV).

The one module of ``kiosk.compare`` that drives PyAV. Comparisons need a few hundred frames of
each look at known times, in no particular order (a look turning the other way plays
backwards), so seeking per frame would decode each group of pictures over and over. Instead
the file is decoded from the start, once: each wanted time takes the decoded frame nearest to
it, which is scaled straight to the pane size and pixel format by FFmpeg's scaler (only frames
that are kept are scaled), and decoding stops after the last wanted time. Memory is the kept
frames at pane size, nothing more.

Pictures come upright: the file's own display rotation (phones) and a further clockwise
``rotation`` (the mirror's ``[display] rotation`` for looks it recorded sideways) are applied.
A ``crop`` (x0, x1: fractions of the upright picture's width, a pane's span) keeps only that
part of each picture's width, unmirrored: whoever shows it mirrored mirrors the cropped picture.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.compare.errors import CompareError
from kiosk import native

_log = logging.getLogger(__name__)

FORMATS = ("yuv420p", "rgb24")


@dataclass(frozen=True)
class VideoShape:
    """An upright video's size, length and frame rate."""

    width: int
    height: int
    duration_s: float
    fps: float


def probe(path: str | Path, rotation: int = 0) -> VideoShape:
    """Size (upright, after ``rotation``), duration and frame rate of a video; raises ``CompareError``."""
    av = native.av()

    container = _open(path)
    try:
        stream = container.streams.video[0]
        first = next(iter(container.decode(stream)), None)
        if first is None:
            raise CompareError(f"{path} has no picture in it")
        turns = _turns(first, rotation)
        w, h = (first.width, first.height) if turns % 2 == 0 else (first.height, first.width)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / 1_000_000
        rate = stream.average_rate or stream.guessed_rate or 30
        return VideoShape(int(w), int(h), duration, float(rate))
    except av.error.FFmpegError as exc:
        raise CompareError(f"{path} cannot be decoded ({exc.strerror or exc})") from None
    finally:
        container.close()


def pick(
    path: str | Path,
    times: np.ndarray,
    size: tuple[int, int],
    rotation: int = 0,
    fmt: str = "yuv420p",
    stop: Callable[[], bool] | None = None,
    on_pick: Callable[[int, object], None] | None = None,
    crop: tuple[float, float] | None = None,
) -> list:
    """For each of ``times`` (seconds from the first frame), the nearest frame, upright at ``size`` (w, h)
    (its ``crop`` of the width, if given, scaled to that size).

    ``yuv420p`` pictures are (Y, U, V) planes, ``rgb24`` ones (h, w, 3) arrays. Times that land
    on the same frame share one picture. ``on_pick(i, picture)`` is called as each is found
    (a scrub proxy fills progressively); ``stop()`` returning True ends decoding early, leaving
    the rest None.
    """
    av = native.av()

    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}")
    width, height = size
    if width % 2 or height % 2 or width <= 0 or height <= 0:
        raise ValueError(f"the picture size must be even and positive, not {width}×{height}")
    times = np.asarray(times, dtype=float)
    order = np.argsort(times, kind="stable")
    out: list = [None] * len(times)
    if not len(times):
        return out
    container = _open(path)
    cache: dict[float, object] = {}

    def convert(t: float, frame) -> object:
        if t not in cache:
            if len(cache) >= 2:  # only the previous and the current frame can still be wanted
                cache.clear()
            cache[t] = _picture(frame, width, height, rotation, fmt, crop)
        return cache[t]

    def assign(index: int, t: float, frame) -> None:
        picture = convert(t, frame)
        out[index] = picture
        if on_pick is not None:
            on_pick(index, picture)

    pos, prev, first = 0, None, None
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if stop is not None and stop():
                return out
            ft = float(frame.time) if frame.time is not None else 0.0
            first = ft if first is None else first
            ft -= first
            while pos < len(order) and times[order[pos]] <= ft:
                want = times[order[pos]]
                if prev is not None and want - prev[0] <= ft - want:
                    assign(int(order[pos]), *prev)
                else:
                    assign(int(order[pos]), ft, frame)
                pos += 1
            if pos == len(order):
                break
            prev = (ft, frame)
        while pos < len(order) and prev is not None:  # wanted past the end: the last frame
            assign(int(order[pos]), *prev)
            pos += 1
    except av.error.FFmpegError as exc:
        raise CompareError(f"{path} could not be decoded to the end ({exc.strerror or exc})") from None
    finally:
        container.close()
    if prev is None and first is None:
        raise CompareError(f"{path} has no picture in it")
    return out


def _open(path: str | Path):
    av = native.av()

    try:
        container = av.open(str(path))
    except (av.error.FileNotFoundError, FileNotFoundError):
        raise CompareError(f"the video file {path} does not exist") from None
    except av.error.FFmpegError as exc:
        raise CompareError(f"cannot open {path} as a video ({exc.strerror or exc})") from None
    except OSError as exc:
        raise CompareError(f"cannot read {path} ({exc.strerror or exc})") from None
    if not container.streams.video:
        container.close()
        raise CompareError(f"{path} has no video in it")
    return container


def _turns(frame, rotation: int) -> int:
    """Anticlockwise quarter turns that make a frame upright: its own display rotation, then ``rotation`` clockwise."""
    own = (int(frame.rotation or 0) // 90) % 4  # PyAV gives it anticlockwise, like FFmpeg's display matrix
    return (own - rotation // 90) % 4


def cropped_columns(width: int, crop: tuple[float, float] | None) -> tuple[int, int]:
    """(whole, left): the even upright width to scale a picture to so that its ``crop`` is
    ``width`` pixels wide, and the even column where that crop starts."""
    if crop is None:
        return width, 0
    x0, x1 = crop
    whole = max(int(round(width / (x1 - x0))) & ~1, width)
    left = min(int(round(x0 * whole)) & ~1, whole - width)
    return whole, left


def _picture(frame, width: int, height: int, rotation: int, fmt: str, crop: tuple[float, float] | None = None):
    whole, left = cropped_columns(width, crop)
    turns = _turns(frame, rotation)
    w0, h0 = (whole, height) if turns % 2 == 0 else (height, whole)
    data = frame.reformat(width=w0, height=h0, format=fmt).to_ndarray()
    if fmt == "rgb24":
        data = np.rot90(data, turns) if turns else data
        return np.ascontiguousarray(data[:, left : left + width])
    flat = data.reshape(-1)
    n = w0 * h0
    y = flat[:n].reshape(h0, w0)
    u = flat[n : n + n // 4].reshape(h0 // 2, w0 // 2)
    v = flat[n + n // 4 : n + n // 2].reshape(h0 // 2, w0 // 2)
    if turns:
        y, u, v = (np.rot90(p, turns) for p in (y, u, v))
    return (np.ascontiguousarray(y[:, left : left + width]), np.ascontiguousarray(u[:, left // 2 : (left + width) // 2]),
            np.ascontiguousarray(v[:, left // 2 : (left + width) // 2]))
