"""Errors of the look library (defined in ``kiosk.errors``, the one error tree)."""

from kiosk.errors import LibraryError, LookNotConsented, LookNotFound

__all__ = ["LibraryError", "LookNotConsented", "LookNotFound"]
