"""Which time zone is local time read in? The opening hours, share pages' dates and download names use it.

The kiosk's local time is glibc's: the zone ``/etc/localtime`` links to (``timedatectl
set-timezone`` and ``scripts/provision --timezone`` set it; Debian names it in ``/etc/timezone``
too), and UTC when there is none or it names a zone that is not installed. A Debian image ships as
Etc/UTC, so a mirror in New York open "Mo-Sa 09:00-20:00" would go dark at 15:00 its time.
The zone's rules are read from the system's own zone data under ``ctx.root``, not Python's.
"""

from __future__ import annotations

import functools
import os
import zoneinfo
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from kiosk.doctor.check import Context, Result, ok, warning
from kiosk.opening_hours import parse_opening_hours

ZONEINFO = "/usr/share/zoneinfo"
HINT = ("Set the store's zone with 'sudo scripts/provision --timezone Area/City' (e.g. America/New_York; "
        "'timedatectl list-timezones' lists them), which restarts the kiosk, or with "
        "'sudo timedatectl set-timezone Area/City' and a reboot (the kiosk reads the zone when it starts).")


def system_zone(ctx: Context) -> str:
    """The zone ``/etc/localtime`` links to under ``ctx.root`` (a copied file: the one /etc/timezone names); "" when unset."""
    link = ctx.path("/etc/localtime")
    if link.is_symlink():
        _, into, name = os.readlink(link).partition("zoneinfo/")
        return name if into else ""
    if not link.exists():
        return ""
    try:
        return ctx.path("/etc/timezone").read_text().strip()
    except OSError:
        return ""


@functools.cache
def utc_names() -> frozenset[str]:
    """The names of UTC, without "Etc/", from the one list of them (scripts/provision reads it too)."""
    lines = Path(__file__).with_name("utc-names").read_text().splitlines()
    return frozenset(name for line in lines if (name := line.partition("#")[0].strip()))


def is_utc(zone: str) -> bool:
    """UTC by its name; "" (unset) too."""
    return not zone or zone.removeprefix("Etc/") in utc_names()


def _rules(ctx: Context, zone: str) -> tzinfo | None:
    """The zone's rules from the system's zone data; None when it is not installed (glibc then uses UTC)."""
    try:
        with ctx.path(f"{ZONEINFO}/{zone}").open("rb") as fh:
            return zoneinfo.ZoneInfo.from_file(fh, key=zone)
    except (OSError, ValueError):
        return None


def check_timezone(ctx: Context) -> Result:
    zone = (ctx.local_zone or (lambda: system_zone(ctx)))()
    rules = None if is_utc(zone) else _rules(ctx, zone)
    missing = rules is None and not is_utc(zone)  # named, but not installed
    now = datetime.fromtimestamp(ctx.now(), rules or timezone.utc)
    when = f"{now:%A} {now.day} {now:%B, %H:%M} {now.tzname()}"
    if not zone:
        named = "not set"
    elif missing:
        named = f"{zone}, which is not installed here (no {ZONEINFO}/{zone})"
    else:
        named = zone
    hint = f"Install the zone data ('sudo apt-get install tzdata'), then s{HINT[1:]}" if missing else HINT
    hours = parse_opening_hours(ctx.config.display.opening_hours)
    if rules is None and not hours.always_open:
        return warning("timezone", f"The time zone is {named}, so the opening hours are read as UTC: the screen "
                                   f"follows '{hours.text.strip()}' by UTC ({when} now), not by the store's clock.", hint)
    if missing:
        return warning("timezone", f"The time zone is {named}, so local time is UTC: share pages date looks by "
                                   f"UTC ({when} now).", hint)
    if not zone:
        named = "not set (local time is UTC)"
    if hours.always_open:
        return ok("timezone", f"The time zone is {named}; it is {when} here.")
    return ok("timezone", f"The time zone is {named}; it is {when} here, and the opening hours are read in it.")
