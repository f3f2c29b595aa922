"""The library's settings from the configuration's ``[library]`` section."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Config
from kiosk.library.layout import default_data_dir
from kiosk.library.retention import RetentionPolicy


def library_dir(config: Config, override: str | None = None) -> Path:
    """``--library DIR`` if given, else ``library.data_dir``, else the default data folder."""
    chosen = override or config.library.data_dir
    return Path(chosen).expanduser() if chosen else default_data_dir()


def retention_policy(config: Config) -> RetentionPolicy:
    """Age limit and byte budget; 0 in the file means no limit."""
    days, gigabytes = config.library.max_age_days, config.library.max_gb
    return RetentionPolicy(
        max_age_s=days * 86400.0 if days > 0 else None,
        max_bytes=int(gigabytes * 1e9) if gigabytes > 0 else None,
    )
