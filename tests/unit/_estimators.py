"""A stand-in pose estimator for the runner tests: canned poses, and failures on demand.

It is built by name in the analysis child process (``ProcessPoseEstimator(factory=...)``), so
it lives in an importable module and takes its behaviour from a picklable settings object.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.analysis.pose import Pose, PoseModelMissing
from tests.unit._poses import make_pose


@dataclass(frozen=True)
class FakeSettings:
    sleep_s: float = 0.0  # per frame
    exit_on_frame: int | None = None  # the process exits (status 3) on this frame number
    fail_start: str | None = None  # "model": a missing model; any other text: a RuntimeError
    start_s: float = 0.0  # how long the "model" takes to load
    busy_file: str | None = None  # touched when a frame arrives (the test knows it is busy)
    no_person: bool = False
    rotation: int = 0  # as PoseSettings: the worker turns frames upright for the torso flow


@dataclass(frozen=True, eq=False)
class EchoPose(Pose):
    """A canned pose that also says what the estimator saw."""

    shape: tuple = field(default=())
    checksum: int = 0
    resets: int = 0
    pid: int = 0


class FakeEstimator:
    """``start``/``estimate``/``reset``/``close`` like ``PoseEstimator``."""

    def __init__(self, settings: FakeSettings | None = None) -> None:
        self.settings = settings or FakeSettings()
        self.frames = 0
        self.resets = 0
        self.started = False

    def start(self) -> None:
        if self.settings.start_s:
            time.sleep(self.settings.start_s)
        if self.settings.fail_start == "model":
            raise PoseModelMissing("the pose model for model_complexity = 2 is not installed")
        if self.settings.fail_start:
            raise RuntimeError(self.settings.fail_start)
        self.started = True

    def estimate(self, pixels: np.ndarray, t: float) -> Pose | None:
        self.frames += 1
        s = self.settings
        if s.busy_file:
            Path(s.busy_file).touch()
        if s.exit_on_frame == self.frames:
            os._exit(3)
        if s.sleep_s:
            time.sleep(s.sleep_s)
        if s.no_person:
            return None
        pose = make_pose(t)
        return EchoPose(t=pose.t, image=pose.image, world=pose.world, visibility=pose.visibility, aspect=pose.aspect,
                        face=pose.face, shape=tuple(pixels.shape), checksum=checksum(pixels), resets=self.resets,
                        pid=os.getpid())

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.started = False


def checksum(pixels: np.ndarray) -> int:
    return int(pixels.astype(np.uint64).sum() * 31 + pixels[-1, -1].sum())
