"""Errors of the identity layer, each one plain sentence for the person who sees it."""

from kiosk.errors import KioskError


class IdentityError(KioskError):
    """The customer directory, the store secret or a consent request cannot be used as asked."""


class CustomerImportError(IdentityError):
    """A CRM export cannot be imported; the message names the file and the row."""


class ReaderError(IdentityError):
    """The card reader cannot be opened, does not answer, or read no card in time."""
