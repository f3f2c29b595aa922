"""Errors of the look library (defined in ``kiosk.errors``, the one error tree)."""

from kiosk.errors import LibraryError, LookNotFound

__all__ = ["LibraryError", "LookNotFound"]
