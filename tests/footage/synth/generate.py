#!/usr/bin/env python3
"""Render people turning on the spot (and gesturing) with exact labels: test tooling, never shipped.

Pipeline: `clips.py` scripts each clip as keyframes; this module samples the script per frame
(body yaw, stepping feet, head, arms, idle sway), writes one render job per clip, has
`render.mjs` draw the frames in headless Chromium (three.js, Mesa llvmpipe under Xvfb, or
SwiftShader), encodes them with ffmpeg (H.264 High, yuv420p, faststart), and derives the labels
from the same samples plus the joints' image positions the page reports (for "wrist above the
head"). No detector or pose model is involved anywhere.

    python3 tests/footage/synth/generate.py --models DIR [--only NAME ...] [--stage render|encode|all]

DIR must hold Michelle.glb and Soldier.glb from the three.js examples (sha256 checked; see
MANIFEST.md). Output: tests/footage/synth/clips/*.mp4 and tests/footage/synth-{dev,holdout}.json.
Deterministic: no randomness beyond the per-clip seeds in clips.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from clips import (  # noqa: E402
    ARM_POSES, CHARACTERS, FPS, HEIGHT, LEG_LIFT, LEG_STAND, LIGHTS, OUTFITS, ROOMS, SKIN, WIDTH, Clip, clips,
)

FOOTAGE = HERE.parent
CLIPS_DIR = HERE / "clips"
CRF = 26
FRONT_DEG = 10.0  # "faces front" / "back square to the camera": within this many degrees
MOVING_DEG = 2.0  # "rotation visible": the turn has moved this far from where it started/ends
STEP_DEG = 90.0  # one step of the feet per this much rotation


def smooth(u: float) -> float:
    u = min(max(u, 0.0), 1.0)
    return u * u * (3 - 2 * u)


def sample(keys: list, t: float, lerp) -> object:
    """Value of an eased keyframe track at t (held before the first and after the last key)."""
    value = lambda k: k[1:] if len(k) > 2 else k[1]  # noqa: E731
    if t <= keys[0][0]:
        return lerp(value(keys[0]), value(keys[0]), 0.0)
    for a, b in zip(keys, keys[1:]):
        if t <= b[0]:
            u = smooth((t - a[0]) / (b[0] - a[0])) if b[0] > a[0] else 1.0
            return lerp(value(a), value(b), u)
    return lerp(value(keys[-1]), value(keys[-1]), 0.0)


def lerp_num(a, b, u):
    if isinstance(a, tuple):
        return tuple(x + (y - x) * u for x, y in zip(a, b))
    return a + (b - a) * u


def lerp_pose(a: str, b: str, u: float):
    pa, pb = ARM_POSES[a], ARM_POSES[b]
    return tuple(_norm(tuple(x + (y - x) * u for x, y in zip(va, vb))) for va, vb in zip(pa, pb))


def _norm(v):
    n = math.sqrt(sum(c * c for c in v)) or 1.0
    return tuple(c / n for c in v)


def _rot_z(v, deg):
    """Rotate a body-frame direction about the body's forward axis (a hand waving side to side)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return (c * v[0] - s * v[1], s * v[0] + c * v[1], v[2])


def _mirror(v):
    return (-v[0], v[1], v[2])


def wrap180(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


class Script:
    """A clip's keyframes sampled at its frame times."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.n = int(round(clip.duration * FPS))
        self.times = [i / FPS for i in range(self.n)]
        self.turn = [sample(clip.yaw_keys, t, lerp_num) for t in self.times]
        self.phase = (clip.seed % 97) / 97.0 * 2 * math.pi

    def jitter(self, t: float) -> float:
        return 0.8 * math.sin(2 * math.pi * t / 2.7 + self.phase) + 0.4 * math.sin(2 * math.pi * t / 1.3 + 2 * self.phase)

    def velocity(self, i: int) -> float:
        a, b = max(0, i - 1), min(self.n - 1, i + 1)
        return (self.turn[b] - self.turn[a]) / ((b - a) / FPS) if b > a else 0.0

    def pose(self, i: int) -> dict:
        c, t = self.clip, self.times[i]
        yaw = self.turn[i] + self.jitter(t)
        vel = self.velocity(i)
        head = sample(c.head_keys, t, lerp_num) if c.head_keys else (0.0, 0.0)
        lead = max(-12.0, min(12.0, 0.05 * vel))  # the head leads a turn a little
        chest = sample(c.chest_keys, t, lerp_num) if c.chest_keys else 0.0
        sway = math.sin(2 * math.pi * t / 3.1 + self.phase)
        limbs = {}
        for side, bone in (("left", "Left"), ("right", "Right")):
            keys = c.arm_keys.get(side, [(0.0, "down")])
            upper, fore, hand = sample(keys, t, lerp_pose)
            for t0, t1, wave_side in c.waves:
                if wave_side == side and t0 <= t <= t1:
                    fade = min(1.0, (t - t0) / 0.25, (t1 - t) / 0.25)
                    angle = 24.0 * fade * math.sin(2 * math.pi * 2.2 * (t - t0))
                    fore, hand = _rot_z(fore, angle), _rot_z(hand, angle)
            for t0, t1 in c.tugs:
                if t0 <= t <= t1:
                    dip = 0.18 * abs(math.sin(2 * math.pi * 1.4 * (t - t0)))
                    fore, hand = _norm((fore[0], fore[1] - dip, fore[2])), _norm((hand[0], hand[1] - dip, hand[2]))
            if side == "right":
                upper, fore, hand = _mirror(upper), _mirror(fore), _mirror(hand)
            limbs[f"{bone}Arm"], limbs[f"{bone}ForeArm"], limbs[f"{bone}Hand"] = upper, fore, hand
        lift = self.lifts(i)
        for side, bone, sign in (("left", "Left", 1), ("right", "Right", -1)):
            k = lift[side]
            up = _norm(tuple(a + (b - a) * k for a, b in zip(LEG_STAND[0], LEG_LIFT[0])))
            low = _norm(tuple(a + (b - a) * k for a, b in zip(LEG_STAND[1], LEG_LIFT[1])))
            limbs[f"{bone}UpLeg"] = (sign * up[0], up[1], up[2])
            limbs[f"{bone}Leg"] = (sign * low[0], low[1], low[2])
        return {
            "yaw": yaw, "x": 0.012 * sway, "hip_roll": 1.8 * sway, "chest_roll": -0.9 * sway, "chest_yaw": chest,
            "head_yaw": head[0] + lead, "head_pitch": head[1], "limbs": {k: list(v) for k, v in limbs.items()},
        }

    def lifts(self, i: int) -> dict[str, float]:
        """Feet stepping while the body turns: one foot lifts per STEP_DEG of rotation."""
        moved = abs(self.turn[i] - self.turn[0])
        travelled = sum(abs(self.turn[j] - self.turn[j - 1]) for j in range(1, i + 1))
        out = {"left": 0.0, "right": 0.0}
        if abs(self.velocity(i)) < 15.0 or moved == 0.0 and travelled == 0.0:
            return out
        step, frac = divmod(travelled, STEP_DEG)
        first = self.direction() == "clockwise"  # turning to the own right: the right foot leads
        foot = ("right" if first else "left") if int(step) % 2 == 0 else ("left" if first else "right")
        out[foot] = 0.6 * math.sin(math.pi * frac / STEP_DEG)
        return out

    def direction(self) -> str | None:
        for a, b in zip(self.turn, self.turn[1:]):
            if abs(b - a) > 1e-9:
                return "clockwise" if b > a else "counter-clockwise"
        return None

    def head_world(self, i: int) -> float:
        p = self.pose(i)
        return p["yaw"] + p["chest_yaw"] + p["head_yaw"]


def job(clip: Clip, script: Script, out_dir: Path) -> dict:
    character = dict(CHARACTERS[clip.character])
    outfit = dict(OUTFITS[clip.outfit])
    if SKIN.get(clip.skin):
        outfit["skin"] = SKIN[clip.skin]
    fov = 2 * math.degrees(math.atan(1.12 / clip.camera.distance))
    return {
        "config": {
            "width": WIDTH, "height": HEIGHT, "seed": clip.seed,
            "quality": {"antialias": False, "shadows": False, "standard": True},
            "room": ROOMS[clip.room], "lights": LIGHTS[clip.lights],
            "camera": {"fov": fov, "x": clip.camera.x, "height": clip.camera.height,
                       "distance": clip.camera.distance, "look_at": 0.92},
            "character": {"file": clip.character, "height_m": clip.height_m,
                          "classes": character["classes"], "outfit": outfit},
        },
        "frames": [script.pose(i) for i in range(script.n)],
        "out_dir": str(out_dir),
    }


def check_models(models: Path) -> None:
    for name, spec in CHARACTERS.items():
        path = models / name
        if not path.is_file():
            sys.exit(f"{path} is missing (see tests/footage/MANIFEST.md for where to get it)")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != spec["sha256"]:
            sys.exit(f"{path} has sha256 {digest}, expected {spec['sha256']}")


def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def render(selected: list[Clip], models: Path, work: Path, gl: str) -> None:
    check_models(models)
    jobs = []
    for clip in selected:
        out_dir = work / clip.name
        shutil.rmtree(out_dir, ignore_errors=True)
        path = work / f"{clip.name}.job.json"
        path.write_text(json.dumps(job(clip, Script(clip), out_dir)))
        jobs.append(str(path))
    env = dict(os.environ, SYNTH_GL=gl)
    xvfb = None
    if gl == "llvmpipe":
        display = free_display()
        xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{display}").exists():
                break
            time.sleep(0.1)
        env["DISPLAY"] = f":{display}"
    try:
        subprocess.run(["node", str(HERE / "render.mjs"), str(models), *jobs], check=True, env=env, cwd=HERE)
    finally:
        if xvfb:
            xvfb.terminate()
            xvfb.wait(10)


def encode(clip: Clip, work: Path) -> Path:
    CLIPS_DIR.mkdir(exist_ok=True)
    out = CLIPS_DIR / f"{clip.name}.mp4"
    # A little sensor-like grain and softness so the frames are less clean than a render.
    vf = f"gblur=sigma=0.45,noise=alls=3:allf=t:all_seed={clip.seed},format=yuv420p"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-framerate", str(FPS), "-i", str(work / clip.name / "%05d.png"),
         "-vf", vf, "-c:v", "libx264", "-preset", "slow", "-crf", str(CRF), "-profile:v", "high",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-map_metadata", "-1", "-an", str(out)],
        check=True,
    )
    return out


def _frames_to_intervals(flags: list[bool], duration: float) -> list[list[float]]:
    out, start = [], None
    for i, flag in enumerate(flags + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append([round(start / FPS, 3), round(min(i / FPS, duration), 3)])
            start = None
    return out


def turn_labels(script: Script, kind: str) -> dict | None:
    yaw, times = script.turn, script.times
    if kind not in ("turn", "turn_partial"):
        return None
    first, final = yaw[0], yaw[-1]
    direction = script.direction()
    sign = 1 if direction == "clockwise" else -1
    rel = [sign * (y - first) for y in yaw]  # rotation in the turn's own direction
    peak = max(rel)
    start_i = next(i for i, r in enumerate(rel) if abs(r) >= MOVING_DEG)
    end_rot_i = max(i for i, y in enumerate(yaw) if abs(y - final) >= MOVING_DEG) + 1
    back = [abs(wrap180(r - 180.0)) <= FRONT_DEG and r > 90 for r in rel]
    crossing = next((i for i, r in enumerate(rel) if r >= 180.0), None)
    back_i = next((i for i, b in enumerate(back) if b), None)
    if crossing is not None and (back_i is None or back_i > crossing):
        # A fast turn can pass the back between two frames: take the frame nearest to 180 degrees.
        back_i = min((crossing - 1, crossing), key=lambda i: abs(rel[i] - 180.0))
    back_interval = None
    if back_i is not None:
        j = back_i
        while j + 1 < len(back) and back[j + 1]:
            j += 1
        back_interval = [round(times[back_i], 3), round(times[j], 3)]
    complete = peak >= 360.0 - FRONT_DEG and rel[-1] >= 360.0 - FRONT_DEG
    end_i = next((i for i, r in enumerate(rel) if r >= 360.0 - FRONT_DEG), None) if complete else None
    if complete:
        pattern = "multi" if peak > 360.0 + FRONT_DEG else "full"
    elif rel[-1] < peak - 45.0:
        pattern = "turn_and_return"
    else:
        pattern = "partial"
    peak_i = rel.index(peak)
    returns_i = next((i for i in range(peak_i, len(rel)) if abs(rel[i]) <= FRONT_DEG), None)
    holds = []
    for a, b in zip(script.clip.yaw_keys, script.clip.yaw_keys[1:]):
        if a[1] == b[1] and b[0] > a[0] and a[0] > script.clip.yaw_keys[0][0]:
            holds.append({"from_s": a[0], "to_s": b[0], "yaw_deg": a[1]})
    t = lambda i: None if i is None else round(times[i], 3)  # noqa: E731
    out = {
        "rotation_deg": int(round(peak)),
        "complete": bool(complete),
        "pattern": pattern,
        "direction_from_above": direction,
        "first_shoulder_away": "right" if direction == "clockwise" else "left",
        "start_s": t(start_i),
        "back_s": t(back_i),
        "end_s": t(end_i),
        "confidence": "exact",
        "back_interval_s": back_interval,
        "rotation_end_s": t(end_rot_i),
        "time_tolerance_s": round(1.0 / FPS, 3),
        "confidence_detail": {
            "all": "exact: from the keyframes that rendered the clip, to the frame",
            "start": f"first frame the body has turned {MOVING_DEG:g} degrees from where it stood",
            "back": f"first frame the body yaw is within {FRONT_DEG:g} degrees of 180 (back square to the camera); "
                    "where a fast turn passes 180 between two frames, the frame nearer to 180",
            "end": f"first frame the body is within {FRONT_DEG:g} degrees of facing front after 360 degrees",
            "rotation_end": f"first frame after which the body stays within {MOVING_DEG:g} degrees of its final yaw",
        },
        "approx_frames": {
            "start": start_i, "back": back_i, "end": end_i,
        },
    }
    if pattern == "turn_and_return":
        out["returns_front_s"] = t(returns_i)
    if holds:
        out["holds"] = holds
    return out


def gesture_labels(clip: Clip, script: Script, joints: list[dict]) -> tuple[list[dict], list[dict]]:
    gestures, lookalikes = [], []
    for ev in clip.events:
        if ev.kind == "raise_hand":
            wrist = "LeftHand" if ev.side == "left" else "RightHand"
            above = [i for i, j in enumerate(joints) if ev.start <= script.times[i] <= ev.end
                     and j[wrist][1] < j["HeadTop_End"][1]]
            if not above:
                raise RuntimeError(f"{clip.name}: the raised hand never gets above the head")
            raised, last = script.times[above[0]], script.times[above[-1]]
            if last - raised < 1.0:
                raise RuntimeError(f"{clip.name}: the hand is above the head for only {last - raised:.2f} s")
            gestures.append({"kind": "raise_hand", "hand": ev.side, "start_s": round(ev.start, 3),
                             "raised_s": round(raised, 3), "t_s": round(raised + 1.0, 3), "end_s": round(last, 3)})
        elif ev.kind in ("swipe_left", "swipe_right"):
            wrist = "LeftHand" if ev.side == "left" else "RightHand"
            i0, i1 = round(ev.start * FPS), min(round(ev.end * FPS), script.n - 1)
            moved_px = joints[i1][wrist][0] - joints[i0][wrist][0]
            # swipe_left is towards the person's own left = image-right in the file.
            if (moved_px > 0) != (ev.kind == "swipe_left"):
                raise RuntimeError(f"{clip.name}: {ev.kind} moves the wrist the wrong way in the image")
            gestures.append({"kind": ev.kind, "hand": ev.side, "start_s": round(ev.start, 3), "t_s": round(ev.end, 3),
                             "end_s": round(ev.end, 3), "wrist_travel_px": round(abs(moved_px), 1)})
        else:
            # A look-alike must not be a raise by the label's own definition (a wrist above the head for 1 s).
            run = longest = 0
            for i, j in enumerate(joints):
                up = ev.start <= script.times[i] <= ev.end and min(j["LeftHand"][1], j["RightHand"][1]) < j["HeadTop_End"][1]
                run = run + 1 if up else 0
                longest = max(longest, run)
            if longest / FPS >= 1.0:
                raise RuntimeError(f"{clip.name}: look-alike {ev.kind} holds a wrist above the head for {longest / FPS:.2f} s")
            lookalikes.append({"kind": ev.kind, "start_s": round(ev.start, 3), "end_s": round(ev.end, 3), "note": ev.note,
                               "wrist_above_head_s": round(longest / FPS, 3)})
    return gestures, lookalikes


def whole_person(j: dict) -> bool:
    xs = [p[0] for p in j.values()]
    ys = [p[1] for p in j.values()]
    head = j["HeadTop_End"][1] - 0.35 * abs(j["Neck"][1] - j["HeadTop_End"][1])  # hair above the skull
    return min(xs) >= 2 and max(xs) <= WIDTH - 2 and head >= 0 and max(ys) <= HEIGHT - 2


def probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    v = info["streams"][0]
    rate = Fraction(v["r_frame_rate"])
    return {"duration_s": round(float(info["format"]["duration"]), 3), "fps": round(float(rate), 3),
            "fps_rational": f"{rate.numerator}/{rate.denominator}", "width": v["width"], "height": v["height"],
            "frame_count": int(v["nb_read_frames"]), "codec": v["codec_name"], "pix_fmt": v["pix_fmt"]}


def label(clip: Clip, work: Path, path: Path) -> dict:
    script = Script(clip)
    data = json.loads((work / clip.name / "joints.json").read_text())
    joints = data["joints"]
    if len(joints) != script.n:
        raise RuntimeError(f"{clip.name}: {len(joints)} rendered frames, expected {script.n}")
    info = probe(path)
    if info["frame_count"] != script.n:
        raise RuntimeError(f"{clip.name}: encoded {info['frame_count']} frames, expected {script.n}")
    turn = turn_labels(script, clip.kind)
    gestures, lookalikes = gesture_labels(clip, script, joints)
    flags = [whole_person(j) for j in joints]
    whole = _frames_to_intervals(flags, info["duration_s"])
    partial = _frames_to_intervals([not f for f in flags], info["duration_s"])
    character = CHARACTERS[clip.character]
    entry = {
        "file": f"synth/clips/{path.name}",
        "kind": clip.kind,
        "batch": clip.batch,
        "synthetic": True,
        **info,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "person_intervals": whole,
        "partial_person_intervals": partial,
        "total_rotation_deg": turn["rotation_deg"] if turn else 0,
        "turn": turn,
        "gestures": gestures,
        "lookalikes": lookalikes,
        "tags": ["rendered", *clip.tags],
        "notes": clip.notes or _describe(clip),
        "labelled": "exact, from the animation that rendered the clip (tests/footage/synth); no pose model",
        "source": {
            "generator": "tests/footage/synth/generate.py",
            "clip": clip.name,
            "seed": clip.seed,
            "character": clip.character,
            "character_sha256": character["sha256"],
            "outfit": clip.outfit, "skin": clip.skin or None, "height_m": clip.height_m,
            "room": clip.room, "lights": clip.lights,
            "camera": {"height_m": clip.camera.height, "distance_m": clip.camera.distance},
            "licence": "Rendered by us from a Mixamo character (Adobe Mixamo, via the three.js examples; see MANIFEST.md). Test-only: never shipped.",
        },
        "processing": f"three.js r170 in headless Chromium ({data['info']['gl']}), {WIDTH}x{HEIGHT} PNG frames at {FPS} fps; "
                      f"ffmpeg libx264 -preset slow -crf {CRF} -profile:v high, gblur 0.45 + temporal noise 3, yuv420p, +faststart, no metadata",
        "yaw_truth": [[round(t, 3), round(script.turn[i] + script.jitter(t), 2)] for i, t in enumerate(script.times)],
        "head_yaw_truth": [[round(t, 3), round(script.head_world(i), 2)] for i, t in enumerate(script.times)],
    }
    if turn is not None:
        for key in ("start", "back", "end"):
            entry["turn"]["approx_frames"][key] = None if turn[f"{key}_s"] is None else round(turn[f"{key}_s"] * FPS)
    return entry


def _describe(clip: Clip) -> str:
    who = {"Michelle.glb": "Rendered woman (Mixamo 'Michelle': curly hair in two buns, sunglasses, headphones, crop top, loose trousers)",
           "Soldier.glb": "Rendered man (Mixamo 'Soldier'/Vanguard: helmet with visor, padded jacket and trousers)"}[clip.character]
    return (f"{who}, outfit '{clip.outfit}', {clip.height_m:.2f} m tall, room '{clip.room}', lights '{clip.lights}', "
            f"camera {clip.camera.height:.1f} m high at {clip.camera.distance:.1f} m. Yaw keyframes (t s, deg clockwise from above): "
            f"{clip.yaw_keys}. Idle sway (hips, small yaw jitter under 1.2 deg) throughout; feet step while turning.")


def write_splits(entries: list[dict]) -> None:
    """Per kind, in (batch, sha256) order, positions 2, 5, 8, ... go to the holdout (MANIFEST.md)."""
    holdout = set()
    for kind in {e["kind"] for e in entries}:
        group = sorted((e for e in entries if e["kind"] == kind), key=lambda e: (e["batch"], e["sha256"]))
        holdout |= {e["file"] for pos, e in enumerate(group, start=1) if pos % 3 == 2}
    order = sorted(entries, key=lambda e: e["file"])
    for name, part in (("synth-dev.json", [e for e in order if e["file"] not in holdout]),
                       ("synth-holdout.json", [e for e in order if e["file"] in holdout])):
        text = json.dumps(part, indent=1)
        # One line per [t, value] pair keeps the per-frame tracks readable in a diff.
        text = re.sub(r"\[\n\s+(-?[\d.]+|null),\n\s+(-?[\d.]+|null)\n\s+\]", r"[\1, \2]", text)
        (FOOTAGE / name).write_text(text + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, help="folder with Michelle.glb and Soldier.glb")
    ap.add_argument("--work", type=Path, default=Path("/tmp/footage-synth"), help="frames and joints (kept for re-labelling)")
    ap.add_argument("--only", nargs="*", help="clip names (default: all)")
    ap.add_argument("--stage", choices=("render", "encode", "all"), default="all")
    ap.add_argument("--gl", choices=("llvmpipe", "swiftshader"), default="llvmpipe")
    args = ap.parse_args()
    every = clips()
    selected = [c for c in every if not args.only or c.name in args.only]
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stage in ("render", "all"):
        if not args.models:
            ap.error("--models is needed to render")
        render(selected, args.models, args.work, args.gl)
    if args.stage in ("encode", "all"):
        for clip in selected:
            encode(clip, args.work)
        # Labels cover every clip whose frames exist; the committed labels of the others are kept
        # as they are (a later batch is rendered without re-rendering the earlier ones).
        entries = [label(c, args.work, CLIPS_DIR / f"{c.name}.mp4") for c in every
                   if (args.work / c.name / "joints.json").exists() and (CLIPS_DIR / f"{c.name}.mp4").exists()]
        fresh = {e["file"] for e in entries}
        names = {f"synth/clips/{c.name}.mp4" for c in every}
        for split in ("synth-dev.json", "synth-holdout.json"):
            if (FOOTAGE / split).is_file():
                entries += [e for e in json.loads((FOOTAGE / split).read_text())
                            if e["file"] not in fresh and e["file"] in names]
        write_splits(entries)
        print(f"{len(entries)} clips labelled; {sum((CLIPS_DIR / Path(e['file']).name).stat().st_size for e in entries)} bytes")


if __name__ == "__main__":
    main()
