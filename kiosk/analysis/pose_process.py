"""The pose model in a child process, behind the same ``estimate`` call as ``PoseEstimator``.

The parent shrinks each frame to twice the model's input size before sending it (the child
needs a little more than the input size to crop around a small person), so a 1080p frame
costs about a megabyte of pipe traffic instead of six. Landmarks come back as a ``Pose``.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
from multiprocessing.connection import Connection

import numpy as np

from kiosk.analysis.pose import Pose, PoseEstimator, PoseSettings  # noqa: F401 (Pose: what comes back)
from kiosk.errors import PoseProcessError
from kiosk import native

_log = logging.getLogger(__name__)



def _serve(conn: Connection, settings: PoseSettings, nice: int) -> None:
    """Child process main loop: frames in, poses out, until the pipe closes."""
    if nice > 0:
        os.nice(nice)
    estimator = PoseEstimator(settings)
    try:
        estimator.start()
        conn.send(("ready", None))
        while True:
            try:
                message = conn.recv()
            except EOFError:
                break
            if message is None:
                break
            pixels, t = message
            conn.send(("pose", estimator.estimate(pixels, t)))
    except Exception as exc:  # reported to the parent as one sentence
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        estimator.close()


class ProcessPoseEstimator:
    """``PoseEstimator`` running in a separate process (its own interpreter and GIL)."""

    def __init__(self, settings: PoseSettings | None = None, timeout_s: float = 10.0, nice: int = 0) -> None:
        self.settings = settings or PoseSettings()
        self.nice = nice
        self.timeout_s = timeout_s
        self._proc = None
        self._conn: Connection | None = None
        self._cv2 = None

    def start(self) -> None:
        cv2 = native.cv2()

        self._cv2 = cv2
        ctx = mp.get_context("spawn")  # no fork of a threaded (and possibly Qt) parent
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.settings, self.nice), name="analysis-pose", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        kind, detail = self._receive(60.0)
        if kind != "ready":
            self.close()
            raise PoseProcessError(f"the pose process did not start ({detail})")

    def estimate(self, pixels: np.ndarray, t: float) -> Pose | None:
        if self._conn is None:
            self.start()
        limit = self.settings.input_size * 2
        h, w = pixels.shape[:2]
        scale = limit / max(h, w)
        if scale < 1.0:
            pixels = self._cv2.resize(pixels, (round(w * scale), round(h * scale)), interpolation=self._cv2.INTER_AREA)
        self._conn.send((np.ascontiguousarray(pixels), t))
        kind, detail = self._receive(self.timeout_s)
        if kind != "pose":
            raise PoseProcessError(f"the pose process failed ({detail})")
        if detail is not None:
            # Aspect comes from the full frame; the fractions are the same after scaling.
            detail = dataclasses.replace(detail, aspect=w / h)
        return detail

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            self._proc.join(5.0)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(2.0)
            self._proc = None

    def _receive(self, timeout: float):
        if not self._conn.poll(timeout):
            return "error", f"no answer within {timeout:.0f} s"
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            code = self._proc.exitcode if self._proc is not None else None
            return "error", f"it exited with status {code}"
