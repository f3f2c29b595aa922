"""The heavy native libraries, each loaded in this one place and only when first needed.

PyAV (FFmpeg), OpenCV and MediaPipe take hundreds of milliseconds and tens of megabytes to
load; most ``kiosk`` commands never need them. Every module of the core gets them from here
(``av = native.av()`` inside the function that uses it), so loading stays lazy, a missing or
broken installation is reported as one plain sentence, and ``tests/unit/test_architecture.py``
can check that nothing else imports them.
"""

from __future__ import annotations

import importlib

from kiosk.errors import NativeLibraryMissing


def _load(name: str, what: str):
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NativeLibraryMissing(f"{what} ({name}) cannot be loaded ({exc}); run scripts/demo to install it") from None


def av():
    """PyAV: FFmpeg's decoders, encoders and containers."""
    return _load("av", "the video library")


def cv2():
    """OpenCV: colour conversion, resizing and V4L2-free image work."""
    return _load("cv2", "the image library")


def mediapipe():
    """MediaPipe: the bundled pose and face models."""
    return _load("mediapipe", "the body analysis library")
