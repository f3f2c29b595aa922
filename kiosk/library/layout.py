"""Where the library keeps its database, its looks and its work folder.

Everything lives under one data folder (``kiosk.paths.data_dir`` decides which) on one
filesystem, so moving a finished recording from ``work/`` into ``looks/`` is an atomic rename.
Each look is ``looks/<id>.mp4`` with its poster, thumbnail strip and record file
(``<id>.json``, see ``kiosk.library.records``). Look ids are checked against ``ID_PATTERN``
before they become file names: no id from a URL or a command line can reach a path outside
the library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


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

    def holds_library(self) -> bool:
        """True when the folder has a library's database or looks folder (its own or one left by a crash)."""
        return self.db.exists() or self.looks.exists()

    def video(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.mp4"

    def poster(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.jpg"

    def strip(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.strip.jpg"

    def record_file(self, look_id: str) -> Path:
        return self.looks / f"{look_id}.json"

    def files(self, look_id: str) -> tuple[Path, Path, Path, Path]:
        """Every file that belongs to a look, video first."""
        return self.video(look_id), self.poster(look_id), self.strip(look_id), self.record_file(look_id)

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
