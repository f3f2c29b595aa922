"""Which time zone does the kiosk read local time in? The opening hours, share pages' dates and download names use it.

The kiosk's local time is glibc's: the zone ``/etc/localtime`` links to (``timedatectl
set-timezone`` and ``scripts/provision --timezone`` set it; Debian names it in ``/etc/timezone``
too; a copied zone file is named by its bytes), and UTC when there is none or it names a zone that
is not installed. A Debian image ships as Etc/UTC, so a mirror in New York open "Mo-Sa 09:00-20:00"
would go dark at 15:00 its time. The zone's rules are read from the system's own zone data under
``ctx.root``, not Python's (``zones``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.doctor.check import Context, Result, ok, warning
from kiosk.doctor.zones import COPIED, ZONEINFO, Zone, read_zone, system_zone
from kiosk.opening_hours import OpeningHours, parse_opening_hours

HINT = ("Set the store's zone with 'sudo scripts/provision --timezone Area/City' (e.g. America/New_York; "
        "'timedatectl list-timezones' lists them), which restarts the kiosk, or with "
        "'sudo timedatectl set-timezone Area/City' and a reboot (the kiosk reads the zone when it starts).")


def check_timezone(ctx: Context) -> Result:
    system = read_zone(ctx, (ctx.local_zone or (lambda: system_zone(ctx)))())
    hours = parse_opening_hours(ctx.config.display.opening_hours)
    return _system_zone(ctx, system, hours)


def _when(ctx: Context, zone: Zone) -> str:
    now = datetime.fromtimestamp(ctx.now(), zone.rules or timezone.utc)
    return f"{now:%A} {now.day} {now:%B, %H:%M} {now.tzname()}"


def _system_zone(ctx: Context, zone: Zone, hours: OpeningHours) -> Result:
    when = _when(ctx, zone)
    if not zone.name:
        named = "not set"
    elif not zone.found:
        named = f"{zone.name}, which is not installed here (no {ZONEINFO}/{zone.name})"
    elif zone.name == COPIED:
        named = f"set by a copied {COPIED} that matches no zone in {ZONEINFO}, so it cannot be named"
    else:
        named = zone.name
    hint = f"Install the zone data ('sudo apt-get install tzdata'), then s{HINT[1:]}" if not zone.found else HINT
    if zone.rules is None and not hours.always_open:
        return warning("timezone", f"The time zone is {named}, so the opening hours are read as UTC: the screen "
                                   f"follows '{hours.text.strip()}' by UTC ({when} now), not by the store's clock.", hint)
    if not zone.found:
        return warning("timezone", f"The time zone is {named}, so local time is UTC: share pages date looks by "
                                   f"UTC ({when} now).", hint)
    if not zone.name:
        named = "not set (local time is UTC)"
    tail = "" if hours.always_open else ", and the opening hours are read in it"
    if zone.name == COPIED:  # a copy does not follow updates of the zone data
        return warning("timezone", f"The time zone is {named}; it is {when} here{tail}.", HINT)
    return ok("timezone", f"The time zone is {named}; it is {when} here{tail}.")

