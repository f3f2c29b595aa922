"""The store secret: there, readable by this user, and sound; its value is never shown.

Card numbers are hashed with it and the store's mirrors prove to each other that they hold it.
A kiosk that finds none makes a new one at its first start, which no other mirror of the store
shares; one it cannot read leaves loyalty cards off and the other mirrors unchecked. The running
kiosk only logs either, so the doctor names them. Read with the product's own loader, never
created.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.doctor.check import Context, Result, fail, ok, warning
from kiosk.doctor.storage import AS_KIOSK_USER_HINT, closed_to_user
from kiosk.users import user_name

COPY_HINT = ("Copy /etc/smartmirror/store-secret from another mirror of the store (the Ansible play does), owned by the "
             "kiosk's user and readable by it alone ('chown mirror: FILE; chmod 600 FILE'), then restart the kiosk; "
             "on the store's first mirror, scripts/provision makes one.")


def check_store_secret(ctx: Context) -> Result:
    from kiosk.identity.cardkey import load_secret
    from kiosk.identity.errors import IdentityError
    from kiosk.identity.setup import SECRET_NAME

    configured = ctx.config.identity.secret_file
    path = Path(configured).expanduser() if configured else ctx.data_dir / SECRET_NAME
    why = closed_to_user(path)  # the file, or a folder above it (/etc/smartmirror is 0750 root:mirror)
    if why:  # the kiosk's user may well read it (0600, its own), which says nothing yet
        return fail("store-secret", f"The store secret {path} cannot be checked: it {why} ({user_name()}).",
                    AS_KIOSK_USER_HINT)
    try:
        path.stat()
    except FileNotFoundError:
        return warning("store-secret", f"The store secret {path} does not exist: the kiosk makes a new one at its first "
                                       "start, which no other mirror of the store has (their loyalty cards and this "
                                       "mirror would not be recognised).", COPY_HINT)
    except OSError:
        pass  # load_secret names what is wrong
    try:
        load_secret(path, create=False)
    except IdentityError as exc:
        words = str(exc)
        return fail("store-secret", f"{words[:1].upper()}{words[1:]}: loyalty cards are off and the store's other "
                                    "mirrors cannot be checked.", COPY_HINT)
    return ok("store-secret", f"The store secret {path} is readable and sound (its value is never shown).")

