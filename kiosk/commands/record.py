"""``kiosk record``: record a look from a camera source, headless (no Qt)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from kiosk.commands._interrupt import stop_on_sigterm
from kiosk.config import load_config
from kiosk.errors import RecordingInterrupted, UsageError

MAX_SECONDS = 3600.0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "record",
        help="record a look headless: to one MP4 (--out) or into a look library (--library)",
        description="Record SECONDS of the camera as an H.264 MP4 (yuv420p, +faststart). With --library "
        "the look is stored in the library and its id is the last line printed. Ctrl-C or SIGTERM stops "
        "the recording early: what was recorded is kept and printed as usual, stderr says so, and the "
        "exit status is 130.",
    )
    p.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    p.add_argument("--source", help="camera source spec (default: camera.source), e.g. synthetic: or file:clip.mp4")
    p.add_argument("--seconds", type=float, required=True, metavar="N", help="length of the recording in seconds")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE.mp4", help="write one MP4 file (must not exist yet)")
    where.add_argument("--library", metavar="DIR", help="store the look in the look library in DIR")
    p.add_argument(
        "--consent", action="store_true", help="with --library: record the look as consented by the operator"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    seconds = args.seconds
    if not math.isfinite(seconds) or not 0.1 <= seconds <= MAX_SECONDS:
        raise UsageError(f"--seconds must be between 0.1 and {MAX_SECONDS:g}, got {args.seconds:g}")
    if args.consent and not args.library:
        raise UsageError("--consent only applies to a look stored with --library DIR")
    config = load_config(args.config)
    out = _check_out(args.out) if args.out else None

    from kiosk.recording.oneshot import record_once
    from kiosk.recording.settings import recorder_settings
    from kiosk.recording.sinks import FileSink, LibrarySink
    from kiosk.wiring import build_camera

    stop_on_sigterm()  # a service manager's stop keeps what was recorded, as Ctrl-C does
    source, _spec = build_camera(config, args.source)
    settings = recorder_settings(config, min_s=min(config.recording.min_s, seconds))
    if out is not None:
        sink = FileSink(out)
        sink.remove_abandoned()
        shot = record_once(source, sink, settings, seconds)
        print(shot.look.path, flush=True)
        _say_if_stopped_early(shot, seconds)
        return 0

    from kiosk.library import Library
    from kiosk.library.settings import retention_policy
    from kiosk.paths import data_dir
    from kiosk.recording.recovery import recover

    with Library(data_dir(config, args.library)) as library:
        recover(library)
        sink = LibrarySink(library, retention_policy(config))
        shot = record_once(source, sink, settings, seconds, consent_by="operator" if args.consent else None)
        print(f"recorded {shot.look.duration_s:.2f} s to {shot.look.path}")
        print(shot.look.look_id, flush=True)
        _say_if_stopped_early(shot, seconds)
    return 0


def _say_if_stopped_early(shot, seconds: float) -> None:
    """An interrupted recording is kept and printed; stderr and the exit status (130) say it was cut short."""
    if shot.interrupted:
        raise RecordingInterrupted(f"stopped early: kept the first {shot.look.duration_s:.2f} s of the {seconds:g} s asked for")


def _check_out(text: str) -> Path:
    out = Path(text).expanduser()
    if out.suffix.lower() != ".mp4":
        raise UsageError(f"--out must name an .mp4 file, got {text!r}")
    if out.exists():
        raise UsageError(f"{out} already exists; choose another name or delete it first")
    if not out.parent.is_dir():
        raise UsageError(f"the folder {out.parent} does not exist")
    return out
