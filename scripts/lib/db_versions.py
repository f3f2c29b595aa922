"""scripts/provision --rollback's question to the release it would go back to: which databases of
the data folder are newer than its code knows?

A newer release's migrations leave the databases at versions an older kiosk refuses to open
(kiosk/storage/database.py), so a rollback across one would leave a kiosk that cannot start.
Only the older release's code knows its versions: provision runs this file with that release's
own Python (``python -I -B``: its installed ``kiosk`` package answers, never a checkout's, and no
byte code is written into the release) and asks it the doctor's list of databases
(kiosk/doctor/databases.py), each read the doctor's read-only way: nothing is written, a running
kiosk is not disturbed.

usage: python -I -B db_versions.py ROOT CONFIG
  ROOT    the tree provisioned ("/" for this machine); the databases' paths are read under it
  CONFIG  the settings file, which names the data folder and the customer directory

Prints one line per database newer than the release knows: label, path (as the settings name it),
its version and the release's, tab-separated; nothing when the release can open them all. Exit 0
with an answer, 2 when there was none (the last line on stderr says why).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("usage: ")[1].split("\n")[0], file=sys.stderr)
        return 2
    root, config_file = argv
    try:
        from kiosk.config import load_config
        from kiosk.doctor.check import Context
        from kiosk.doctor.databases import _databases, read_only
        from kiosk.paths import data_dir

        config = load_config(config_file)
        databases = _databases(Context(config=config, data_dir=data_dir(config)))
    except Exception as exc:  # any answer but a list is no answer; provision says so
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for _, label, path, schema in databases:
        on_disk = Path(root, *path.parts[1:]) if path.is_absolute() else path
        if not on_disk.is_file():
            continue  # the kiosk creates it
        try:
            with read_only(on_disk) as conn:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error:
            continue  # damaged or unreadable: the kiosk and its doctor deal with that, not a rollback
        if version > schema.version:
            print(f"{label}\t{path}\t{version}\t{schema.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
