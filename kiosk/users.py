"""Whose a file is: store IT's commands read the mirror's files as the kiosk's user.

Provision gives the kiosk's user (``mirror``) the data folder (0750) with its databases and
secrets (0600), and lets it read the configuration (0640 root:mirror in /etc/smartmirror, 0750),
so an admin's own account is refused them: the command is to be run as that user
(``sudo -u mirror kiosk …``), not the files opened up. This module imports nothing but the
standard library.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_name(uid: int | None = None) -> str:
    """The user ``uid`` (default: who runs this process), by name (or number)."""
    import pwd

    uid = os.geteuid() if uid is None else uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def refused_file(exc: BaseException) -> PermissionError | None:
    """The file refused to this user behind ``exc`` (raised, or re-raised ``from None``), if any.

    Only a refusal that names a file: a port below 1024 refused to bind is no one's file.
    """
    seen: BaseException | None = exc
    for _ in range(10):  # a chain is short; a loop in it must not hang the command
        if seen is None:
            return None
        if isinstance(seen, PermissionError) and seen.filename is not None:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def whose(path: str | os.PathLike) -> str:
    """The user who may read ``path``, by the nearest of it and its folders this user can see:
    its owner, or for a root-owned one its group's user of the same name (root:mirror); "" when
    that is root, this user, or nobody known."""
    import grp
    import pwd

    for candidate in (Path(path), *Path(path).parents):
        try:
            found = candidate.stat()
        except OSError:
            continue
        if found.st_uid != 0:
            name = user_name(found.st_uid)
        else:
            try:
                name = grp.getgrgid(found.st_gid).gr_name if found.st_gid != 0 else ""
                pwd.getpwnam(name)
            except KeyError:
                name = ""
        return "" if name in ("", user_name()) or name.isdigit() else name
    return ""
