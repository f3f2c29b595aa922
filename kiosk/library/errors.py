"""Errors of the look library (defined in ``kiosk.errors``, the one error tree)."""

from kiosk.errors import LibraryError, LibraryMissing, LookNotConsented, LookNotFound

__all__ = ["LibraryError", "LibraryMissing", "LookNotConsented", "LookNotFound"]
