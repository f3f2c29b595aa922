"""Which zone glibc reads local time in, found in the files under a root, never Python's.

glibc takes the zone from ``$TZ`` when it is set (the kiosk's comes from its units'
``EnvironmentFile=``, ``kiosk.env``), else from ``/etc/localtime``: a link into the zone data, or
a copy of one of its files, which is named here by the zone file with the same bytes. A ``TZ`` is
a zone's name (perhaps after a ":"), a zone file's absolute path, or a POSIX rule such as
``CET-1CEST,M3.5.0,M10.5.0/3``; an empty one, and one that is none of these, is UTC without a
word. The names of UTC are listed once, in ``utc-names`` beside this module.

scripts/provision asks the same questions before any kiosk or virtual environment exists, so this
module needs the standard library alone and runs as a file too, with the system's python3:

    python3 -I kiosk/doctor/zones.py system ROOT       prints the zone /etc/localtime gives ("" unset)
    python3 -I kiosk/doctor/zones.py tz ROOT FILE      prints the TZ that FILE gives; exit 1 when none
    python3 -I kiosk/doctor/zones.py utc NAME          exit 0 when NAME is a name of UTC or ""
    python3 -I kiosk/doctor/zones.py same ROOT TZ ZONE exit 0 when TZ gives the local time that ZONE does

Exit 0 is yes, 1 no; 2 (its usage) or anything else, and anything on stderr (Python's own failures
exit 1 with a traceback), is no answer. For these questions the zone data is ROOT's own, else
this machine's when ROOT has none (a tree being prepared, whose tzdata comes later): what provision
checks ``--timezone`` against. The doctor reads the zone data of the system it checks, without that.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import struct
import sys
import zoneinfo
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

ZONEINFO = "/usr/share/zoneinfo"
COPIED = "/etc/localtime"  # the zone of a copied /etc/localtime that no zone file matches, by its path
_MAX_BYTES = 1 << 20  # a zone file is a few KiB
_MAX_FILES = 5000  # zone files looked at for a copy (a zone data tree has about 600)
_COPIES = {"posix", "right"}  # the zone data again (right/: with leap seconds), never a zone's name


@functools.cache
def utc_names() -> frozenset[str]:
    """The names of UTC, without "Etc/", from the one list of them."""
    lines = Path(__file__).with_name("utc-names").read_text().splitlines()
    return frozenset(name for line in lines if (name := line.partition("#")[0].strip()))


def is_utc(zone: str) -> bool:
    """UTC by its name; "" (unset, or an empty TZ) too."""
    return not zone or zone.removeprefix("Etc/") in utc_names()


@dataclass(frozen=True)
class Zone:
    """A zone as glibc reads it: ``rules`` None is UTC; ``found`` False is a name glibc finds nothing for."""

    name: str
    rules: tzinfo | None = None
    found: bool = True
    same_as: bytes | str = "UTC"  # two zones with the same one give the same local time


def read_zone(root: Path, name: str, as_tz: bool = False, data_root: Path | None = None) -> Zone:
    """``name`` (a zone, a zone file's path) as glibc reads it, from the zone data under ``root``.

    ``as_tz``: ``name`` is a ``$TZ``, which may be a POSIX rule too; /etc/localtime's never is.
    ``data_root``: the tree whose zone data is read instead (``zone_data_root``).
    """
    if as_tz:
        name = name.removeprefix(":")
    if is_utc(name):
        return Zone(name)
    path = name if name.startswith("/") else f"{ZONEINFO}/{name}"
    data = _zone_file((data_root or root) if path.startswith(f"{ZONEINFO}/") else root, path)
    if data is not None:
        rules = _from_tzif(data, name)
        if rules is not None:
            return Zone(name, rules, same_as=data)
    rules = _from_tzif(_rule_only(name), name) if as_tz and not name.startswith("/") else None
    return Zone(name, rules, found=rules is not None, same_as=name if rules else "UTC")


def same_zone(tz: Zone, zone: Zone) -> bool:
    """``tz`` gives the local time ``zone`` does: the same zone file's bytes or rule, whatever the names (US/Eastern
    is America/New_York); a ``tz`` glibc finds nothing for (so UTC) only when it is ``zone``'s name too."""
    return tz.same_as == zone.same_as and (tz.found or tz.name == zone.name)


def zone_data_root(root: Path) -> Path:
    """The tree whose zone data provision reads for ``root``: its own, else this machine's."""
    return root if _under(root, ZONEINFO).is_dir() else Path("/")


def system_zone(root: Path, data_root: Path | None = None) -> str:
    """The zone /etc/localtime gives: the one it links to, or a copy's by its bytes; "" unset, ``COPIED`` unnamed.

    ``data_root``: the tree whose zone data names a copy (``zone_data_root``); ``root``'s own by default.
    """
    data_root = data_root or root
    link = _under(root, "/etc/localtime")
    if link.is_symlink():
        _, into, name = os.readlink(link).partition("zoneinfo/")
        return name if into else ""
    data = _zone_file(root, "/etc/localtime")
    if data is None:
        return ""
    try:  # Debian names a copied zone in /etc/timezone; glibc reads the bytes, so they must agree
        named = _under(root, "/etc/timezone").read_text().strip()
    except (OSError, UnicodeDecodeError):
        named = ""
    if named and _zone_file(data_root, f"{ZONEINFO}/{named}") == data:
        return named
    # /etc/timezone left behind by an update of the zone data still names the zone meant
    return _same_bytes(data_root, data) or named or COPIED


def kiosk_env_tz(root: Path, env_file: str | Path) -> str | None:
    """The TZ that ``env_file`` (kiosk.env) gives the kiosk, read as systemd reads it; None when it gives none."""
    try:
        text = _under(root, str(env_file)).read_text(errors="replace")
    except OSError:
        return None
    tz = None
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals and key.strip() == "TZ":  # "#TZ=…" and ";TZ=…" are comments
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            tz = value  # the last one wins
    return tz


def _under(root: Path, absolute: str) -> Path:
    """``absolute`` (e.g. /etc/localtime) under ``root``."""
    return root / absolute.lstrip("/")


def _zone_file(root: Path, path: str) -> bytes | None:
    """A compiled zone file's bytes (a "TZif" file) at ``path`` under ``root``; None when there is none."""
    try:
        with _under(root, path).open("rb") as fh:
            data = fh.read(_MAX_BYTES)
    except OSError:
        return None
    return data if data.startswith(b"TZif") else None


def _from_tzif(data: bytes, key: str) -> tzinfo | None:
    try:
        return zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=key)
    except ValueError:
        return None


def _rule_only(rule: str) -> bytes:
    """A zone file with no transitions whose footer is ``rule``: zoneinfo then checks and follows it as glibc would."""
    counts = struct.pack(">6l", 0, 0, 0, 0, 1, 1)  # one local time type, one designation byte
    block = b"TZif2" + bytes(15) + counts + struct.pack(">lBB", 0, 0, 0) + b"\0"
    return block + block + b"\n" + rule.encode(errors="replace") + b"\n"


def _same_bytes(root: Path, data: bytes) -> str:
    """The zone whose file under the zone data has ``data`` as bytes, canonical names first; "" when none has."""
    top = _under(root, ZONEINFO)
    matches = []
    for path in _zone_files(top):
        try:
            info = os.lstat(path)  # links are aliases: their targets are looked at themselves
            if stat.S_ISREG(info.st_mode) and info.st_size == len(data) and Path(path).read_bytes() == data:
                matches.append(os.path.relpath(path, top))
        except OSError:
            continue
    if not matches:
        return ""
    canonical = _canonical_names(root)
    return min(matches, key=lambda name: (name not in canonical, "/" not in name, name))


def _zone_files(top: Path):
    """The files under the zone data, ``_MAX_FILES`` at most, without its copies of itself."""
    looked = 0
    for folder, subfolders, files in os.walk(top):
        if folder == str(top):
            subfolders[:] = [d for d in subfolders if d not in _COPIES]
        for file in files:
            looked += 1
            if looked > _MAX_FILES:
                return
            yield os.path.join(folder, file)


def _canonical_names(root: Path) -> frozenset[str]:
    """The zones (not links) tzdata.zi lists: ``Etc/UTC`` rather than ``UTC`` or ``Zulu``."""
    try:
        text = _under(root, f"{ZONEINFO}/tzdata.zi").read_text(errors="replace")
    except OSError:
        return frozenset()
    return frozenset(line.split()[1] for line in text.splitlines() if line.startswith("Z ") and len(line.split()) > 1)


def main(argv: list[str]) -> int:
    """scripts/provision's questions (see the module's docstring); 2 and the usage for anything else."""
    if len(argv) == 2 and argv[0] == "system":
        root = Path(argv[1])
        print(system_zone(root, zone_data_root(root)))
        return 0
    if len(argv) == 3 and argv[0] == "tz":
        tz = kiosk_env_tz(Path(argv[1]), argv[2])
        if tz is None:
            return 1
        print(tz)
        return 0
    if len(argv) == 2 and argv[0] == "utc":
        return 0 if is_utc(argv[1]) else 1
    if len(argv) == 4 and argv[0] == "same":
        root = Path(argv[1])
        data_root = zone_data_root(root)
        tz = read_zone(root, argv[2], as_tz=True, data_root=data_root)
        return 0 if same_zone(tz, read_zone(root, argv[3], data_root=data_root)) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
