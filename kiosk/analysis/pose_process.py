"""The pose estimator in a child process, behind the same calls as ``PoseEstimator``.

Why a process: the model is ~40 ms of CPU a frame on a small machine. In a thread of the
kiosk its Python parts (and mediapipe's callbacks) take the GIL, and at lowered priority the
kernel can preempt it while it holds the GIL, stalling the mirror's own Python threads (see
``scheduling``). The child has its own interpreter, runs at the configured low priority and
holds nothing the mirror needs.

What crosses over: each frame's raw pixels through a shared-memory segment
(``frame_segment``; one memcpy in the kiosk, no pickling, no resizing: cropping, scaling and
colour conversion happen in the child), a small header and the ``Pose`` back through a pipe
(the protocol is in ``pose_child``, the child's side). The child is generic: it builds whatever ``factory(settings)`` returns, any object with
``start()``, ``estimate(pixels, t)``, ``reset()`` and ``close()``, so a change to the
estimator or its settings needs no change here.

Failures are plain: a child that dies, hangs past ``timeout_s`` or cannot start raises
``PoseProcessError`` (the worker restarts it with a backoff); a ``KioskError`` the estimator
raises while starting (a missing model) is raised as itself.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import send_handle
from typing import Any

import numpy as np

from kiosk.analysis.frame_segment import FrameSegment
from kiosk.analysis.pose import Pose, PoseEstimator, PoseSettings
from kiosk.errors import KioskError, PoseProcessError

_log = logging.getLogger(__name__)

CHILD_MODULE = "kiosk.analysis.pose_child"  # the child's side: ``python -m kiosk.analysis.pose_child FD``


class PoseProcessCancelled(Exception):
    """``cancel()`` was called while waiting for the pose process (the analysis is stopping)."""


@dataclass(frozen=True)
class ChildSpec:
    """What the child builds and how it yields the CPU (pickled to the child)."""

    factory: Callable[[Any], Any] = PoseEstimator  # importable by name: the child imports it
    settings: Any = None
    nice: int = 10
    idle: bool = False  # SCHED_IDLE: run only on CPU time nothing else wants


class ProcessPoseEstimator:
    """An estimator running in a separate process (its own interpreter and GIL)."""

    def __init__(self, settings: PoseSettings | None = None, timeout_s: float = 30.0, nice: int = 10,
                 idle: bool = False, factory: Callable[[Any], Any] = PoseEstimator, start_timeout_s: float = 120.0) -> None:
        self.settings = settings or PoseSettings()
        # Generous: at low priority on a busy machine the child is slow, not hung (a frame has
        # taken over a second here under a load average of 25); killing it would only add a reload.
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.spec = ChildSpec(factory=factory, settings=self.settings, nice=nice, idle=idle)
        self.last_cpu_s: float | None = None  # the child's CPU time for the last frame (model + pre/post)
        self.last_wall_s: float | None = None  # the child's wall time for it (more under CPU contention)
        self._proc = None
        self._conn: Connection | None = None
        self._segment: FrameSegment | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()  # start/close from the worker vs cancel/close from a stopping thread

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the child and wait until its estimator is ready (the model loads there).

        A ``cancel()`` that came first, even before this call, makes it give up at once.
        """
        # A Unix socket pair, which can also carry the segment's file descriptor. The child is a
        # fresh interpreter (no fork of a threaded, possibly Qt, parent; no re-import of our
        # __main__ as multiprocessing's spawn would do) whose stdout is the kiosk's stderr, so
        # nothing it prints can get into a command's --json output.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=_stderr_fd(),
                env=_child_environ(os.environ),
            )
        except OSError as exc:
            ours.close()
            raise PoseProcessError(f"the pose process could not be started ({exc.strerror})") from None
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        with self._lock:
            self._conn, self._proc = conn, proc
        try:
            conn.send(sys.path)
            conn.send(self.spec)
        except OSError:
            pass  # it died at once; the answer below says how
        except Exception as exc:  # e.g. a factory that cannot be pickled (a lambda)
            self.close()
            raise PoseProcessError(f"the estimator cannot be handed to the pose process ({exc})") from None
        try:
            kind, detail = self._receive(self.start_timeout_s)[:2]
        except PoseProcessCancelled:
            self.close()
            raise
        except PoseProcessError as exc:
            self.close()
            raise PoseProcessError(f"{exc} while starting") from None
        if kind != "ready":
            self.close()
            if isinstance(detail, KioskError):
                raise detail
            raise PoseProcessError(f"the pose process did not start ({detail})")

    def estimate(self, pixels: np.ndarray, t: float) -> Pose | None:
        """The pose in ``pixels`` (any size; copied once into shared memory), stamped ``t``."""
        if self._conn is None:
            self.start()
        pixels = np.ascontiguousarray(pixels)
        if self._segment is None or not self._segment.fits(pixels):
            self._new_segment(pixels.nbytes)
        header = self._segment.write(pixels, t)
        self._send(("frame", header))
        answer = self._receive(self.timeout_s)
        if answer[0] != "pose":
            raise PoseProcessError(f"the pose process failed ({answer[1]})")
        _, pose, self.last_cpu_s, self.last_wall_s = answer
        return pose

    def reset(self) -> None:
        """Forget the tracked person (the child's estimator starts afresh)."""
        if self._conn is None:
            return
        self._send(("reset",))
        kind, detail = self._receive(self.timeout_s)[:2]
        if kind != "done":
            raise PoseProcessError(f"the pose process failed ({detail})")

    def cancel(self) -> None:
        """From another thread: make a waiting call give up now; then only ``close`` is left to call."""
        self._cancel.set()

    def close(self) -> None:
        """Stop the child (asking first, then killing) and free the shared memory. Idempotent."""
        with self._lock:
            conn, proc, segment = self._conn, self._proc, self._segment
            self._conn = self._proc = self._segment = None
        if conn is not None:
            _send(conn, ("stop",))
            conn.close()
        if proc is not None:
            try:
                proc.wait(2.0)  # it finishes the frame in hand (~40 ms), then exits
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if segment is not None:
            segment.close()

    # -- the pipe -----------------------------------------------------------------------------

    def _new_segment(self, size: int) -> None:
        """Share a segment big enough for ``size`` bytes (a larger frame than before gets a new one)."""
        old = self._segment
        segment = FrameSegment.create(size)
        try:
            self._send(("segment", segment.size))
            send_handle(self._conn, segment.fd, self._proc.pid)
        except (OSError, ValueError) as exc:
            segment.close()
            raise PoseProcessError(_gone(self._proc, str(exc))) from None
        self._segment = segment
        if old is not None:
            old.close()

    def _send(self, message: tuple) -> None:
        try:
            self._conn.send(message)
        except (OSError, ValueError, AttributeError):
            raise PoseProcessError(_gone(self._proc, "its pipe is closed")) from None

    def _receive(self, timeout: float) -> tuple:
        """The child's next answer, waiting in short slices so ``cancel`` is noticed.

        A dead child closes its end of the socket, which wakes the wait with an EOF.
        """
        conn, proc = self._conn, self._proc
        if conn is None or proc is None:
            raise PoseProcessError("the pose process is not running")
        deadline = time.monotonic() + timeout
        while True:
            if self._cancel.is_set():
                raise PoseProcessCancelled("the analysis is stopping")
            left = deadline - time.monotonic()
            if left <= 0:
                _log.warning("the pose process did not answer within %.0f s; stopping it", timeout)
                proc.kill()
                raise PoseProcessError(f"the pose process did not answer within {timeout:.0f} s")
            if wait([conn], min(left, 0.25)):
                try:
                    return conn.recv()
                except (EOFError, OSError):
                    try:
                        proc.wait(2.0)
                    except subprocess.TimeoutExpired:
                        pass
                    raise PoseProcessError(_gone(proc, "its pipe closed")) from None


def _send(conn: Connection, message: tuple) -> bool:
    try:
        conn.send(message)
        return True
    except (OSError, ValueError):  # the child went away
        return False


def _child_environ(environ) -> dict[str, str]:
    """The kiosk's environment without its displays: the child shows nothing.

    Given a display, mediapipe opens an EGL context on it that the model (on the CPU) never
    uses: 52 MB more in the child (276 against 224 MB, the full-body model on 720p frames, the
    same 11.4 ms a frame), and under cage an X client that makes cage start its Xwayland.
    """
    return {k: v for k, v in environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}


def _stderr_fd() -> int:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced by an object without a file
        return 2


def _gone(proc: subprocess.Popen | None, otherwise: str) -> str:
    """How the child ended, in words."""
    code = proc.poll() if proc is not None else None
    if code is None:
        return f"the pose process is gone ({otherwise})"
    if code < 0:
        try:
            return f"the pose process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"the pose process was killed by signal {-code}"
    return f"the pose process exited with status {code}"
