"""Analyse a video file offline: the same body analysis as the live mirror, at a set rate.

Frames are decoded with PyAV and analysed at most ``max_fps`` times per second of media time
(the live worker's rate), so a clip reports what the mirror would have seen. Times are
seconds of media time from the first frame. A caller that may have to give up part-way (the
comparison renderer, when the mirror stops) passes ``stop``: asked before each frame, True ends
the analysis with ``AnalysisStopped``.

The JSON report keeps the keys ``kiosk analyze`` always had (video, duration_s,
frames_analyzed, fps_analyzed, person_intervals, turns) and adds ``gestures`` (each fired
gesture: ``{"t", "gesture"}``), ``yaw`` (the settled yaw path: ``[t, yaw_deg,
rotation_deg, confidence]`` rows, the format a look stores) and ``span`` (``[x0, x1]``: how far
across the upright picture the person reached, ``extent.span_of``; null where too few frames
showed her).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from kiosk.analysis.body import BodyAnalyser, BodySettings
from kiosk.analysis.extent import span_of
from kiosk.analysis.flow import with_flow
from kiosk.analysis.gestures import GestureUpdate
from kiosk.analysis.pose import Pose, PoseEstimator, PoseSettings
from kiosk.analysis.turn import Turn
from kiosk.analysis.yaw import YawSample
from kiosk.errors import VideoError
from kiosk import native

_log = logging.getLogger(__name__)


class AnalysisStopped(Exception):
    """The caller's ``stop()`` said to give up before the last frame (never reaches a person)."""


@dataclass
class VideoAnalysis:
    """The result of ``kiosk analyze``."""

    video: str
    duration_s: float
    frames_analyzed: int
    fps_analyzed: float
    person_intervals: list[list[float]]
    turns: list[Turn]
    track: list[YawSample] = field(default_factory=list)
    poses: list[tuple[float, Pose | None]] = field(default_factory=list)
    seconds: float = 0.0  # wall-clock time the analysis took
    gestures: list[GestureUpdate] = field(default_factory=list)  # the gestures that fired
    span: tuple[float, float] | None = None  # how far across the picture she reached (None: no crop)

    def to_json(self) -> dict:
        return {
            "video": self.video,
            "duration_s": round(self.duration_s, 3),
            "frames_analyzed": self.frames_analyzed,
            "fps_analyzed": round(self.fps_analyzed, 2),
            "person_intervals": [[round(a, 3), round(b, 3)] for a, b in self.person_intervals],
            "turns": [
                {
                    "start_s": round(t.start_s, 3),
                    "back_s": None if t.back_s is None else round(t.back_s, 3),
                    "end_s": round(t.end_s, 3),
                    "rotation_deg": round(t.rotation_deg, 1),
                    "direction": t.direction,
                    "complete": t.complete,
                }
                for t in self.turns
            ],
            "gestures": [{"t": round(g.t, 3), "gesture": g.gesture} for g in self.gestures],
            "yaw": [[round(y.t, 3), round(y.yaw_deg, 1), round(y.rotation_deg, 1), y.confidence] for y in self.track],
            "span": None if self.span is None else list(self.span),
        }


def read_frames(path: str) -> tuple[Generator[tuple[float, np.ndarray], None, None], float]:
    """Decode a file: an iterator of (media seconds, BGR pixels) and the duration in seconds."""
    av = native.av()

    try:
        container = av.open(path)
    except (av.error.FileNotFoundError, FileNotFoundError):
        raise VideoError(f"video file {path} does not exist") from None
    except av.error.FFmpegError as exc:
        raise VideoError(f"cannot open {path} as a video ({exc.strerror or exc})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path} has no video stream")
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    duration = _duration(container, stream)

    def frames() -> Generator[tuple[float, np.ndarray], None, None]:
        first = None
        try:
            for frame in container.decode(stream):
                t = frame.time if frame.time is not None else 0.0
                first = t if first is None else first
                pixels = frame.to_ndarray(format="bgr24")
                # Phones store portrait video sideways with a display rotation: analyse what a
                # player shows. PyAV gives it anticlockwise, like FFmpeg's display matrix.
                turns = (int(frame.rotation or 0) // 90) % 4
                yield t - first, np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path} could not be decoded to the end ({exc.strerror or exc})") from None
        finally:
            container.close()

    return frames(), duration


def _duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return 0.0


@dataclass(frozen=True)
class VideoOptions:
    """How a file is analysed: the live rate and the live settings by default."""

    max_fps: float = 15.0  # 0: every frame
    pose: PoseSettings = field(default_factory=PoseSettings)
    body: BodySettings = field(default_factory=BodySettings)


def analyse_frames(
    frames: Iterable[tuple[float, np.ndarray]],
    name: str,
    duration_s: float,
    options: VideoOptions | None = None,
    poses: list[tuple[float, Pose | None]] | None = None,
    stop: Callable[[], bool] | None = None,
) -> VideoAnalysis:
    """Analyse (time, BGR) frames; with ``poses`` given, reuse those instead of running the model.

    ``stop`` is asked before each frame the model would see; True raises ``AnalysisStopped``."""
    options = options or VideoOptions()
    stopped = stop or (lambda: False)
    started = time.monotonic()
    analyser = BodyAnalyser(options.body)
    seen: list[tuple[float, Pose | None]] = []
    if poses is None:
        if stopped():
            raise AnalysisStopped(f"the analysis of {name} was stopped before it began")
        estimator = PoseEstimator(options.pose)
        estimator.start()
        try:
            for t, pixels, previous in _paced(frames, options.max_fps):
                if stopped():
                    raise AnalysisStopped(f"the analysis of {name} was stopped after {len(seen)} frames")
                pose = estimator.estimate(pixels, t)
                seen.append((t, with_flow(pose, previous, pixels, options.pose.rotation)))
        finally:
            estimator.close()
    else:
        seen = list(poses)
    last_t = 0.0
    fired: list[GestureUpdate] = []
    extents = []
    for t, pose in seen:
        facts = analyser.feed(t, pose)
        fired += [g for g in facts.gestures if g.fired]
        if facts.extent is not None:
            extents.append(facts.extent)
        last_t = t
    analyser.finish()
    step = _median_step([t for t, _ in seen])
    duration = max(duration_s, last_t + step)
    intervals = [[a, min(b + step, duration)] for a, b in analyser.presence.intervals if b - a >= 0.3]
    return VideoAnalysis(
        video=name,
        duration_s=duration,
        frames_analyzed=len(seen),
        fps_analyzed=len(seen) / duration if duration > 0 else 0.0,
        person_intervals=intervals,
        turns=list(analyser.turns.turns),
        track=list(analyser.track),
        poses=seen,
        seconds=time.monotonic() - started,
        gestures=fired,
        span=span_of(extents),
    )


def analyse_video(path: str, options: VideoOptions | None = None,
                  stop: Callable[[], bool] | None = None) -> VideoAnalysis:
    """Analyse a video file (``stop``: see ``analyse_frames``)."""
    frames, duration = read_frames(path)
    try:
        result = analyse_frames(frames, path, duration, options, stop=stop)
    finally:
        frames.close()  # stopped or failed part-way: the file is closed now, not when collected
    if result.frames_analyzed == 0:
        raise VideoError(f"{path} has no decodable video frames")
    return result


def _paced(frames: Iterable[tuple[float, np.ndarray]], max_fps: float
           ) -> Iterator[tuple[float, np.ndarray, tuple[float, np.ndarray] | None]]:
    """Keep at most ``max_fps`` frames per second of media time (all of them if 0), each with the
    frame decoded just before it (time, pixels), as the live worker has the camera's frame before."""
    due = None
    previous = None
    interval = 1.0 / max_fps if max_fps > 0 else 0.0
    for t, pixels in frames:
        # A little slack so a 30 fps clip analysed at 15 fps takes every second frame.
        if due is None or t >= due - interval * 0.25:
            yield t, pixels, previous
            due = t + interval if due is None else max(due + interval, t)
        previous = (t, pixels)


def _median_step(times: list[float]) -> float:
    if len(times) < 2:
        return 0.0
    return float(np.median(np.diff(times)))
