"""Recording looks: H.264 encoding with pre-roll, crash-safe takes, and recovery.

Public API (the studio, the commands and the benchmarks use only these names):

- ``Recorder(hub, sink, bus, settings, fps)``: ``start()``/``stop()`` run the encoder,
  ``pause()``/``resume()`` idle it between sessions;
  ``begin(reason, session_id=...)`` starts a take (returns its look id, raises
  ``RecordingRefused``), ``end(reason)`` ends it; ``recording`` and ``dropped`` report;
  ``store_kept(leave)`` stores the takes kept for the next start that are certainly to be kept,
  on its own thread, and ``kept_left`` says how many still wait.
- ``LibrarySink(library, policy)`` and ``FileSink(path)``: where finished takes go.
- ``recover(library)``: what start-up and ``kiosk looks recover`` run.
- Events on the bus: ``RecordingStarted``, ``RecordingStopped``, ``LookRecorded``,
  ``RecordingDiscarded``, ``RecordingFailed``.
"""

from kiosk.recording.encoder import EncoderError, EncoderSettings
from kiosk.recording.events import (
    LookRecorded,
    RecordingDiscarded,
    RecordingFailed,
    RecordingStarted,
    RecordingStopped,
)
from kiosk.recording.recorder import Recorder, RecorderSettings, RecordingRefused
from kiosk.recording.recovery import RecoveryReport, recover
from kiosk.recording.sinks import FileSink, LibrarySink

__all__ = [
    "EncoderError",
    "EncoderSettings",
    "FileSink",
    "LibrarySink",
    "LookRecorded",
    "Recorder",
    "RecorderSettings",
    "RecordingDiscarded",
    "RecordingFailed",
    "RecordingRefused",
    "RecordingStarted",
    "RecordingStopped",
    "RecoveryReport",
    "recover",
]
