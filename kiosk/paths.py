"""Where the kiosk keeps its data: one function decides, every command and part asks it.

The data folder holds the look library (``looks.db``, ``looks/``, ``work/``), the customer
directory (``identity.sqlite3``), the store secret and the network database
(``network.sqlite3``), unless the configuration names another place for an identity file.
The first answer that applies wins:

1. an explicit folder (``--library DIR`` on the command line);
2. ``library.data_dir`` in the configuration;
3. ``$STATE_DIRECTORY``, which systemd sets from the unit's ``StateDirectory=`` (the appliance:
   ``/var/lib/smartmirror``, owned by the kiosk's user);
4. ``/var/lib/smartmirror`` when running as root (the same folder, for store IT's commands);
5. ``$XDG_DATA_HOME/smartmirror``, else ``~/.local/share/smartmirror`` (a developer's laptop).

This module imports nothing but the standard library, so any part may use it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import Config

APP_NAME = "smartmirror"
SYSTEM_DATA_DIR = Path("/var/lib") / APP_NAME
IDENTITY_DB_NAME = "identity.sqlite3"  # the customer directory, in the data folder unless identity.database names one
STORE_SECRET_NAME = "store-secret"  # the store secret, in the data folder unless identity.secret_file names one


def data_dir(config: Config | None = None, override: str | os.PathLike | None = None) -> Path:
    """The data folder: ``override`` > ``library.data_dir`` > $STATE_DIRECTORY > root's > the user's."""
    chosen = override or (config.library.data_dir if config is not None else "")
    if chosen:
        return Path(chosen).expanduser()
    # systemd passes one path per StateDirectory= entry, separated by colons; ours is the first.
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if state:
        return Path(state)
    if os.geteuid() == 0:
        return SYSTEM_DATA_DIR
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):  # the XDG spec says to ignore a relative value
        base = os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / APP_NAME
