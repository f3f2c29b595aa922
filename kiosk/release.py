"""Which build of the kiosk software runs: the release id scripts/provision gave it.

The version (pyproject.toml, ``kiosk.__version__``) stays the same from one build to the next;
provision names each build ``<version>-<hash of its files>``, installs it into
/opt/smartmirror/releases/<id> and writes the id to the ``.release`` file at its root. That id
is what tells the fleet which mirrors a rollout reached, so the kiosk reads it once when its
network part starts (never at import) and exports it: ``kiosk_build_info{release}``,
``/api/v1/status``'s ``release`` and the announcement's ``rel``. A checkout that is not an
installed release says ``dev``, followed by ``git describe`` when git answers at once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

RELEASE_FILE = ".release"
DEV = "dev"
UNKNOWN = "unknown"
# Release ids go into Prometheus labels and mDNS TXT records as they are: a file that holds
# anything else (hand-edited, damaged) is reported as "unknown", never copied through.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,79}")
GIT_TIMEOUT_S = 2.0


def release_roots() -> list[Path]:
    """Where the tree the kiosk runs from may be: the source folder's parent (a checkout run in
    place) and the environment's (an installed release, ``releases/<id>/.venv``)."""
    return [Path(__file__).resolve().parents[1], Path(sys.prefix).parent]


def read_release(roots: list[Path] | None = None) -> str:
    """The release id of the first of ``roots`` that holds a ``.release`` file, else ``dev[-<git describe>]``."""
    roots = release_roots() if roots is None else roots
    for root in roots:
        try:
            text = (root / RELEASE_FILE).read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        first = text.splitlines()[0].strip() if text else ""
        return first if _ID.fullmatch(first) else UNKNOWN
    described = _git_describe(roots[0]) if roots else ""
    return f"{DEV}-{described}" if described else DEV


def _git_describe(root: Path) -> str:
    """``git describe --always`` of a checkout at ``root``; "" when it is none or git does not answer at once."""
    if not (root / ".git").exists():
        return ""
    try:
        res = subprocess.run(
            ["git", "-C", str(root), "describe", "--always"], capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
            env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"), stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    described = res.stdout.strip()
    return described if res.returncode == 0 and _ID.fullmatch(described) else ""
