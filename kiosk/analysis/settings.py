"""The analysis settings that the [analysis] section of the configuration chooses."""

from __future__ import annotations

from dataclasses import replace

from kiosk.analysis.body import BodySettings
from kiosk.analysis.gestures import GestureSettings
from kiosk.analysis.pose import PoseSettings
from kiosk.analysis.turn import TurnSettings
from kiosk.config import AnalysisConfig


def pose_settings(cfg: AnalysisConfig, rotation: int = 0) -> PoseSettings:
    """``rotation``: the [display] rotation that makes the camera's picture upright."""
    return PoseSettings(model_complexity=cfg.model_complexity, input_size=cfg.input_size,
                        crop_to_person=cfg.crop_to_person, face_check=cfg.face_check, rotation=rotation)


def body_settings(cfg: AnalysisConfig) -> BodySettings:
    turn = replace(
        TurnSettings(),
        start_deg=cfg.turn_start_deg,
        complete_deg=cfg.turn_complete_deg,
        pause_max_s=cfg.turn_pause_max_s,
        max_turn_s=cfg.turn_max_s,
    )
    gestures = replace(GestureSettings(), enabled=cfg.gestures, hold_s=cfg.gesture_hold_s)
    return BodySettings(turn=turn, gestures=gestures, presence_bridge_s=cfg.presence_bridge_s)
