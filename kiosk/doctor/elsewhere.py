"""A data folder without looks while another library nearby has some: ``library.data_dir`` may be mistyped.

A kiosk started on a mistyped folder (``/var/lib/smartmirror/librray``, ``/var/lib/smartmirro``)
begins a new, empty library there, with a new store secret when the secret lives in the data
folder, and the store's looks seem gone. The doctor looks where such a typo's library usually is:
provisioning's folder, the folder above, and the folders beside. Only file names are listed and
the two secrets compared; nothing is written, no secret is shown.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from kiosk.doctor.check import Context, Result, warning
from kiosk.library.layout import LibraryLayout, valid_id
from kiosk.paths import SYSTEM_DATA_DIR
from kiosk.words import count

MAX_BESIDE = 256  # folders beside the data folder looked into (a crowded /var/lib stays cheap)


def library_elsewhere(ctx: Context) -> Result | None:
    """A warning when the data folder has no look and a library nearby has some; None otherwise."""
    found = _nearby_library(ctx)
    if found is None:
        return None
    other, looks = found
    folder = ctx.data_dir
    sentence = (f"No look is in {folder}, but {other} holds {count(looks, 'look')}: library.data_dir may name the "
                f"wrong folder (a kiosk started there begins a new, empty library{_secret_words(ctx, other)}).")
    return warning("library", sentence, f"If {other} is this mirror's library, stop the kiosk, set library.data_dir "
                                        f"to it (or correct --library) and start the kiosk again; then remove {folder}.")


def _nearby_library(ctx: Context) -> tuple[Path, int] | None:
    folder = ctx.data_dir.absolute()
    for candidate in _candidates(ctx, folder):
        looks = _looks_in(candidate)
        if looks:
            return candidate, looks
    return None


def _candidates(ctx: Context, folder: Path) -> list[Path]:
    """Provisioning's folder, the one above, then those beside (by name); never the data folder itself."""
    found = [ctx.root / SYSTEM_DATA_DIR.relative_to("/"), folder.parent]
    try:
        beside = sorted(p for p in folder.parent.iterdir() if p.is_dir())[:MAX_BESIDE]
    except OSError:
        beside = []
    found += beside
    unique: list[Path] = []
    for path in found:
        if path != folder and path not in unique:
            unique.append(path)
    return unique


def _looks_in(candidate: Path) -> int:
    """How many looks' videos a library in ``candidate`` has (0 when it is none, or closed to this user)."""
    layout = LibraryLayout(candidate)
    try:
        if not layout.db.is_file():
            return 0
        return sum(1 for p in layout.looks.iterdir() if p.name.endswith(".mp4") and valid_id(p.name[:-4]))
    except OSError:
        return 0


def _secret_words(ctx: Context, other: Path) -> str:
    """What the store secret adds: only when it lives in the data folder, not ``identity.secret_file``."""
    from kiosk.identity.setup import SECRET_NAME

    if ctx.config.identity.secret_file:
        return ""
    mine, theirs = _read(ctx.data_dir / SECRET_NAME), _read(other / SECRET_NAME)
    if mine is None:
        return " with a new store secret"
    if theirs is not None and not hmac.compare_digest(mine, theirs):
        return "; this folder's store secret differs from the one there, so the store's other mirrors may not " \
               "recognise this one"
    return ""


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes().strip()
    except OSError:
        return None
