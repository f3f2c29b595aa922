"""Where the library keeps its database, its looks and its work folder.

Everything lives under one data folder on one filesystem, so moving a finished recording
from ``work/`` into ``looks/`` is an atomic rename. Look ids are checked against ``ID_PATTERN``
before they become file names: no id from a URL or a command line can reach a path outside
the library.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SYSTEM_DATA_DIR = Path("/var/lib/smartmirror")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def default_data_dir() -> Path:
    """``/var/lib/smartmirror`` for root (the appliance), else ``$XDG_DATA_HOME/smartmirror``."""
    if os.geteuid() == 0:
        return SYSTEM_DATA_DIR
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "smartmirror"


def valid_id(look_id: str) -> bool:
    """True when ``look_id`` has the shape of an id this library hands out."""
    return isinstance(look_id, str) and bool(ID_PATTERN.match(look_id))


@dataclass(frozen=True)
class LibraryLayout:
    """The paths of one library folder."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "looks.db"

    @property
    def looks(self) -> Path:
        return self.root / "looks"

    @property
    def work(self) -> Path:
        return self.root / "work"

    def video(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.mp4"

    def poster(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.jpg"

    def strip(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.strip.jpg"

    def files(self, look_id: str) -> tuple[Path, Path, Path]:
        """Every file that belongs to a look, video first."""
        return self.video(look_id), self.poster(look_id), self.strip(look_id)

    @property
    def comparisons(self) -> Path:
        return self.root / "comparisons"

    def comparison_video(self, comparison_id: str) -> Path:
        return self.comparisons / f"{comparison_id}.mp4"

    def take_dir(self, look_id: str) -> Path:
        return self.work / look_id

    @staticmethod
    def id_of(path: Path) -> str:
        """The look id a file in ``looks/`` belongs to."""
        return path.name.split(".", 1)[0]
