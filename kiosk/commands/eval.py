"""``kiosk eval footage LABELS.json``: run ``analyze`` over labelled clips and score it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.config import load_config
from kiosk.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="score the analysis against labelled footage")
    sub = p.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    f = sub.add_parser("footage", help="analyse every labelled clip and compare with the labels")
    f.add_argument("labels", metavar="LABELS.json", help="labels (the format of shared/footage/labels.json)")
    f.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    f.add_argument("--dir", help="folder of the clips (default: the folder of LABELS.json)")
    f.add_argument("--variants", default="original",
                   help="comma-separated clip variations to run, or 'all' (original, mirrored, reversed, "
                        "slow0.5x, fast2x, letterbox, dim, dropouts, 10fps, sideways)")
    f.add_argument("--config", help="configuration file whose [analysis] section is used")
    f.add_argument("--strict", action="store_true", help="exit with status 3 when a clip misses the targets")
    f.set_defaults(func=eval_footage)


def eval_footage(args: argparse.Namespace) -> int:
    from kiosk.analysis.scoring import score, totals
    from kiosk.analysis.settings import body_settings, pose_settings
    from kiosk.analysis.variants import VARIANTS
    from kiosk.analysis.video import VideoOptions, analyse_frames, read_frames

    cfg = load_config(args.config).analysis
    entries = _read_labels(Path(args.labels))
    folder = Path(args.dir) if args.dir else Path(args.labels).resolve().parent
    names = list(VARIANTS) if args.variants == "all" else [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown or not names:
        raise UsageError(f"unknown variant {', '.join(unknown) or '(none given)'}; known: {', '.join(VARIANTS)}")
    scores, rows = [], []
    for entry in entries:
        path = folder / entry["file"]
        if not path.is_file():
            raise UsageError(f"clip {path} named in {args.labels} does not exist")
        for name in names:
            variant = VARIANTS[name]
            frames, duration = read_frames(str(path))
            labels = variant.labels(entry)
            options = VideoOptions(variant.max_fps or cfg.max_fps, pose_settings(cfg, variant.rotation), body_settings(cfg))
            result = analyse_frames(variant.frames(frames, duration), entry["file"], labels["duration_s"], options)
            data = result.to_json()
            clip = score(labels, data, name)
            scores.append(clip)
            rows.append({**clip.to_json(), "analysis": data})
            if not args.json:
                print(_row(clip), flush=True)
            else:
                print(f"{entry['file']} [{name}]: {'pass' if clip.passed else 'FAIL'}", file=sys.stderr, flush=True)
    summary = totals(scores)
    if args.json:
        print(json.dumps({"labels": str(args.labels), "clips": rows, "totals": summary}))
    else:
        print(_summary(summary))
    if args.strict and summary["passed"] < summary["clips"]:
        return 3
    return 0


def _read_labels(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"labels file {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read labels file {path} ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(e, dict) and "file" in e and "duration_s" in e for e in data):
        raise UsageError(f"{path} is not a labels file (expected a JSON array of objects with 'file' and 'duration_s')")
    return data


def _fmt(value, unit: str) -> str:
    return "—" if value is None else f"{value:+.2f}{unit}" if unit == "s" else f"{value:+.0f}{unit}"


def _row(c) -> str:
    turn = f"{'yes' if c.expected_turn else 'no':>3}/{c.complete_turns}"
    direction = "—" if c.direction_ok is None else (c.direction + (" ok" if c.direction_ok else " WRONG"))
    return (f"{c.file[:36]:36} {c.variant:9} turn {turn}  start {_fmt(c.start_err_s, 's'):>7}  end {_fmt(c.end_err_s, 's'):>7}"
            f"  rot {_fmt(c.rotation_err_deg, '°'):>5}  dir {direction:9}  false {c.false_turns}  "
            f"{'pass' if c.passed else 'FAIL'}")


def _summary(t: dict) -> str:
    return (f"total: {t['passed']}/{t['clips']} clips pass; turns found {t['turns_found']}/{t['turns_expected']}; "
            f"start error mean {t['start_err_mean_abs_s']} s (max {t['start_err_max_abs_s']}); end error mean "
            f"{t['end_err_mean_abs_s']} s (max {t['end_err_max_abs_s']}); rotation error mean "
            f"{t['rotation_err_mean_abs_deg']}° (max {t['rotation_err_max_abs_deg']}); wrong direction "
            f"{t['direction_wrong']}; false turns {t['false_turns']}")
