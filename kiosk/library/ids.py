"""Ids for looks and comparisons: 128 random bits, URL-safe, never starting with ``-``.

They are typed on command lines (``kiosk looks show ID``, ``kiosk compare A B``), where an
argument that begins with ``-`` reads as an option: one id in 64 would be refused.
"""

from __future__ import annotations

import secrets


def new_id(nbytes: int = 16) -> str:
    """A fresh unguessable id of ``nbytes`` random bytes whose first character is not ``-``."""
    while True:
        token = secrets.token_urlsafe(nbytes)
        if not token.startswith("-"):
            return token
