"""The library's settings from the configuration's ``[library]`` section."""

from __future__ import annotations

from kiosk.config import Config
from kiosk.library.retention import RetentionPolicy


def retention_policy(config: Config) -> RetentionPolicy:
    """Age limit and byte budget; 0 in the file means no limit."""
    days, gigabytes = config.library.max_age_days, config.library.max_gb
    return RetentionPolicy(
        max_age_s=days * 86400.0 if days > 0 else None,
        max_bytes=int(gigabytes * 1e9) if gigabytes > 0 else None,
    )
