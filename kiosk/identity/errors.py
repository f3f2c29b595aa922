"""Errors of the identity layer (defined in ``kiosk.errors``, the one error tree)."""

from kiosk.errors import CustomerImportError, IdentityError, ReaderError

__all__ = ["CustomerImportError", "IdentityError", "ReaderError"]
