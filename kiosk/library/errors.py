"""Errors of the look library; each message is one plain sentence."""

from kiosk.errors import KioskError


class LibraryError(KioskError):
    """The library cannot be opened or changed (bad folder, damaged database, disk trouble)."""


class LookNotFound(LibraryError):
    """No look has the given id (it never existed, or it was deleted)."""
