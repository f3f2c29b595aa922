"""The plain mirror: ``kiosk run`` started on a data folder it cannot write.

The kernel remounts a Raspberry Pi's SD card read-only after disk errors. A kiosk that starts
(or restarts) then cannot open its look database; failing would leave the fitting room with no
mirror at all, as systemd gives up after its restarts. So ``kiosk run`` asks first
(``kiosk.storage.writable.unwritable``) and, where the folder cannot be written, starts with the
live mirror and its body analysis only (``kiosk.wiring.plain_mirror``): no library, no identity,
no recording, and of the network part (its database lives in the folder too) only the public
health and metrics pages the store's monitoring reads (``kiosk.net.plain_pages``).

Its studio (``StudioUnavailable``) records nothing and says so in one plain sentence: the
welcome screen's line, the words as a visit starts, a refused raised hand. On the core's clock
it looks at the folder every ``FOLDER_CHECK_S`` and tells ``DataFolderWritable`` once it can be
written again and nobody is using the mirror (a visit's end is waited for, at most
``VISIT_WAIT_MAX_S``: the restart darkens the screen for a few seconds): ``kiosk run`` then exits, and systemd starts it again as the full kiosk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.events import Event, EventBus
from kiosk.recording.recorder import RecordingRefused
from kiosk.storage.writable import unwritable
from kiosk.studio import NoStudio

_log = logging.getLogger(__name__)

FOLDER_CHECK_S = 30.0  # how often the plain mirror looks whether its data folder can be written again
VISIT_WAIT_MAX_S = 120.0  # once it can, how long the restart waits for the visit in front of the mirror to end
#: What the shopper reads on a plain mirror (the welcome screen, as a visit starts, a refused Record).
RECORDING_UNAVAILABLE = "Recording is unavailable on this mirror right now. Please ask a store associate."


@dataclass(frozen=True)
class DataFolderWritable(Event):
    """The plain mirror's data folder can be written again: the full kiosk can start."""

    folder: str


def started_plain(folder: Path, why: str) -> str:
    """The journal's line as ``kiosk run`` starts as a plain mirror."""
    return (f"the data folder {folder} cannot be written ({why}); started as a plain mirror: no recording, no "
            "looks, no cards until the folder can be written (remount it read-write or replace the card; the "
            f"mirror looks every {FOLDER_CHECK_S:.0f} s and then exits so that systemd starts the full kiosk)")


class StudioUnavailable(NoStudio):
    """The studio of a plain mirror: records nothing, says why, and follows the data folder on the core's clock."""

    unavailable = RECORDING_UNAVAILABLE

    def __init__(self, folder: Path, bus: EventBus, check_s: float = FOLDER_CHECK_S) -> None:
        self._folder = folder
        self._bus = bus
        self._check_s = check_s
        self._checked: float | None = None
        self._told = False
        self._visit: str | None = None  # the visit in front of the mirror: the restart waits for its end
        self._waiting_since: float | None = None  # since when the full kiosk waits for a visit to end

    def follow_room(self, now: float) -> None:
        """Look at the data folder every ``check_s`` (``now``: monotonic); tell once it can be written."""
        if self._told or (self._checked is not None and now - self._checked < self._check_s):
            return
        self._checked = now
        if unwritable(self._folder):
            return
        # The restart darkens the screen for a few seconds: not in the face of a shopper using the
        # mirror, but not for ever either (a presence that never leaves: a mannequin in view).
        if self._visit is not None:
            if self._waiting_since is None:
                self._waiting_since = now
                # a warning as the exit's own line: store IT just remounted it and waits to see the kiosk come back
                _log.warning("the data folder %s can be written again: the full kiosk starts once this visit ends "
                          "(at most %.0f s from now)", self._folder, VISIT_WAIT_MAX_S)
            if now - self._waiting_since < VISIT_WAIT_MAX_S:
                self._checked = now - self._check_s  # looked at again at the next tick
                return
        self._told = True
        _log.info("the data folder %s can be written again", self._folder)
        self._bus.emit(DataFolderWritable(folder=str(self._folder)))

    def session_started(self, session_id: str) -> None:
        self._visit = session_id

    def session_ended(self, session_id: str) -> None:
        self._visit = None

    def begin(self, reason: str) -> str:
        raise RecordingRefused(RECORDING_UNAVAILABLE)
