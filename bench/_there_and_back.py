"""The there-and-back probe: how often a look at the back and straight back is taken for a turn.

``python -m bench._there_and_back LABELS.json [...] --pose-cache DIR [--variants original,5fps]
[--holds 0,0.6]`` prints one JSON object. For every turning clip it cuts the clip's own
analysed poses at its first side view, its back and three-quarters round, holds there, and
plays the same poses back in reverse (``variants.there_and_back``): out to that point and
back the way the body went. Any complete turn found is a recording nobody made. The footage
suite runs the 0.6 s hold (``test_a_look_at_the_back_and_back_again_is_no_full_turn``); this
counts every hold at once, for docs/PERFORMANCE.md. Poses come from ``--pose-cache`` when
there, else the pose model runs on the clip (minutes per clip on a small machine).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.analysis.pose import PoseSettings
from kiosk.analysis.pose_cache import PoseCache
from kiosk.analysis.scoring import expects_full_turn
from kiosk.analysis.variants import VARIANTS, there_and_back, turn_cuts
from kiosk.analysis.video import VideoOptions, analyse_frames, read_frames


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench._there_and_back")
    ap.add_argument("labels", nargs="+", type=Path)
    ap.add_argument("--pose-cache", type=Path)
    ap.add_argument("--variants", default="original,5fps")
    ap.add_argument("--holds", default="0,0.6")
    args = ap.parse_args(argv)
    cache = PoseCache(args.pose_cache) if args.pose_cache else None
    rows = []
    for variant in args.variants.split(","):
        v = VARIANTS[variant]
        options = VideoOptions(max_fps=v.max_fps or 15.0, pose=PoseSettings(rotation=v.rotation))
        for labels_file in args.labels:
            for entry in json.loads(labels_file.read_text()):
                if not expects_full_turn(entry):
                    continue
                clip, labels = labels_file.parent / entry["file"], v.labels(entry)
                poses = cache.load(clip, variant, options.max_fps, options.pose) if cache else None
                if poses is None:
                    frames, duration = read_frames(str(clip))
                    poses = analyse_frames(v.frames(frames, duration), entry["file"], labels["duration_s"], options).poses
                    if cache:
                        cache.save(clip, variant, options.max_fps, options.pose, poses)
                for hold in (float(h) for h in args.holds.split(",")):
                    for cut, at in turn_cuts(labels["turn"]).items():
                        found = analyse_frames([], entry["file"], labels["duration_s"],
                                               poses=there_and_back(poses, at, hold)).turns
                        rows.append({"labels": str(labels_file), "file": entry["file"], "variant": variant,
                                     "hold_s": hold, "cut": cut, "complete_turns": sum(t.complete for t in found)})
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        key = f"{Path(row['labels']).name} {row['variant']} hold {row['hold_s']:g} s"
        total = totals.setdefault(key, {"cases": 0, "turns_found": 0})
        total["cases"] += 1
        total["turns_found"] += row["complete_turns"] > 0
    json.dump({"totals": totals, "cases": rows}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
