"""The look library of a command that only reads or changes looks: opened, never made.

Only ``kiosk run``, ``kiosk serve`` and ``kiosk record`` start a library where there is none;
every other command given a folder without one (a mistyped ``--library`` or
``library.data_dir``) says so in one sentence and leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path

OPTION = "--library or library.data_dir"  # where a command with --library says to look


def open_library(folder: Path, where: str = OPTION):
    """``kiosk.library.Library`` in ``folder``, opened; ``LibraryMissing`` naming the folder and
    ``where`` it came from when there is no library there."""
    from kiosk.library import Library, LibraryMissing

    try:
        return Library(folder).open(create=False)
    except LibraryMissing as exc:
        raise LibraryMissing(f"{exc}; check {where} (the mirror makes one there when it first starts)") from None
