"""The rendered clips: who, where, how lit, and what they do, as keyframed tracks.

Every clip is a `Clip`: a character with an outfit, a room, lights, a camera and a script of
keyframes (body yaw, head, arms, gestures). `generate.py` samples the script per frame, has the
page render it, and derives the labels from the same script, so the labels are exact.

Body frame used by all directions: +x the person's own left, +y up, +z their front.
Yaw: degrees clockwise seen from above (a turn to the person's own right), 0 facing the camera,
unwrapped (a full clockwise turn goes 0 -> 360).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FPS = 15
WIDTH, HEIGHT = 270, 480

# Arm poses for the person's LEFT arm, as directions of (upper arm, forearm, hand) in the body
# frame; the right arm mirrors x.
ARM_POSES = {
    "down": ((0.14, -1.0, 0.02), (0.06, -1.0, 0.12), (0.04, -1.0, 0.1)),
    "apose": ((0.62, -0.78, 0.0), (0.58, -0.8, 0.06), (0.55, -0.8, 0.1)),
    "hips": ((0.55, -0.72, -0.3), (-0.5, -0.6, 0.35), (-0.6, -0.7, 0.2)),
    "raise": ((0.16, 1.0, 0.06), (0.05, 1.0, 0.1), (0.02, 1.0, 0.05)),
    "hair": ((0.78, 0.55, -0.12), (-0.55, 0.6, -0.55), (-0.6, 0.3, -0.4)),
    "collar": ((0.3, -0.85, 0.45), (-0.6, 0.7, 0.35), (-0.9, 0.25, 0.3)),
    "crossed": ((0.26, -0.85, 0.35), (-0.95, 0.12, 0.3), (-0.95, 0.05, 0.3)),
    "wave": ((0.85, -0.35, 0.3), (0.15, 1.0, 0.25), (0.12, 1.0, 0.2)),
    "hem": ((0.2, -0.92, 0.25), (-0.15, -0.6, 0.8), (-0.2, -0.8, 0.5)),
    # A hand at chest height out to the side, and across the body to the other side.
    "swipe_out": ((0.5, -0.55, 0.65), (0.45, 0.12, 0.88), (0.45, 0.1, 0.88)),
    "swipe_across": ((-0.05, -0.5, 0.86), (-0.85, 0.12, 0.5), (-0.9, 0.1, 0.4)),
}

LEG_STAND = ((0.06, -1.0, 0.0), (0.03, -1.0, -0.02))
LEG_LIFT = ((0.07, -0.97, 0.22), (0.05, -0.98, -0.2))

# Mixamo characters from the three.js examples (see MANIFEST.md for origin and terms).
CHARACTERS = {
    "Michelle.glb": {
        "sha256": "7a87e15a99ccbc5e5877be66e1e4ecae0a581adcafa0cce1a5569f49909e968e",
        "classes": [
            {"name": "trousers", "rule": {"hue": [38, 75], "sat": [0.35, 1], "val": [0.4, 1]}},
            {"name": "top", "rule": {"sat": [0, 0.14], "val": [0.3, 0.82]}},
            {"name": "skin", "rule": {"hue": [8, 38], "sat": [0.25, 0.86], "val": [0.12, 0.8]}},
        ],
    },
    "Soldier.glb": {
        "sha256": "dfb230fc1f942f259dd00281a1186953ad602fc5d69067ce63e24b2aa439736b",
        "classes": [
            {"name": "jacket", "rule": {"hue": [14, 48], "sat": [0.12, 0.62], "val": [0.5, 1]}},
            {"name": "trousers", "rule": {"hue": [50, 150], "sat": [0.08, 0.7], "val": [0.12, 0.6]}},
        ],
    },
}

SKIN = {"dark": None, "medium": {"color": "#7e5037"}, "light": {"color": "#b98a6c"}}

# Outfits: colours, patterns and finishes for each character's garment classes.
OUTFITS = {
    "white-top_denim": {"top": {"color": "#f1f1ee"}, "trousers": {"color": "#2c3b57"}},
    "black-sequin": {"top": {"color": "#121212", "finish": "sequin"}, "trousers": {"color": "#0d0d0d", "finish": "sequin"}},
    "red-top_floral": {"top": {"color": "#a8222c"}, "trousers": {"color": "#efe6cf", "pattern": "floral", "pattern_color": "#3f6b3a", "scale": 5}},
    "striped-top_beige": {"top": {"color": "#f4f4f4", "pattern": "stripes", "pattern_color": "#1d2b4f", "scale": 4}, "trousers": {"color": "#c4b090"}},
    "mustard_black-shiny": {"top": {"color": "#d2a22a"}, "trousers": {"color": "#141414", "finish": "shiny"}},
    "flannel_grey": {"top": {"color": "#9e1f1f", "pattern": "checks", "pattern_color": "#141414", "scale": 6}, "trousers": {"color": "#7d7d80"}},
    "gold-sequin_black": {"top": {"color": "#c9a24a", "finish": "sequin", "metal": 0.95}, "trousers": {"color": "#151515"}},
    "green-dots_white": {"top": {"color": "#2f6b45", "pattern": "dots", "pattern_color": "#f0f0f0", "scale": 5}, "trousers": {"color": "#ececec"}},
    "navy-jacket": {"jacket": {"color": "#27324f"}, "trousers": {"color": "#2a2a2c"}},
    "black-shiny-jacket": {"jacket": {"color": "#161616", "finish": "shiny"}, "trousers": {"color": "#101010"}},
    "burgundy-jacket_khaki": {"jacket": {"color": "#6a1e29"}, "trousers": {"color": "#9b8f6a"}},
    "camel-jacket_olive": {"jacket": {"color": "#b48b5c"}, "trousers": {"color": "#55603c"}},
}

ROOMS = {
    "warm": {"wall": "#dcd4c8", "floor": "#8b7359", "floor_kind": "planks", "back_m": 2.4, "side_m": 2.0, "curtain": "#56687a", "curtain_x": 1.15},
    "grey": {"wall": "#b9bcc0", "floor": "#5d5f63", "floor_kind": "carpet", "back_m": 2.0, "side_m": 1.8, "stool": "#3b3b3b", "stool_x": -1.0},
    "white": {"wall": "#f0f0ee", "floor": "#d8d8d6", "floor_kind": "tiles", "back_m": 2.8, "side_m": 2.4},
    "green": {"wall": "#9fae98", "floor": "#6e5a44", "floor_kind": "planks", "back_m": 2.2, "side_m": 2.0, "curtain": "#7b2f35", "curtain_x": -1.1},
    "dark": {"wall": "#4a4540", "floor": "#3a3230", "floor_kind": "carpet", "back_m": 2.5, "side_m": 2.2, "stool": "#8c7a62", "stool_x": 1.0},
}

LIGHTS = {
    "studio": {"exposure": 1.0, "env": 0.55, "sky": "#ffffff", "ground": "#7a6a5a", "hemi": 0.6, "key_colour": "#fff3e2", "key": 2.2, "key_azimuth": 30, "key_height": 3.5, "fill_colour": "#ffffff", "fill": 8},
    "cool": {"exposure": 0.95, "env": 0.7, "sky": "#e8f0ff", "ground": "#555555", "hemi": 0.7, "key_colour": "#eef4ff", "key": 1.8, "key_azimuth": -40, "key_height": 3.0, "fill_colour": "#dde8ff", "fill": 6},
    "dim": {"exposure": 0.7, "env": 0.35, "sky": "#fff0dd", "ground": "#3a3028", "hemi": 0.35, "key_colour": "#ffd9a8", "key": 1.3, "key_azimuth": 60, "key_height": 2.8, "fill_colour": "#ffcf99", "fill": 3},
    "side": {"exposure": 1.05, "env": 0.4, "sky": "#ffffff", "ground": "#60554a", "hemi": 0.4, "key_colour": "#ffffff", "key": 3.0, "key_azimuth": 80, "key_height": 2.2, "fill_colour": "#ffffff", "fill": 2},
    "back": {"exposure": 1.0, "env": 0.6, "sky": "#ffffff", "ground": "#6a6a6a", "hemi": 0.55, "key_colour": "#fff6ea", "key": 2.5, "key_azimuth": 160, "key_height": 3.2, "fill_colour": "#ffffff", "fill": 7},
}


@dataclass
class Camera:
    height: float = 1.5
    distance: float = 3.2
    x: float = 0.0


@dataclass
class Event:
    """A labelled action: a gesture (raise_hand, swipe_left/right) or a look-alike interval."""

    kind: str
    start: float
    end: float
    side: str = ""  # the person's own hand for gestures
    note: str = ""


@dataclass
class Clip:
    name: str
    kind: str  # turn, turn_partial, negative, gesture
    character: str
    outfit: str
    skin: str
    height_m: float
    room: str
    lights: str
    camera: Camera
    duration: float
    yaw_keys: list[tuple[float, float]]  # (t, yaw) with eased motion between keys
    head_keys: list[tuple[float, float, float]] = field(default_factory=list)  # (t, yaw rel. body, pitch)
    arm_keys: dict[str, list[tuple[float, str]]] = field(default_factory=dict)  # side -> (t, pose name)
    chest_keys: list[tuple[float, float]] = field(default_factory=list)  # (t, chest yaw rel. hips)
    waves: list[tuple[float, float, str]] = field(default_factory=list)  # (t0, t1, side) hand waving
    tugs: list[tuple[float, float]] = field(default_factory=list)  # (t0, t1) hands tugging the hem
    events: list[Event] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    seed: int = 0
    batch: int = 1  # rendering round: the split orders each kind by (batch, sha256), so a later batch never moves an earlier clip


def _turn(t0: float, seconds_per_turn: float, degrees: float, start: float = 0.0) -> list[tuple[float, float]]:
    return [(t0, start), (t0 + seconds_per_turn * abs(degrees) / 360.0, start + degrees)]


def _arms(pose: str, **extra: list[tuple[float, str]]) -> dict[str, list[tuple[float, str]]]:
    keys = {"left": [(0.0, pose)], "right": [(0.0, pose)]}
    for side, more in extra.items():
        keys[side] = keys[side] + more
    return keys


def _hold_and_back(side_held: str, pose: str, t0: float, up: float, hold: float, down: float, rest: str = "down"):
    """Keys that move one arm from rest to `pose` (taking `up` s), hold it, and bring it back."""
    return [(t0, rest), (t0 + up, pose), (t0 + up + hold, pose), (t0 + up + hold + down, rest)]


def clips() -> list[Clip]:
    out: list[Clip] = []
    M, S = "Michelle.glb", "Soldier.glb"

    def add(**kw) -> None:
        kw.setdefault("seed", 1000 + len(out))
        out.append(Clip(**kw))

    # Complete turns: both directions, 0.6-3 s per turn, held backs, pauses, 540 degrees.
    add(name="t01_michelle_cw_2s", kind="turn", character=M, outfit="white-top_denim", skin="dark", height_m=1.66,
        room="warm", lights="studio", camera=Camera(1.5, 3.2), duration=4.6, yaw_keys=_turn(1.2, 2.0, 360),
        arm_keys=_arms("down"), tags=["woman", "white top", "jeans", "arms down", "clockwise", "medium speed"])
    add(name="t02_michelle_ccw_black-sequin", kind="turn", character=M, outfit="black-sequin", skin="medium", height_m=1.7,
        room="white", lights="studio", camera=Camera(1.6, 3.4), duration=5.0, yaw_keys=_turn(1.0, 2.5, -360),
        arm_keys=_arms("down"), tags=["woman", "dark", "sequinned", "counter-clockwise", "medium speed"])
    add(name="t03_soldier_cw_apose", kind="turn", character=S, outfit="navy-jacket", skin="", height_m=1.8,
        room="grey", lights="cool", camera=Camera(1.4, 3.4), duration=4.0, yaw_keys=_turn(1.0, 1.5, 360),
        arm_keys=_arms("apose"), tags=["man", "helmet", "navy jacket", "a-pose", "clockwise", "fast"])
    add(name="t04_michelle_ccw_fast_hips", kind="turn", character=M, outfit="red-top_floral", skin="light", height_m=1.63,
        room="green", lights="studio", camera=Camera(1.3, 3.0), duration=3.4, yaw_keys=_turn(1.1, 1.0, -360),
        arm_keys=_arms("hips"), tags=["woman", "patterned trousers", "hands on hips", "counter-clockwise", "fast"])
    add(name="t05_michelle_cw_slow", kind="turn", character=M, outfit="striped-top_beige", skin="medium", height_m=1.68,
        room="warm", lights="cool", camera=Camera(1.7, 3.3), duration=5.4, yaw_keys=_turn(1.0, 3.0, 360),
        arm_keys=_arms("down"), tags=["woman", "striped top", "trousers", "clockwise", "slow"])
    add(name="t06_soldier_ccw_veryfast_black", kind="turn", character=S, outfit="black-shiny-jacket", skin="", height_m=1.85,
        room="white", lights="studio", camera=Camera(1.5, 3.5), duration=2.8, yaw_keys=_turn(1.0, 0.6, -360),
        arm_keys=_arms("down"), tags=["man", "dark", "shiny", "counter-clockwise", "very fast"])
    add(name="t07_michelle_cw_backhold_head-left", kind="turn", character=M, outfit="mustard_black-shiny", skin="light",
        height_m=1.64, room="grey", lights="studio", camera=Camera(1.5, 3.1), duration=6.0,
        yaw_keys=[(1.0, 0), (2.1, 180), (3.7, 180), (4.8, 360)], head_keys=[(2.1, 0, 0), (2.5, -25, 3), (3.3, -25, 3), (3.7, 0, 0)],
        arm_keys=_arms("down"), tags=["woman", "shiny trousers", "back-view hold", "head turned", "clockwise"])
    add(name="t08_michelle_ccw_backhold_gold-sequin", kind="turn", character=M, outfit="gold-sequin_black", skin="dark",
        height_m=1.72, room="dark", lights="dim", camera=Camera(1.6, 3.2), duration=5.6,
        yaw_keys=[(1.0, 0), (2.0, -180), (3.2, -180), (4.2, -360)], head_keys=[(2.0, 0, 0), (2.3, 30, 0), (2.9, 30, 0), (3.2, 0, 0)],
        arm_keys=_arms("hips"), tags=["woman", "sequinned", "gold", "back-view hold", "head turned", "counter-clockwise", "dim light"])
    add(name="t09_soldier_cw_backhold", kind="turn", character=S, outfit="burgundy-jacket_khaki", skin="", height_m=1.78,
        room="green", lights="side", camera=Camera(1.6, 3.4), duration=6.4,
        yaw_keys=[(1.0, 0), (2.2, 180), (4.2, 180), (5.4, 360)], head_keys=[(2.2, 0, 0), (2.6, 22, -4), (3.8, 22, -4), (4.2, 0, 0)],
        arm_keys=_arms("down"), tags=["man", "back-view hold", "head turned", "clockwise", "side light"])
    add(name="t10_michelle_cw_paused", kind="turn", character=M, outfit="flannel_grey", skin="dark", height_m=1.6,
        room="white", lights="cool", camera=Camera(1.4, 3.0), duration=6.2,
        yaw_keys=[(1.0, 0), (1.6, 90), (2.4, 90), (3.6, 270), (4.2, 270), (4.9, 360)],
        arm_keys=_arms("down"), tags=["woman", "checked top", "paused turn", "clockwise"])
    add(name="t11_soldier_ccw_paused", kind="turn", character=S, outfit="camel-jacket_olive", skin="", height_m=1.82,
        room="warm", lights="studio", camera=Camera(1.8, 3.5), duration=5.0,
        yaw_keys=[(0.9, 0), (1.6, -120), (2.6, -120), (3.9, -360)],
        arm_keys=_arms("down"), tags=["man", "paused turn", "counter-clockwise", "high camera"])
    add(name="t12_michelle_cw_540", kind="turn", character=M, outfit="green-dots_white", skin="medium", height_m=1.66,
        room="green", lights="studio", camera=Camera(1.5, 3.2), duration=5.0, yaw_keys=_turn(1.0, 1.5, 540),
        arm_keys=_arms("down"), tags=["woman", "dotted top", "white trousers", "540 degrees", "clockwise"])
    add(name="t13_soldier_ccw_540_slow", kind="turn", character=S, outfit="navy-jacket", skin="", height_m=1.76,
        room="dark", lights="studio", camera=Camera(1.5, 3.3), duration=5.8, yaw_keys=_turn(0.8, 2.4, -540),
        arm_keys=_arms("down"), tags=["man", "540 degrees", "counter-clockwise", "slow"])
    add(name="t14_michelle_ccw_low-camera", kind="turn", character=M, outfit="white-top_denim", skin="light", height_m=1.7,
        room="grey", lights="side", camera=Camera(1.0, 3.0), duration=4.2, yaw_keys=_turn(1.0, 1.8, -360),
        arm_keys=_arms("down"), tags=["woman", "jeans", "low camera", "counter-clockwise"])
    add(name="t15_michelle_cw_backhold_black-sequin_dim", kind="turn", character=M, outfit="black-sequin", skin="dark",
        height_m=1.67, room="warm", lights="dim", camera=Camera(1.6, 3.3), duration=6.0,
        yaw_keys=[(1.0, 0), (2.2, 180), (3.7, 180), (4.9, 360)], head_keys=[(2.2, 0, 0), (2.5, 28, 0), (3.4, 28, 0), (3.7, 0, 0)],
        arm_keys=_arms("down"), tags=["woman", "dark", "sequinned", "back-view hold", "head turned", "clockwise", "dim light"])
    add(name="t16_soldier_cw_high-camera_apose", kind="turn", character=S, outfit="black-shiny-jacket", skin="", height_m=1.84,
        room="white", lights="cool", camera=Camera(1.9, 3.6), duration=4.4, yaw_keys=_turn(0.9, 2.2, 360),
        arm_keys=_arms("apose"), tags=["man", "dark", "shiny", "a-pose", "high camera", "clockwise"])
    add(name="t17_michelle_ccw_arms-crossed", kind="turn", character=M, outfit="striped-top_beige", skin="dark", height_m=1.65,
        room="dark", lights="studio", camera=Camera(1.5, 3.1), duration=4.4, yaw_keys=_turn(1.2, 2.0, -360),
        arm_keys=_arms("crossed"), tags=["woman", "striped top", "arms crossed", "counter-clockwise"])
    add(name="t18_michelle_cw_backlit", kind="turn", character=M, outfit="gold-sequin_black", skin="medium", height_m=1.69,
        room="white", lights="back", camera=Camera(1.5, 3.2), duration=3.6, yaw_keys=_turn(1.0, 1.2, 360),
        arm_keys=_arms("down"), tags=["woman", "sequinned top", "backlit", "clockwise", "fast"])

    # Partial turns: a look to the side, a half turn that stays, turn-and-return.
    add(name="p01_michelle_cw_90-and-back", kind="turn_partial", character=M, outfit="red-top_floral", skin="dark", height_m=1.66,
        room="warm", lights="cool", camera=Camera(1.5, 3.2), duration=4.6,
        yaw_keys=[(1.0, 0), (1.7, 90), (2.6, 90), (3.3, 0)], arm_keys=_arms("down"),
        tags=["woman", "patterned trousers", "quarter turn and back", "clockwise"])
    add(name="p02_soldier_ccw_180-return", kind="turn_partial", character=S, outfit="burgundy-jacket_khaki", skin="",
        height_m=1.8, room="white", lights="studio", camera=Camera(1.5, 3.4), duration=5.4,
        yaw_keys=[(1.0, 0), (2.1, -180), (3.1, -180), (4.2, 0)], arm_keys=_arms("down"),
        tags=["man", "turn and return", "back shown", "counter-clockwise"])
    add(name="p03_michelle_cw_180-return_fast", kind="turn_partial", character=M, outfit="mustard_black-shiny", skin="medium",
        height_m=1.62, room="green", lights="studio", camera=Camera(1.4, 3.0), duration=4.0,
        yaw_keys=[(1.0, 0), (1.6, 180), (2.2, 180), (2.8, 0)], arm_keys=_arms("hips"),
        tags=["woman", "shiny trousers", "turn and return", "fast", "clockwise"])
    add(name="p04_michelle_ccw_half-turn-stays", kind="turn_partial", character=M, outfit="green-dots_white", skin="light",
        height_m=1.7, room="grey", lights="studio", camera=Camera(1.6, 3.3), duration=4.2,
        yaw_keys=_turn(1.0, 2.2, -180), arm_keys=_arms("down"),
        tags=["woman", "half turn", "ends facing away", "counter-clockwise"])
    add(name="p05_soldier_cw_270-return", kind="turn_partial", character=S, outfit="camel-jacket_olive", skin="", height_m=1.79,
        room="dark", lights="cool", camera=Camera(1.5, 3.4), duration=6.0,
        yaw_keys=[(1.0, 0), (2.6, 270), (3.2, 270), (4.8, 0)], arm_keys=_arms("down"),
        tags=["man", "turn and return", "three-quarter turn", "clockwise"])
    add(name="p06_michelle_ccw_90-pause-back", kind="turn_partial", character=M, outfit="black-sequin", skin="light", height_m=1.68,
        room="white", lights="side", camera=Camera(1.5, 3.2), duration=4.8,
        yaw_keys=[(1.0, 0), (1.8, -95), (3.0, -95), (3.8, 0)], arm_keys=_arms("hips"),
        tags=["woman", "dark", "sequinned", "profile pose", "quarter turn and back", "counter-clockwise"])

    # Negatives: idle, posing, twisting to profile, look-alikes of the gestures.
    add(name="n01_michelle_idle_hips", kind="negative", character=M, outfit="white-top_denim", skin="medium", height_m=1.66,
        room="green", lights="studio", camera=Camera(1.5, 3.2), duration=5.0, yaw_keys=[(0, 0)],
        arm_keys={"left": _hold_and_back("left", "hips", 1.2, 0.6, 2.0, 0.6), "right": _hold_and_back("right", "hips", 1.3, 0.6, 1.9, 0.6)},
        tags=["woman", "idle", "hands on hips", "no turn"])
    add(name="n02_soldier_twists-to-profile", kind="negative", character=S, outfit="navy-jacket", skin="", height_m=1.8,
        room="warm", lights="studio", camera=Camera(1.5, 3.4), duration=6.0,
        yaw_keys=[(0.8, 0), (1.6, 65), (2.4, 65), (3.3, 0), (4.1, -70), (4.8, -70), (5.6, 0)], arm_keys=_arms("down"),
        tags=["man", "posing", "profile both sides", "no turn"])
    add(name="n03_michelle_arms-crossed_fix-hair", kind="negative", character=M, outfit="flannel_grey", skin="light", height_m=1.64,
        room="white", lights="cool", camera=Camera(1.5, 3.1), duration=6.4, yaw_keys=[(0, 0)],
        arm_keys={"left": [(0, "down"), (0.8, "down"), (1.4, "crossed"), (3.0, "crossed"), (3.6, "down")],
                  "right": [(0, "down"), (0.8, "down"), (1.4, "crossed"), (3.0, "crossed"), (3.6, "down"), (4.0, "down"), (4.6, "hair"), (5.6, "hair"), (6.1, "down")]},
        head_keys=[(4.4, 0, 0), (4.7, 0, 8), (5.6, 0, 8), (6.0, 0, 0)],
        events=[Event("arms_crossed", 0.8, 3.6, note="both arms crossed over the chest"),
                Event("fix_hair", 4.0, 6.1, note="own right hand to the back of the head, elbow high, hand below the top of the head")],
        tags=["woman", "arms crossed", "fixing hair", "no turn", "look-alike"])
    add(name="n04_michelle_collar_dressing", kind="negative", character=M, outfit="striped-top_beige", skin="dark", height_m=1.7,
        room="grey", lights="studio", camera=Camera(1.5, 3.3), duration=6.0, yaw_keys=[(0, 0)],
        arm_keys={"left": [(0, "down"), (0.8, "down"), (1.4, "collar"), (2.6, "collar"), (3.1, "down"), (3.4, "down"), (3.9, "hem"), (5.2, "hem"), (5.7, "down")],
                  "right": [(0, "down"), (0.8, "down"), (1.4, "collar"), (2.6, "collar"), (3.1, "down"), (3.4, "down"), (3.9, "hem"), (5.2, "hem"), (5.7, "down")]},
        head_keys=[(1.2, 0, 0), (1.5, 0, 18), (2.6, 0, 18), (2.9, 0, 0), (3.7, 0, 0), (4.0, 0, 22), (5.2, 0, 22), (5.5, 0, 0)],
        tugs=[(3.9, 5.2)],
        events=[Event("adjust_collar", 0.8, 3.1, note="both hands at the collar, head tilted down"),
                Event("dressing", 3.4, 5.7, note="both hands tug the hem of the top down, looking down")],
        tags=["woman", "adjusting collar", "dressing", "no turn", "look-alike"])
    add(name="n05_soldier_wave-behind_fix-hair", kind="negative", character=S, outfit="burgundy-jacket_khaki", skin="", height_m=1.78,
        room="green", lights="cool", camera=Camera(1.5, 3.4), duration=6.4, yaw_keys=[(0, 0)],
        arm_keys={"left": [(0, "down"), (0.8, "down"), (1.3, "wave"), (3.1, "wave"), (3.6, "down"), (4.0, "down"), (4.6, "hair"), (5.5, "hair"), (6.0, "down")],
                  "right": [(0, "down")]},
        head_keys=[(0.7, 0, 0), (1.1, -60, 0), (3.2, -60, 0), (3.6, 0, 0)], chest_keys=[(0.7, 0), (1.1, -20), (3.2, -20), (3.6, 0)],
        waves=[(1.3, 3.1, "left")],
        events=[Event("wave", 0.8, 3.6, note="head and chest turn to the own left (towards image-right) and the own left hand waves at head height to someone behind"),
                Event("fix_hair", 4.0, 6.0, note="own left hand to the back of the head")],
        tags=["man", "waving to someone behind", "fixing hair", "no turn", "look-alike"])
    add(name="n06_michelle_both-hands-hair_idle", kind="negative", character=M, outfit="gold-sequin_black", skin="light", height_m=1.66,
        room="warm", lights="side", camera=Camera(1.6, 3.2), duration=5.0, yaw_keys=[(0, 0)],
        arm_keys={"left": _hold_and_back("left", "hair", 1.0, 0.7, 2.0, 0.6), "right": _hold_and_back("right", "hair", 1.0, 0.7, 2.0, 0.6)},
        head_keys=[(1.2, 0, 0), (1.6, 0, -8), (3.5, 0, -8), (4.0, 0, 0)],
        events=[Event("fix_hair", 1.0, 4.3, note="both hands behind the head (tying hair), elbows up, hands below the top of the head")],
        tags=["woman", "both hands to hair", "sequinned top", "no turn", "look-alike"])

    # Gestures: a hand raised and held, swipes to each side, with look-alikes around them.
    add(name="g01_michelle_raise-right_crossed", kind="gesture", character=M, outfit="white-top_denim", skin="dark", height_m=1.67,
        room="grey", lights="studio", camera=Camera(1.5, 3.2), duration=6.4, yaw_keys=[(0, 0)],
        arm_keys={"right": _hold_and_back("right", "raise", 0.8, 0.7, 1.8, 0.7) + [(4.4, "crossed"), (5.6, "crossed"), (6.1, "down")],
                  "left": [(0, "down"), (3.8, "down"), (4.4, "crossed"), (5.6, "crossed"), (6.1, "down")]},
        events=[Event("raise_hand", 0.8, 4.0, side="right"), Event("arms_crossed", 3.8, 6.1, note="arms crossed after the raise")],
        tags=["woman", "raise hand", "own right hand", "arms crossed"])
    add(name="g02_soldier_raise-left_swipe-left", kind="gesture", character=S, outfit="black-shiny-jacket", skin="", height_m=1.83,
        room="warm", lights="cool", camera=Camera(1.6, 3.5), duration=6.0, yaw_keys=[(0, 0)],
        arm_keys={"left": _hold_and_back("left", "raise", 0.7, 0.6, 2.0, 0.6),
                  "right": [(0, "down"), (4.0, "down"), (4.4, "swipe_out"), (4.6, "swipe_out"), (5.05, "swipe_across"), (5.2, "swipe_across"), (5.7, "down")]},
        events=[Event("raise_hand", 0.7, 3.9, side="left"), Event("swipe_left", 4.6, 5.05, side="right")],
        tags=["man", "dark", "raise hand", "own left hand", "swipe left"])
    add(name="g03_michelle_swipe-left_swipe-right", kind="gesture", character=M, outfit="red-top_floral", skin="medium", height_m=1.64,
        room="white", lights="studio", camera=Camera(1.5, 3.1), duration=6.0, yaw_keys=[(0, 0)],
        arm_keys={"right": [(0, "down"), (0.8, "down"), (1.2, "swipe_out"), (1.4, "swipe_out"), (1.85, "swipe_across"), (2.0, "swipe_across"), (2.5, "down")],
                  "left": [(0, "down"), (3.2, "down"), (3.6, "swipe_out"), (3.8, "swipe_out"), (4.25, "swipe_across"), (4.4, "swipe_across"), (4.9, "down")]},
        events=[Event("swipe_left", 1.4, 1.85, side="right"), Event("swipe_right", 3.8, 4.25, side="left")],
        tags=["woman", "swipe left", "swipe right", "across the body"])
    add(name="g04_michelle_swipe-right-out_raise-left", kind="gesture", character=M, outfit="green-dots_white", skin="dark", height_m=1.7,
        room="dark", lights="studio", camera=Camera(1.5, 3.3), duration=6.2, yaw_keys=[(0, 0)],
        arm_keys={"right": [(0, "down"), (0.8, "down"), (1.2, "swipe_across"), (1.35, "swipe_across"), (1.8, "swipe_out"), (1.95, "swipe_out"), (2.4, "down")],
                  "left": [(0, "down")] + _hold_and_back("left", "raise", 2.8, 0.6, 1.6, 0.6)},
        events=[Event("swipe_right", 1.35, 1.8, side="right"), Event("raise_hand", 2.8, 5.6, side="left")],
        tags=["woman", "swipe right", "outward stroke", "raise hand", "own left hand"])
    add(name="g05_soldier_swipes_wave", kind="gesture", character=S, outfit="camel-jacket_olive", skin="", height_m=1.77,
        room="white", lights="side", camera=Camera(1.4, 3.3), duration=6.6, yaw_keys=[(0, 0)],
        arm_keys={"left": [(0, "down"), (0.8, "down"), (1.2, "swipe_out"), (1.35, "swipe_out"), (1.75, "swipe_across"), (1.9, "swipe_across"), (2.4, "down")],
                  "right": [(0, "down"), (2.7, "down"), (3.1, "swipe_across"), (3.25, "swipe_across"), (3.65, "swipe_out"), (3.8, "swipe_out"), (4.2, "down"), (4.4, "down"), (4.9, "wave"), (6.0, "wave"), (6.5, "down")]},
        head_keys=[(4.3, 0, 0), (4.7, 55, 0), (6.1, 55, 0), (6.5, 0, 0)], chest_keys=[(4.3, 0), (4.7, 18), (6.1, 18), (6.5, 0)],
        waves=[(4.9, 6.0, "right")],
        events=[Event("swipe_right", 1.35, 1.75, side="left"), Event("swipe_right", 3.25, 3.65, side="right"),
                Event("wave", 4.4, 6.5, note="head and chest turn to the own right and the own right hand waves at head height to someone behind")],
        tags=["man", "swipe right", "wave to someone behind", "look-alike"])
    add(name="g06_michelle_collar_raise-left", kind="gesture", character=M, outfit="mustard_black-shiny", skin="light", height_m=1.63,
        room="green", lights="cool", camera=Camera(1.5, 3.1), duration=6.2, yaw_keys=[(0, 0)],
        arm_keys={"left": [(0, "down"), (0.6, "down"), (1.1, "collar"), (2.0, "collar"), (2.4, "down")] + _hold_and_back("left", "raise", 2.9, 0.6, 1.7, 0.7),
                  "right": [(0, "down"), (0.6, "down"), (1.1, "collar"), (2.0, "collar"), (2.4, "down")]},
        head_keys=[(0.9, 0, 0), (1.2, 0, 15), (2.0, 0, 15), (2.3, 0, 0)],
        events=[Event("adjust_collar", 0.6, 2.4, note="both hands at the collar"), Event("raise_hand", 2.9, 5.9, side="left")],
        tags=["woman", "adjusting collar", "raise hand", "own left hand", "shiny trousers"])

    # Batch 2 (2026-12-04, late): more of the cases issue 14 lists, written before any detector
    # ran on them; their positions continue each kind's (batch, sha256) order, so the split rule
    # puts about a third of them in the holdout and leaves batch 1 where it was.
    b2 = {"batch": 2}
    add(name="t19_soldier_ccw_backhold_navy", kind="turn", character=S, outfit="navy-jacket", skin="", height_m=1.81,
        room="white", lights="cool", camera=Camera(1.5, 3.3), duration=6.4,
        yaw_keys=[(1.0, 0), (2.2, -180), (3.9, -180), (5.1, -360)], head_keys=[(2.2, 0, 0), (2.6, 25, -3), (3.5, 25, -3), (3.9, 0, 0)],
        arm_keys=_arms("down"), tags=["man", "back-view hold", "head turned", "counter-clockwise"], **b2)
    add(name="t20_michelle_cw_4s_floral", kind="turn", character=M, outfit="red-top_floral", skin="medium", height_m=1.69,
        room="dark", lights="studio", camera=Camera(1.5, 3.2), duration=6.6, yaw_keys=_turn(1.2, 4.0, 360),
        arm_keys=_arms("down"), tags=["woman", "patterned trousers", "clockwise", "very slow"], **b2)
    add(name="t21_soldier_cw_1s_burgundy", kind="turn", character=S, outfit="burgundy-jacket_khaki", skin="", height_m=1.76,
        room="grey", lights="studio", camera=Camera(1.5, 3.3), duration=3.4, yaw_keys=_turn(1.0, 1.0, 360),
        arm_keys=_arms("down"), tags=["man", "clockwise", "fast"], **b2)
    add(name="t22_michelle_ccw_pause-three-quarters", kind="turn", character=M, outfit="gold-sequin_black", skin="light",
        height_m=1.65, room="warm", lights="side", camera=Camera(1.5, 3.1), duration=5.4,
        yaw_keys=[(1.0, 0), (2.3, -270), (3.3, -270), (3.9, -360)], arm_keys=_arms("hips"),
        tags=["woman", "sequinned top", "paused turn", "three-quarter pause", "hands on hips", "counter-clockwise", "side light"], **b2)
    add(name="t23_soldier_ccw_540_dim", kind="turn", character=S, outfit="camel-jacket_olive", skin="", height_m=1.83,
        room="green", lights="dim", camera=Camera(1.6, 3.4), duration=5.2, yaw_keys=_turn(1.0, 1.6, -540),
        arm_keys=_arms("down"), tags=["man", "540 degrees", "counter-clockwise", "dim light"], **b2)
    add(name="t24_michelle_cw_two-pauses_backlit", kind="turn", character=M, outfit="black-sequin", skin="dark", height_m=1.7,
        room="white", lights="back", camera=Camera(1.5, 3.2), duration=5.6,
        yaw_keys=[(1.0, 0), (1.5, 90), (2.3, 90), (3.0, 200), (3.6, 200), (4.3, 360)], arm_keys=_arms("down"),
        tags=["woman", "dark", "sequinned", "paused turn", "two pauses", "backlit", "clockwise"], **b2)
    add(name="p07_soldier_cw_half-turn-stays", kind="turn_partial", character=S, outfit="black-shiny-jacket", skin="",
        height_m=1.79, room="warm", lights="studio", camera=Camera(1.5, 3.4), duration=4.2, yaw_keys=_turn(1.0, 2.0, 180),
        arm_keys=_arms("down"), tags=["man", "dark", "half turn", "ends facing away", "clockwise"], **b2)
    add(name="p08_michelle_ccw_270-return", kind="turn_partial", character=M, outfit="striped-top_beige", skin="medium",
        height_m=1.67, room="grey", lights="cool", camera=Camera(1.5, 3.2), duration=5.8,
        yaw_keys=[(1.0, 0), (2.4, -270), (3.0, -270), (4.4, 0)], arm_keys=_arms("down"),
        tags=["woman", "striped top", "turn and return", "three-quarter turn", "counter-clockwise"], **b2)
    add(name="n07_soldier_over-the-shoulder", kind="negative", character=S, outfit="navy-jacket", skin="", height_m=1.8,
        room="dark", lights="studio", camera=Camera(1.5, 3.4), duration=5.0,
        yaw_keys=[(0.8, 0), (1.5, 55), (2.8, 55), (3.5, 0)], head_keys=[(1.5, 0, 0), (1.9, 60, 0), (2.5, 60, 0), (2.8, 0, 0)],
        arm_keys=_arms("down"), tags=["man", "look over the shoulder", "no turn"], **b2)
    add(name="n08_michelle_profiles-quick", kind="negative", character=M, outfit="green-dots_white", skin="dark", height_m=1.64,
        room="warm", lights="cool", camera=Camera(1.5, 3.1), duration=5.0,
        yaw_keys=[(0.8, 0), (1.3, -80), (1.9, -80), (2.5, 0), (3.0, 85), (3.6, 85), (4.2, 0)], arm_keys=_arms("hips"),
        tags=["woman", "posing", "profile both sides", "quick", "hands on hips", "no turn"], **b2)
    add(name="g07_soldier_swipe-left_raise-right", kind="gesture", character=S, outfit="navy-jacket", skin="", height_m=1.8,
        room="grey", lights="side", camera=Camera(1.5, 3.3), duration=6.0, yaw_keys=[(0, 0)],
        arm_keys={"right": [(0, "down"), (0.8, "down"), (1.2, "swipe_out"), (1.4, "swipe_out"), (1.85, "swipe_across"), (2.0, "swipe_across"), (2.5, "down")]
                  + _hold_and_back("right", "raise", 3.0, 0.6, 1.6, 0.6),
                  "left": [(0, "down")]},
        events=[Event("swipe_left", 1.4, 1.85, side="right"), Event("raise_hand", 3.0, 5.8, side="right")],
        tags=["man", "swipe left", "raise hand", "own right hand", "side light"], **b2)
    add(name="g08_michelle_raise-left_quick-swipe-right", kind="gesture", character=M, outfit="flannel_grey", skin="medium",
        height_m=1.68, room="green", lights="studio", camera=Camera(1.5, 3.2), duration=6.0, yaw_keys=[(0, 0)],
        arm_keys={"left": _hold_and_back("left", "raise", 0.8, 0.6, 1.6, 0.6) + [(3.95, "swipe_out"), (4.1, "swipe_out"),
                                                                                  (4.45, "swipe_across"), (4.6, "swipe_across"), (5.1, "down")],
                  "right": [(0, "down")]},
        events=[Event("raise_hand", 0.8, 3.6, side="left"), Event("swipe_right", 4.1, 4.45, side="left")],
        tags=["woman", "checked top", "raise hand", "own left hand", "swipe right", "quick swipe"], **b2)
    return out
