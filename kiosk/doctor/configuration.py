"""Is the configuration valid, and does it lock the API?"""

from __future__ import annotations

from kiosk.config import NOT_FOUND, NOT_TEXT, NOT_TOML, UNREADABLE
from kiosk.doctor.check import Context, Result, fail, ok, warning
from kiosk.net.throttle import MAX_FAILURES_DAY
from kiosk.users import user_name

SAFE_PIN_DIGITS = 6  # below this the doctor warns; the configuration itself accepts 4 to 12


def check_config(ctx: Context) -> list[Result]:
    if ctx.config_error:
        unread = any(why in ctx.config_error for why in (NOT_FOUND, UNREADABLE, NOT_TEXT))
        said = "could not be read" if unread else "is not valid"
        return [fail("config", f"The configuration {said}: {ctx.config_error}; the other checks used the built-in defaults.",
                     _fix_hint(ctx.config_error) + ", then check the file again with 'kiosk config check --config FILE'.")]
    shown = (" The status line is on (display.show_status): shoppers see the camera and screen rates; "
             "set it to false once the mirror is set up.") if ctx.config.display.show_status else ""
    results = [ok("config", f"The configuration ({ctx.config.origin}) is valid.{shown}")]
    api = ctx.config.api
    token = ctx.environ.get("KIOSK_API_TOKEN") or api.token
    if not token and not api.pin:
        results.append(warning("api-token", "No API token or console PIN is set: associates cannot use the console "
                               "and the store's tools cannot call the API (status, health and metrics still answer).",
                               "Set api.token (the same on every mirror of the store) in the configuration, or "
                               "KIOSK_API_TOKEN in /etc/smartmirror/kiosk.env."))
    else:
        results.append(ok("api-token", "An API token is set." if token else "A console PIN is set (no API token)."))
    if api.pin and len(api.pin) < SAFE_PIN_DIGITS:
        # a warning, not an error: 4 to 12 digits has always been valid, and mirrors in use have such PINs
        days = 10 ** len(api.pin) / 2 / MAX_FAILURES_DAY  # half the PINs tried, on average
        results.append(warning("api-pin", f"The console PIN has only {len(api.pin)} digits: someone on the LAN "
                               f"guessing it at the rate the store's mirrors allow ({MAX_FAILURES_DAY} wrong PINs a "
                               f"day) could find it in about {days:,.0f} days on average.",
                               f"Use {SAFE_PIN_DIGITS} to 12 digits in api.pin (the same on every mirror of the store; "
                               "scripts/provision --pin sets it)."))
    return results


def _fix_hint(error: str) -> str:
    """What to fix: the file that is not there, not readable or not text; the place a syntax error
    points at (a line and column, or the end); else the key named."""
    if NOT_FOUND in error:
        return ("Point --config or KIOSK_CONFIG at the mirror's configuration file, or put it there "
                "(scripts/provision writes one; docs/kiosk.example.toml documents every setting)")
    if UNREADABLE in error:
        # The file holds the API token and the PIN: provision lets only the kiosk's user read it
        # (0640 root:mirror in /etc/smartmirror, 0750). Refused to anyone else, it is not to be opened up.
        return (f"Run 'kiosk doctor' as the kiosk's user ('sudo -u mirror kiosk doctor'; this was {user_name()}): the "
                "file holds the API token and the PIN, so only that user may read it. If it says the same there, let "
                "that user read the file (its owner and mode: 'ls -l' on it and the folders above)")
    if NOT_TEXT in error:
        return "Save the file as plain UTF-8 text (docs/kiosk.example.toml shows the form)"
    if NOT_TOML in error:
        return ("Fix the file where it points (that line and column, or its end): one key = value per line, text in "
                "quotes, each [section] once (docs/kiosk.example.toml shows the form)")
    return "Fix the key it names (docs/kiosk.example.toml documents every setting)"
