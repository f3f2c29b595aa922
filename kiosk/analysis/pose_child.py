"""The pose process's side: ``python -m kiosk.analysis.pose_child FD``, started by ``pose_process``.

``FD`` is the child's end of a Unix socket pair. Down it come the parent's import path and a
``ChildSpec`` (which estimator to build, with which settings, at which priority), then
messages: ``("segment", size)`` followed by the shared-memory segment's file descriptor,
``("frame", FrameHeader)`` for a frame now in that segment, ``("reset",)`` and ``("stop",)``.
Up go ``("ready", None)``, ``("pose", Pose | None, cpu_s, wall_s)``, ``("done", None)`` or
``("error", exception or text)``. The child ends when told to, when its socket closes (the
kiosk is gone) or after reporting an error. A module of its own so that ``ps`` names the
process plainly and the child never imports the kiosk's ``__main__``.
"""

from __future__ import annotations

import signal
import sys
import time
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle

from kiosk.analysis.frame_segment import FrameHeader, FrameSegment
from kiosk.analysis.scheduling import lower_priority
from kiosk.errors import KioskError


def child_main(fd: int) -> int:
    """The child process: its import path and ``ChildSpec`` come first down the socket ``fd``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    conn = Connection(fd)
    try:
        sys.path[:] = conn.recv()  # the parent's, so its factory imports here too
        spec = conn.recv()
    except (EOFError, OSError):
        return 0
    except Exception as exc:  # e.g. the factory's module does not import here
        _send(conn, ("error", _portable(exc)))
        return 1
    from kiosk.log import setup_logging

    setup_logging()
    _serve(conn, spec)
    return 0


def _serve(conn: Connection, spec) -> None:
    """Frames in, poses out, until told to stop or the pipe closes."""
    lower_priority(spec.nice, spec.idle)
    estimator = None
    segment: FrameSegment | None = None
    try:
        try:
            estimator = spec.factory(spec.settings)
            estimator.start()
        except Exception as exc:  # reported to the parent, who decides
            _send(conn, ("error", _portable(exc)))
            return
        _send(conn, ("ready", None))
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return  # the parent is gone
            kind = message[0]
            if kind == "frame":
                header: FrameHeader = message[1]
                cpu0, wall0 = time.process_time(), time.perf_counter()
                pose = estimator.estimate(segment.view(header), header.t)
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                if not _send(conn, ("pose", pose, cpu, wall)):
                    return
            elif kind == "segment":
                fd = recv_handle(conn)
                if segment is not None:
                    segment.close()
                segment = FrameSegment.attach(fd, message[1])
            elif kind == "reset":
                estimator.reset()
                _send(conn, ("done", None))
            else:  # "stop"
                return
    except Exception as exc:
        _send(conn, ("error", _portable(exc)))
    finally:
        try:
            if estimator is not None:
                estimator.close()
        finally:
            if segment is not None:
                segment.close()


def _send(conn: Connection, message: tuple) -> bool:
    try:
        conn.send(message)
        return True
    except (OSError, ValueError):  # the parent went away
        return False


def _portable(exc: BaseException) -> BaseException | str:
    """The exception itself for a KioskError (one sentence, picklable), else one line about it."""
    if isinstance(exc, KioskError):
        return exc
    return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1])))
