"""``kiosk analyze VIDEO``: find the person and the 360° turns in a video file."""

from __future__ import annotations

import argparse
import json

from kiosk.config import load_config
from kiosk.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="find presence and 360° turns in a video file")
    p.add_argument("video", metavar="VIDEO", help="video file (any format FFmpeg reads)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--config", help="configuration file whose [analysis] section is used")
    p.add_argument("--max-fps", type=float, help="frames analysed per second of video (default: [analysis] max_fps; 0: all)")
    p.add_argument("--rotate", type=int, choices=[0, 90, 180, 270], default=0,
                   help="clockwise degrees that make the picture upright (a camera on its side)")
    p.set_defaults(func=analyze)


def analyze(args: argparse.Namespace) -> int:
    from kiosk.analysis.settings import body_settings, pose_settings
    from kiosk.analysis.video import VideoOptions, analyse_video

    cfg = load_config(args.config).analysis
    max_fps = cfg.max_fps if args.max_fps is None else args.max_fps
    if max_fps < 0:
        raise UsageError("--max-fps must be 0 (every frame) or more")
    result = analyse_video(args.video, VideoOptions(max_fps, pose_settings(cfg, args.rotate), body_settings(cfg)))
    data = result.to_json()
    if args.json:
        print(json.dumps(data))
        return 0
    print(f"{data['video']}: {data['duration_s']:.2f} s, {data['frames_analyzed']} frames analysed "
          f"({data['fps_analyzed']:.1f} per second of video, {result.seconds:.1f} s to analyse)")
    people = ", ".join(f"{a:.2f}–{b:.2f} s" for a, b in data["person_intervals"]) or "none"
    print(f"  whole person in view: {people}")
    if not data["turns"]:
        print("  turns: none")
    for turn in data["turns"]:
        back = "—" if turn["back_s"] is None else f"{turn['back_s']:.2f} s"
        kind = "complete turn" if turn["complete"] else "partial turn"
        print(f"  {kind}: {turn['start_s']:.2f} s → back {back} → {turn['end_s']:.2f} s, "
              f"{turn['rotation_deg']:.0f}° {turn['direction']}")
    return 0
