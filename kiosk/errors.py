"""The kiosk's error tree: every error a person may read is a ``KioskError`` defined here.

KioskError                   anything the kiosk reports to a person as one plain sentence
├── ConfigError              the configuration file or a setting is wrong
├── UsageError               a command was called with arguments that cannot work (exit status 2)
├── SourceError              a camera source spec is wrong or the camera cannot be used
├── NativeLibraryMissing     PyAV, OpenCV or MediaPipe cannot be loaded
├── StorageError             a database cannot be opened, is damaged or is from a newer kiosk
├── LibraryError             the look library cannot be opened or changed
│   ├── LibraryMissing       there is no look library in the folder (a command that only uses one)
│   └── LookNotFound         no look has that id
│       └── ComparisonNotFound  no comparison has that id
├── CompareError             a comparison cannot be made (a look missing, unreadable, nobody in it)
│   ├── CompareQueueFull     too many comparisons are waiting to be rendered
│   └── CompareStopped       a render was stopped early (its comparison was deleted or withdrawn)
├── RecordingError           a recording cannot be made
│   ├── RecordingRefused     a take could not start (the text says why: disk, no session…)
│   │   └── DiskAlmostFull   the data folder is below recording.min_free_mb (the text has the figures)
│   ├── RecordingInterrupted Ctrl-C or SIGTERM stopped ``kiosk record`` early (exit status 130)
│   └── EncoderError         no H.264 encoder could be opened, or encoding failed
├── AnalysisError            the body analysis cannot run
│   ├── PoseModelMissing     the configured pose model is not installed
│   ├── PoseProcessError     the pose process died or did not answer
│   └── VideoError           a video file cannot be opened or decoded
├── IdentityError            the customer directory, store secret or consent cannot be used
│   ├── CustomerImportError  a CRM export cannot be imported (file and row named)
│   └── ReaderError          the card reader cannot be opened or read no card
└── NetworkError             the network services cannot do what was asked
    ├── NetServiceError      they cannot start (port in use, bad address…) or are off
    └── NetworkDatabaseError the network database cannot be opened or written

Internal signals that never reach a person are plain ``Exception``s next to their code
(``recording.container.MediaError``, ``net.auth.Throttled``, ``net.stream.TooManySubscribers``);
the device adapters in ``hardware/`` raise their own errors, which ``kiosk`` converts at the
boundary.
"""


class KioskError(Exception):
    """Base class: ``str(error)`` is one plain sentence for the person who ran the command."""

    exit_status = 1  # what the command line exits with


class ConfigError(KioskError):
    """The configuration file or one of its settings is wrong."""


class UsageError(KioskError):
    """A command was called with arguments that cannot work together."""

    exit_status = 2  # as argparse's own usage errors: scripts tell "called wrongly" from "it failed" (1)


class SourceError(KioskError):
    """A camera source spec is wrong or the camera cannot be used."""


class NativeLibraryMissing(KioskError):
    """A native library the command needs is not installed (run scripts/demo or scripts/test)."""


class StorageError(KioskError):
    """A database cannot be opened, is damaged beyond repair, or comes from a newer kiosk."""


class LibraryError(KioskError):
    """The library cannot be opened or changed (bad folder, damaged database, disk trouble)."""


class LibraryMissing(LibraryError):
    """There is no look library in the folder, and the command only uses one (it never makes one)."""


class LookNotFound(LibraryError):
    """No look has the given id (it never existed, or it was deleted)."""


class LookNotConsented(LibraryError):
    """The look's shopper has not agreed to keep it, so it cannot take what that would need (a note)."""


class ComparisonNotFound(LookNotFound):
    """No comparison has the given id (never made, or deleted with one of its looks)."""


class CompareError(KioskError):
    """A comparison cannot be made: a look or video is missing, unreadable or shows nobody."""


class CompareQueueFull(CompareError):
    """Too many comparisons are waiting to be rendered."""


class CompareStopped(CompareError):
    """A render was stopped early, between frames: its comparison was deleted (or a look withdrawn)."""


class RecordingError(KioskError):
    """A recording cannot be made."""


class RecordingRefused(RecordingError):
    """A recording could not start (e.g. the disk is almost full); the text says why."""


class DiskAlmostFull(RecordingRefused):
    """A recording could not start: too little free space; the text has the figures, for staff."""


class RecordingInterrupted(RecordingError):
    """Ctrl-C or SIGTERM stopped a recording before its length; the text says what was kept."""

    exit_status = 130  # as for any command Ctrl-C ends (kiosk.cli)


class EncoderError(RecordingError):
    """No H.264 encoder could be opened, or encoding failed."""


class AnalysisError(KioskError):
    """The body analysis cannot run."""


class PoseModelMissing(AnalysisError):
    """The pose model for the configured complexity is not installed."""


class PoseProcessError(AnalysisError):
    """The pose process died or did not answer."""


class VideoError(AnalysisError):
    """A video file cannot be opened or decoded."""


class IdentityError(KioskError):
    """The customer directory, the store secret or a consent request cannot be used as asked."""


class CustomerImportError(IdentityError):
    """A CRM export cannot be imported; the message names the file and the row."""


class ReaderError(IdentityError):
    """The card reader cannot be opened, does not answer, or read no card in time."""


class NetworkError(KioskError):
    """The network services cannot do what was asked."""


class NetServiceError(NetworkError):
    """The network services cannot start (port in use, bad address, database trouble) or are off."""


class NetworkDatabaseError(NetworkError):
    """The network database cannot be opened or written."""
