"""The kiosk's error tree.

KioskError            anything the kiosk reports to a person as one plain sentence
├── ConfigError       the configuration file or a setting is wrong
├── SourceError       a camera source spec is wrong or the camera cannot be used
└── UsageError        a command was called with arguments that cannot work
"""


class KioskError(Exception):
    """Base class: ``str(error)`` is one plain sentence for the person who ran the command."""


class ConfigError(KioskError):
    """The configuration file or one of its settings is wrong."""


class SourceError(KioskError):
    """A camera source spec is wrong or the camera cannot be used."""


class UsageError(KioskError):
    """A command was called with arguments that cannot work together."""
