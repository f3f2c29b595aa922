"""Which time zone does the kiosk read local time in? The opening hours, share pages' dates and download names use it.

The kiosk's local time is glibc's: the zone ``/etc/localtime`` links to (``timedatectl
set-timezone`` and ``scripts/provision --timezone`` set it; Debian names it in ``/etc/timezone``
too; a copied zone file is named by its bytes), and UTC when there is none or it names a zone that
is not installed. A Debian image ships as Etc/UTC, so a mirror in New York open "Mo-Sa 09:00-20:00"
would go dark at 15:00 its time. A ``TZ`` in kiosk.env overrides that zone for the kiosk alone,
unseen by ``timedatectl``; the check reports the zone the kiosk will actually use. The zone's rules
are read from the system's own zone data under ``ctx.root``, not Python's (``zones``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.config import SYSTEM_ENV_FILE
from kiosk.doctor.check import Context, Result, ok, warning
from kiosk.doctor.zones import COPIED, ZONEINFO, Zone, kiosk_env_tz, read_zone, same_zone, system_zone
from kiosk.opening_hours import OpeningHours, parse_opening_hours

HINT = ("Set the store's zone with 'sudo scripts/provision --timezone Area/City' (e.g. America/New_York; "
        "'timedatectl list-timezones' lists them), which restarts the kiosk, or with "
        "'sudo timedatectl set-timezone Area/City' and a reboot (the kiosk reads the zone when it starts).")
ENV_HINT = (f"Remove the TZ line from {SYSTEM_ENV_FILE} so that the kiosk follows the system's zone (which "
            "'sudo scripts/provision --timezone Area/City' sets), or correct it; then restart the kiosk "
            "('sudo systemctl restart smartmirror-kiosk').")


def check_timezone(ctx: Context) -> Result:
    system = read_zone(ctx.root, (ctx.local_zone or (lambda: system_zone(ctx.root)))())
    hours = parse_opening_hours(ctx.config.display.opening_hours)
    tz = kiosk_env_tz(ctx.root, SYSTEM_ENV_FILE)
    if tz is not None:
        kiosk = read_zone(ctx.root, tz, as_tz=True)
        if not same_zone(kiosk, system):
            return _kiosk_env_zone(ctx, kiosk, system, hours)
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


def _kiosk_env_zone(ctx: Context, kiosk: Zone, system: Zone, hours: OpeningHours) -> Result:
    """kiosk.env's TZ gives the kiosk another zone than the system's, or a name glibc reads as UTC."""
    when = _when(ctx, kiosk)
    if not kiosk.found:
        where = kiosk.name if kiosk.name.startswith("/") else f"{ZONEINFO}/{kiosk.name}"
        named = (f"The kiosk's time zone is {kiosk.name} (TZ in {SYSTEM_ENV_FILE}), which names no zone installed "
                 f"here (no {where})")
        if hours.always_open:
            return warning("timezone", f"{named}, so local time is UTC for the kiosk: share pages date looks by UTC "
                                       f"({when} now).", ENV_HINT)
        return warning("timezone", f"{named}, so the opening hours are read as UTC: the screen follows "
                                   f"'{hours.text.strip()}' by UTC ({when} now), not by the store's clock.", ENV_HINT)
    if kiosk.name:
        named = f"{kiosk.name} (TZ in {SYSTEM_ENV_FILE})"
    else:
        named = f"UTC (TZ in {SYSTEM_ENV_FILE} is empty)"
    if not system.name:
        theirs = "the system's zone, which is not set (UTC)"
    elif system.name == COPIED:
        theirs = f"the system's zone (a copied {COPIED})"
    else:
        theirs = f"the system's zone {system.name}"
    if hours.always_open:
        tail = ""
    elif kiosk.rules is None:
        tail = f", so the opening hours '{hours.text.strip()}' are read as UTC"
    else:
        tail = ", and the opening hours are read in it"
    return warning("timezone", f"The kiosk reads local time in {named}, not in {theirs}: it is {when} for the "
                               f"kiosk{tail}.", ENV_HINT)
