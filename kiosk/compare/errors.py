"""Errors of comparisons; each message is one plain sentence for the person who asked."""

from kiosk.errors import KioskError


class CompareError(KioskError):
    """A comparison cannot be made: a look or video is missing, unreadable or shows nobody."""
