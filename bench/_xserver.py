"""A private Xvfb display for benchmarks that need a real window on a machine without a screen."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

from kiosk.errors import UsageError


def start_xvfb(screen: str) -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a free display number (it picks one itself); returns it and ":N"."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        raise UsageError("Xvfb did not start")
    return proc, f":{number}"


@contextlib.contextmanager
def display(size: str = "1920x1080"):
    """Use ``$DISPLAY`` when set; otherwise run Xvfb at ``size`` for the duration."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        raise UsageError("no display: set DISPLAY or install Xvfb (scripts/test installs it)")
    proc, name = start_xvfb(f"{size}x24")
    saved = {k: os.environ.get(k) for k in ("DISPLAY", "QT_QPA_PLATFORM")}
    os.environ.update(DISPLAY=name, QT_QPA_PLATFORM="xcb")
    try:
        yield os.environ["DISPLAY"]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        proc.terminate()
        proc.wait(5)


def add_display_args(parser) -> None:
    parser.add_argument(
        "--screen", default="1920x1080", metavar="WxH", help="Xvfb screen size when no DISPLAY is set (default 1920x1080)"
    )


def check_screen(text: str) -> str:
    width, sep, height = text.partition("x")
    if not sep or not width.isdigit() or not height.isdigit() or int(width) < 160 or int(height) < 160:
        raise UsageError(f"--screen {text!r} must look like 1920x1080")
    return text
