"""The data folder: writable, enough free space above the floor, and a library whose rows and files agree.

Nothing is written to find out: writability is asked of the kernel (``access`` and the mount's
read-only flag), the library's rows are read through ``kiosk.doctor.databases.read_only``, and
the files are listed. Rows without a video, videos without a row, stray files and takes left in
``work/`` by a recorder that died are named with what puts them right (the kiosk's start-up
recovery, or ``kiosk looks recover`` with the kiosk stopped). A folder without looks while a
library nearby has some is named too (``kiosk.doctor.elsewhere``: a mistyped ``library.data_dir``).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from kiosk.doctor.check import Context, Result, fail, flock_holders, ok, warning
from kiosk.doctor.elsewhere import library_elsewhere
from kiosk.storage.writable import existing_parent, read_only_mount
from kiosk.users import user_name
from kiosk.words import count, mebibytes

AS_KIOSK_USER_HINT = ("Run 'kiosk doctor' as the kiosk's user ('sudo -u mirror kiosk doctor'); if it says the same "
                      "there, give the file to that user ('chown mirror: FILE; chmod 600 FILE') and restart the kiosk.")
RECOVER_HINT = ("Stop the kiosk and run 'kiosk looks recover' (the kiosk also does it at every start): it finishes "
                "or removes left-behind takes and puts rows and files back in step.")


def check_data_folder(ctx: Context) -> Result:
    folder = ctx.data_dir
    if not folder.exists():
        parent = existing_parent(folder)
        if parent is not None and os.access(parent, os.W_OK):
            return warning("data-folder", f"The data folder {folder} does not exist yet; the kiosk creates it at its first start.",
                           "Nothing to do on a new device; on a provisioned one, run scripts/provision again.")
        return fail("data-folder", f"The data folder {folder} does not exist and cannot be created.",
                    "Create it for the kiosk's user (scripts/provision does: /var/lib/smartmirror), or set library.data_dir.")
    if not folder.is_dir():
        return fail("data-folder", f"{folder} is not a folder.", "Set library.data_dir to a folder.")
    if _read_only_mount(folder):
        return fail("data-folder", f"The data folder {folder} is on a read-only file system: no look can be kept.",
                    "Remount it read-write; check 'dmesg' for a file system the kernel made read-only after errors.")
    if not os.access(folder, os.W_OK | os.X_OK):
        return fail("data-folder", f"The data folder {folder} is not writable by this user ({user_name()}).",
                    "Give it to the kiosk's user (scripts/provision does), or run 'kiosk doctor' as that user.")
    return ok("data-folder", f"The data folder {folder} is writable.")


def check_disk_space(ctx: Context) -> Result:
    where = existing_parent(ctx.data_dir)
    if where is None:
        return fail("disk-space", f"The free space of {ctx.data_dir} cannot be read.", "Check library.data_dir.")
    usage = shutil.disk_usage(where)
    floor = ctx.config.recording.min_free_mb * 2**20
    free_mib, floor_mib = mebibytes(usage.free), mebibytes(floor)  # as /api/v1/health says them
    are = "is" if usage.free // 2**20 == 1 else "are"
    if usage.free < floor:
        return fail("disk-space", f"Only {free_mib} {are} free for looks, below the floor of {floor_mib} "
                                  "(recording.min_free_mb): no look is recorded.",
                    "Delete old looks ('kiosk looks list', 'kiosk looks delete ID'), lower library.max_age_days or set "
                    "library.max_gb, or use a larger disk.")
    if usage.free < 2 * floor:
        return warning("disk-space", f"{free_mib} {are} free for looks, close to the floor of {floor_mib} "
                                     "(recording.min_free_mb).",
                       "Lower library.max_age_days or set library.max_gb so retention keeps room free.")
    return ok("disk-space", f"{free_mib} {are} free for looks (recording stops below {floor_mib}).")


def check_library(ctx: Context) -> Result:
    from kiosk.doctor.databases import damaged, empty, read_only
    from kiosk.library.layout import LibraryLayout, valid_id

    layout = LibraryLayout(ctx.data_dir)
    why = closed_to_user(layout.db)
    if why:
        return warning("library", f"The look library was not checked: its database {why} ({user_name()}).",
                       AS_KIOSK_USER_HINT)
    if damaged(ctx, "db-looks"):
        return warning("library", "The library's consistency was not checked: its database is damaged (see above).",
                       "Restart the kiosk to rebuild it, then run 'kiosk doctor' again.")
    if empty(ctx, "db-looks"):
        return warning("library", "The library's consistency was not checked: its database is empty (see above).",
                       "Start or restart the kiosk to set it up, then run 'kiosk doctor' again.")
    rows: set[str] = set()
    if layout.db.exists():
        try:
            with read_only(layout.db) as conn:
                rows = {row[0] for row in conn.execute("SELECT id FROM looks")}
        except Exception as exc:  # noqa: BLE001 - the database check names the problem
            return warning("library", f"The look database could not be read ({exc}).", "See the look database's check above.")
    files = sorted(layout.looks.iterdir()) if layout.looks.is_dir() else []
    videos = {p.name[:-4] for p in files if p.name.endswith(".mp4") and valid_id(p.name[:-4])}
    orphan_rows = sorted(rows - videos)
    orphan_videos = sorted(videos - rows)
    stray = [p.name for p in files if LibraryLayout.id_of(p) not in rows | videos and not p.name.endswith(".part")]
    # A take in work/ is unfinished when it holds something and is not a stored look (a stored
    # look's emptied folder is only tidied away by the next recovery).
    takes = sorted(p for p in layout.work.iterdir() if p.is_dir() and p.name not in rows and any(p.iterdir())) \
        if layout.work.is_dir() else []
    recording = [t for t in takes if flock_holders(ctx, [t / "lock"])]
    left = [t.name for t in takes if t not in recording]
    problems = []
    if orphan_rows:
        problems.append(f"{count(len(orphan_rows), 'look')} without their video ({_few(orphan_rows)})")
    if orphan_videos:
        problems.append(f"{count(len(orphan_videos), 'video')} without their row ({_few(orphan_videos)})")
    if stray:
        problems.append(f"{count(len(stray), 'stray file')} in looks/ ({_few(stray)})")
    if left:
        problems.append(f"{count(len(left), 'unfinished take')} in work/ ({_few(left)})")
    if problems:
        return warning("library", "The look library is not in step: " + "; ".join(problems) + ".", RECOVER_HINT)
    if not rows and not videos and not takes:
        elsewhere = library_elsewhere(ctx)  # a mistyped library.data_dir
        if elsewhere is not None:
            return elsewhere
    now = f"; {count(len(recording), 'take')} being recorded now" if recording else ""
    return ok("library", f"The look library is consistent: {count(len(rows), 'look')}, each with its video{now}.")


def _few(names: list[str]) -> str:
    return ", ".join(names[:3]) + (", …" if len(names) > 3 else "")


def _read_only_mount(path: Path) -> bool:
    try:
        return read_only_mount(path)
    except OSError:
        return False


def closed_to_user(path: Path) -> str:
    """Why this user cannot read ``path``, or "" (readable, or missing: other words say that).

    The usual cause is the doctor run by an admin rather than the kiosk's user: provision makes the
    data folder 0750 and the databases and secrets 0600, the kiosk's user's alone.
    """
    try:
        found = path.stat()
    except PermissionError:
        return "is in a folder closed to this user"
    except OSError:
        return ""
    if stat.S_ISREG(found.st_mode) and not os.access(path, os.R_OK):
        return "is not readable by this user"
    return ""
