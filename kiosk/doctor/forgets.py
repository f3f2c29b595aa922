"""Forget-me requests still to finish (``forgets-pending.json`` beside the customer directory).

A shopper's "forget me" that a locked database or a full disk left unfinished is tried again by
the running kiosk, and at its next start; while it waits, her looks and records are still there.
The kiosk only logs it, so the doctor says how many wait (never whose: the file holds card keys
only, and none is shown). Read with the product's own reader, never changed.
"""

from __future__ import annotations

from kiosk.doctor.check import Context, Result, fail, ok, warning
from kiosk.doctor.storage import AS_KIOSK_USER_HINT, closed_to_user
from kiosk.users import user_name

WAITING_HINT = ("The running kiosk tries again every minute at most, and at once when it starts. If this stays, look "
                "for another program holding the customer directory or the look database open (a 'sqlite3' shell, a "
                "backup) and for a full disk (the disk-space check), then restart the kiosk.")
UNREADABLE_HINT = ("The kiosk starts with no forget pending and writes a sound file at the next forget. A shopper who "
                   "asked the mirror to forget her lately can be forgotten with 'kiosk customers forget --uid CARD'.")


def check_pending_forgets(ctx: Context) -> Result:
    from kiosk.identity.pending import FILENAME, Unusable, read

    path = ctx.identity_database().with_name(FILENAME)  # beside it, as ``setup.pending_forgets_path``
    why = closed_to_user(path)
    if why:
        return fail("forgets", f"The unfinished forgets {path} cannot be checked: it {why} ({user_name()}).",
                    AS_KIOSK_USER_HINT)
    try:
        keys, sound = read(path)
    except Unusable as exc:
        return warning("forgets", f"The unfinished forgets {path} cannot be read ({exc}): a forget-me request the "
                                  "kiosk could not finish may be lost.", UNREADABLE_HINT)
    if not sound:
        return warning("forgets", f"The unfinished forgets {path} hold entries that are not card keys: the kiosk "
                                  "skips them.", UNREADABLE_HINT)
    if not keys:
        return ok("forgets", "No forget-me request is waiting to finish.")
    count = "1 forget-me request is" if len(keys) == 1 else f"{len(keys)} forget-me requests are"
    return warning("forgets", f"{count} still to finish: the look database or the customer directory could not be "
                              "written when it was asked.", WAITING_HINT)
