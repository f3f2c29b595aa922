"""``kiosk eval footage LABELS.json...``: run ``analyze`` over labelled clips and score it.

Each labels file is scored on its own (a development set and a holdout set give two
summaries, never one blended figure) and the clips of all of them together at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.config import load_config
from kiosk.errors import UsageError


def register(subparsers) -> None:
    from kiosk.analysis.variants import VARIANTS

    p = subparsers.add_parser("eval", help="score the analysis against labelled footage")
    sub = p.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    f = sub.add_parser("footage", help="analyse every labelled clip and compare with the labels")
    f.add_argument("labels", metavar="LABELS.json", nargs="+",
                   help="labels (the format of shared/footage/labels.json); several files are scored apart")
    f.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    f.add_argument("--dir", help="folder of the clips (default: the folder of each LABELS.json)")
    f.add_argument("--variants", default="original",
                   help=f"comma-separated clip variations to run, or 'all' ({', '.join(VARIANTS)}); "
                        "join variations with '+' to combine them (letterbox+5fps)")
    f.add_argument("--config", help="configuration file whose [analysis] section is used")
    f.add_argument("--pose-cache", metavar="DIR",
                   help="keep the poses of each clip and variant in DIR and reuse them on the next run")
    f.add_argument("--strict", action="store_true", help="exit with status 3 when a clip misses the targets")
    f.add_argument("--totals-only", action="store_true",
                   help="print the totals and nothing per clip (a holdout's figure without its failures)")
    f.set_defaults(func=eval_footage)


def eval_footage(args: argparse.Namespace) -> int:
    from kiosk.analysis.scoring import totals
    from kiosk.analysis.variants import VARIANTS, variant

    cfg = load_config(args.config).analysis
    names = list(VARIANTS) if args.variants == "all" else [n.strip() for n in args.variants.split(",") if n.strip()]
    if not names:
        raise UsageError(f"no variant given; known: {', '.join(VARIANTS)} (join them with '+' to combine)")
    for name in names:
        try:
            variant(name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    sets = []
    for labels_file in args.labels:
        entries = _read_labels(Path(labels_file))
        folder = Path(args.dir) if args.dir else Path(labels_file).resolve().parent
        for entry in entries:
            if not (folder / entry["file"]).is_file():
                raise UsageError(f"clip {folder / entry['file']} named in {labels_file} does not exist")
        sets.append((labels_file, entries, folder))
    all_scores, rows, per_set = [], [], {}
    for labels_file, entries, folder in sets:
        if not args.json and len(sets) > 1:
            print(f"== {labels_file}", flush=True)
        scores = []
        for entry in entries:
            for name in names:
                clip, data = _evaluate(entry, folder, name, cfg, args.pose_cache)
                scores.append(clip)
                rows.append({**clip.to_json(), "labels": labels_file, "analysis": data})
                if args.totals_only:
                    continue
                if not args.json:
                    print(_row(clip), flush=True)
                else:
                    print(f"{entry['file']} [{name}]: {'pass' if clip.passed else 'FAIL'}", file=sys.stderr, flush=True)
        per_set[labels_file] = totals(scores)
        all_scores += scores
        if not args.json and len(sets) > 1:
            print(f"{labels_file}: {_summary(per_set[labels_file])}", flush=True)
    summary = totals(all_scores)
    if args.json:
        labels = args.labels[0] if len(args.labels) == 1 else list(args.labels)
        out = {"labels": labels, "clips": rows, "totals": summary, "sets": per_set}
        if args.totals_only:
            del out["clips"]
        print(json.dumps(out))
    else:
        print(f"total: {_summary(summary)}")
    if args.strict and summary["passed"] < summary["clips"]:
        return 3
    return 0


def _evaluate(entry: dict, folder: Path, name: str, cfg, cache_dir: str | None):
    from kiosk.analysis.pose_cache import PoseCache
    from kiosk.analysis.scoring import score
    from kiosk.analysis.settings import body_settings, pose_settings
    from kiosk.analysis.variants import variant as named
    from kiosk.analysis.video import VideoOptions, analyse_frames, read_frames

    variant = named(name)
    path = folder / entry["file"]
    labels = variant.labels(entry)
    options = VideoOptions(variant.max_fps or cfg.max_fps, pose_settings(cfg, variant.rotation), body_settings(cfg))
    cache = PoseCache(cache_dir) if cache_dir else None
    poses = cache.load(path, name, options.max_fps, options.pose) if cache else None
    if poses is None:
        frames, duration = read_frames(str(path))
        result = analyse_frames(variant.frames(frames, duration), entry["file"], labels["duration_s"], options)
        if cache:
            cache.save(path, name, options.max_fps, options.pose, result.poses)
    else:
        result = analyse_frames([], entry["file"], labels["duration_s"], options, poses=poses)
    data = result.to_json()
    return score(labels, data, name), data


def _read_labels(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"labels file {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read labels file {path} ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) and "file" in e and "duration_s" in e for e in data):
        raise UsageError(f"{path} is not a labels file (expected a JSON array of objects with 'file' and 'duration_s')")
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry["file"], str) or not entry["file"]:
            raise UsageError(f"{path} entry {index}: 'file' must be the clip's file name")
        duration = entry["duration_s"]
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
            raise UsageError(f"{path} entry {index} ({entry['file']}): 'duration_s' must be a number of seconds above 0")
    return data


def _fmt(value, unit: str) -> str:
    return "—" if value is None else f"{value:+.2f}{unit}" if unit == "s" else f"{value:+.0f}{unit}"


def _row(c) -> str:
    turn = f"{'yes' if c.expected_turn else 'no':>3}/{c.complete_turns}"
    if c.direction_ok is None:
        direction = "—"
    elif c.direction is None:
        direction = "none"
    else:
        direction = c.direction + (" ok" if c.direction_ok else " WRONG")
    yaw = "—" if c.yaw_front_err_deg is None else f"{c.yaw_front_err_deg:.0f}°"
    yaw += "/" + ("—" if c.yaw_back_err_deg is None else f"{c.yaw_back_err_deg:.0f}°")
    if c.yaw_err_deg is not None:
        yaw += f" every frame {c.yaw_err_deg:.0f}° (p90 {c.yaw_err_p90_deg:.0f}°)"
    gestures = f"  gestures {c.gestures_found}/{c.gestures_expected} false {c.false_gestures}" if (
        c.gestures_expected or c.false_gestures) else ""
    return (f"{c.file[:36]:36} {c.variant:9} turn {turn}  start {_fmt(c.start_err_s, 's'):>7}  end {_fmt(c.end_err_s, 's'):>7}"
            f"  rot {_fmt(c.rotation_err_deg, '°'):>5}  dir {direction:9}  false {c.false_turns}{gestures}"
            f"  yaw err front/back {yaw:9}  {'pass' if c.passed else 'FAIL'}")


def _summary(t: dict) -> str:
    return (f"{t['passed']}/{t['clips']} clips pass; turns found {t['turns_found']}/{t['turns_expected']}; "
            f"start error mean {t['start_err_mean_abs_s']} s (max {t['start_err_max_abs_s']}); end error mean "
            f"{t['end_err_mean_abs_s']} s (max {t['end_err_max_abs_s']}); rotation error mean "
            f"{t['rotation_err_mean_abs_deg']}° (max {t['rotation_err_max_abs_deg']}); wrong direction "
            f"{t['direction_wrong']}; false turns {t['false_turns']}; gestures found {t['gestures_found']}/"
            f"{t['gestures_expected']}, false gestures {t['false_gestures']}; yaw track error front "
            f"{t['yaw_front_err_mean_deg']}°, back {t['yaw_back_err_mean_deg']}°, every labelled frame "
            f"{t['yaw_err_mean_deg']}°")
