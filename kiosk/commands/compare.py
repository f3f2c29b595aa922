"""``kiosk compare A B [C D] --out OUT.mp4``: render looks side by side, turning together."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.commands._interrupt import stop_on_sigterm
from kiosk.commands._library import open_library
from kiosk.config import load_config
from kiosk.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare",
        help="render 2–4 looks side by side, aligned by body angle, as one MP4",
        description="Render two to four looks side by side as one H.264 MP4: one full turn of a shared body "
        "angle, every pane showing the same side of the body at the same moment (--align angle), or each "
        "playing from its turn at its own speed (--align time).",
    )
    p.add_argument("looks", nargs="+", metavar="LOOK", help="a video file or the id of a look in the library (2 to 4)")
    p.add_argument("--out", required=True, metavar="OUT.mp4", help="the MP4 to write (its folder must exist)")
    p.add_argument("--align", choices=["angle", "time"], default="angle",
                   help="line the panes up by body angle (default) or by time")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--library", metavar="DIR", help="the look library for look ids (default: library.data_dir)")
    p.add_argument("--config", help="configuration file (default: $KIOSK_CONFIG, else /etc/smartmirror/kiosk.toml)")
    p.add_argument("--seconds", type=float, metavar="S", help="length of the comparison (default: the slowest turn, 4–15 s)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=compare)


def compare(args: argparse.Namespace) -> int:
    from kiosk.compare.comparison import check_count, compare as run, render_settings
    from kiosk.compare.panes import PaneMaker, analyse_file

    check_count(len(args.looks))
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise UsageError(f"the folder {out.parent} for {args.out} does not exist")
    if out.is_dir():
        raise UsageError(f"{args.out} is a folder; give the name of the MP4 to write")
    if out.exists() and not args.force:
        raise UsageError(f"{args.out} already exists; choose another name, delete it, or add --force")
    if args.seconds is not None and not 1.0 <= args.seconds <= 60.0:
        raise UsageError("--seconds must be between 1 and 60")
    config = load_config(args.config)
    stop_on_sigterm()  # the half-written file is removed as on Ctrl-C
    maker = PaneMaker(lambda video, rotation: analyse_file(video, rotation, config), lambda: _library(config, args.library),
                      look_rotation=config.display.rotation)
    panes = maker.make_all(args.looks)
    if any(p.video.resolve() == out.resolve() for p in panes):
        raise UsageError(f"{args.out} is one of the looks to compare; write the comparison somewhere else")
    report = run(panes, out, args.align, render_settings(config), args.seconds)
    data = report.to_json()
    if args.json:
        print(json.dumps(data))
        return 0
    gap, most = data["mean_angle_gap_deg"], data["max_angle_gap_deg"]
    apart = f", body angles {gap:.0f}° apart on average (at most {most:.0f}°)" if gap is not None else ""
    print(f"{data['out']}: {data['frames']} frames, {len(panes)} looks aligned by {data['align']}{apart}")
    for look in data["looks"]:
        turn = look["turn"]
        what = "no turn"
        if turn:
            what = f"turn {turn['start_s']:.2f}–{turn['end_s']:.2f} s, {turn['rotation_deg']:.0f}° {turn['direction']}"
        how = f"by time ({look['unaligned_reason']})" if look["aligned_by"] == "time" and data["align"] == "angle" else ""
        print(f"  {look['source']}: {what}" + (f", {how}" if how else ""))
    return 0


def _library(config, override: str | None):
    """The look library, opened on first use (``LibraryMissing`` when there is none)."""
    from kiosk.paths import data_dir

    return open_library(data_dir(config, override))
