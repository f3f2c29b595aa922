"""Card UIDs become keyed hashes at once: HMAC-SHA256 with the store's secret.

The raw UID is never stored or logged. The secret is per store, so the same card gives the same
key on every mirror of that store (provisioning copies one secret file to all of them) and a
different, unlinkable key in another store. Without the secret a key cannot be turned back into
a card number, even by trying every possible UID.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from kiosk.identity.errors import IdentityError

_log = logging.getLogger(__name__)

#: Bumped only if the derivation changes; part of the hashed message so old keys never collide.
_DOMAIN = b"smartmirror/card-key/v1:"
KEY_HEX_CHARS = 32  # 128 bits of the HMAC: far beyond any collision among a store's cards
MIN_SECRET_BYTES = 16


def normalise_uid(uid: str) -> str:
    """Uppercase hex without separators; raises ValueError for anything else."""
    text = uid.strip().replace(":", "").replace("-", "").replace(" ", "").upper()
    if not text or any(c not in "0123456789ABCDEF" for c in text):
        raise ValueError("not a hexadecimal card number")
    return text


class CardKeyer:
    """Turns card UIDs into lookup keys with one store secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise IdentityError(f"the store secret must have at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret

    def key(self, uid: str) -> str:
        """The card key of ``uid`` (any case, with or without separators)."""
        message = _DOMAIN + normalise_uid(uid).encode("ascii")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]

    def __repr__(self) -> str:  # never show the secret in a traceback or log line
        return "CardKeyer(<secret>)"


def load_secret(path: Path, create: bool = False) -> bytes:
    """Read the store secret (hex text) from ``path``; create a random one when asked and absent."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            raise IdentityError(
                f"the store secret {path} does not exist; provisioning writes it "
                "(the same file on every mirror of the store)"
            ) from None
        return _create_secret(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise IdentityError(f"cannot read the store secret {path} ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise IdentityError(f"the store secret {path} is not hexadecimal text") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise IdentityError(f"the store secret {path} is too short (at least {MIN_SECRET_BYTES * 2} hex digits)")
    return secret


def _create_secret(path: Path) -> bytes:
    secret = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return load_secret(path)
    except OSError as exc:
        raise IdentityError(f"cannot create the store secret {path} ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    _log.warning("created a new store secret %s; copy it to every mirror of this store", path)
    return secret
