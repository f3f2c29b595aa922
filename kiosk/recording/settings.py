"""The recorder's settings from the configuration's ``[recording]`` section."""

from __future__ import annotations

from kiosk.config import Config
from kiosk.recording.encoder import EncoderSettings
from kiosk.recording.recorder import RecorderSettings


def recorder_settings(config: Config, **overrides) -> RecorderSettings:
    """``RecorderSettings`` for ``config``; keyword arguments replace single values."""
    rec = config.recording
    values = dict(
        encoder=EncoderSettings(
            codec=rec.encoder,
            crf=rec.crf,
            max_bitrate_kbps=rec.max_bitrate_kbps,
            keyframe_interval_s=rec.keyframe_interval_s,
        ),
        preroll_s=rec.preroll_s,
        max_s=rec.max_s,
        min_s=rec.min_s,
        min_free_bytes=rec.min_free_mb * 1024 * 1024,
    )
    values.update(overrides)
    return RecorderSettings(**values)
