"""The store's wrong-PIN counts kept on disk (``pin-counts.json``), so a restart does not reset them.

``throttle.SignInPause`` counts wrong PINs in memory, on the monotonic clock. A kiosk that
restarted (systemd after a crash, a power cut) used to start both counts from zero and end any
pause: a fresh day's 50 guesses per restart. So each change to the counts is written here, before
the sign-in is answered, and read back at start (``SignInPause.restore``):

- What: the times of the wrong PINs still counted (the day's, at most its limit; the short
  count's, at most its limit) and the pause on, if any, with why it began (which limit, how many
  addresses and other mirrors). Never a PIN, an address, a mirror's id or anyone's name.
- How: written whole to ``NAME.part``, flushed, renamed over the old file and the folder
  flushed, as a look's record file: a crash leaves the old file or the new one, never half of
  one. Mode 0600. The limits keep it to a few kilobytes; a file over ``MAX_BYTES`` is not read.
- Clocks: times on disk are wall-clock times (the monotonic clock starts again at each boot),
  with the time of the save. Read back, a wrong PIN is as old as it was at the save plus the time
  since the save. A clock that went backwards since the save (a mirror without a real-time clock,
  before NTP) counts as no time since the save, so nothing is lost and nothing is held longer
  than a day. A clock set forward ages the counts as it would while running: that is the one
  way round them, and setting the clock takes root on the mirror.
- A file that cannot be read or makes no sense: one warning in the log, and PIN sign-in starts
  with nothing counted, as at a first start (the security choice: associates keep signing in,
  and it is said, never silent); the health's ``sign_in`` check says so until the kiosk
  restarts. A save that fails is logged once (then at debug until one works again) and shown
  the same way while it lasts; sign-in goes on.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage.files import replace_whole

_log = logging.getLogger(__name__)

FILENAME = "pin-counts.json"
FORMAT = 1
MODE = 0o600
MAX_BYTES = 64 * 1024  # the counts' limits keep a sound file under 4 KiB
CAUSES = ("short", "day", "peer")  # throttle.SHORT, DAY and PEER: what may have started a pause


@dataclass(frozen=True)
class KeptCounts:
    """The counts as ages (seconds before now, oldest first), so they mean the same on any clock."""

    day_ages: tuple[float, ...] = ()  # the wrong PINs towards the day's limit
    recent_ages: tuple[float, ...] = ()  # the wrong PINs towards the next short pause
    pause_left_s: float = 0.0  # 0: no pause on
    cause: str = ""  # what started the pause (throttle.SHORT, DAY or PEER)
    addresses: int = 0  # how many addresses (never which) sent the wrong PINs behind it
    mirrors: int = 0  # how many other mirrors (never which) reported them
    by_peer: bool = False  # another mirror's report started it


class PinCountFile:
    """``pin-counts.json`` in the data folder: ``load()`` once at start, ``save()`` after each change."""

    def __init__(self, path: str | Path, wall: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._wall = wall
        self._load_problem = ""
        self._save_problem = ""

    @property
    def problem(self) -> str:
        """Why the counts may not hold across a restart, in words for health ("" when they do)."""
        return "; ".join(p for p in (self._load_problem, self._save_problem) if p)

    def load(self) -> KeptCounts | None:
        """The counts kept before this start; None when there are none or they cannot be used (logged)."""
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._unusable(exc.strerror or str(exc))
        if len(raw) > MAX_BYTES:
            return self._unusable(f"it is larger than {MAX_BYTES // 1024} KiB")
        try:
            return from_record(json.loads(raw), self._wall())
        except (ValueError, RecursionError) as exc:  # json's errors are ValueErrors; deep nesting recurses
            return self._unusable(str(exc) if isinstance(exc, BadRecord) else "it is not valid JSON")

    def save(self, kept: KeptCounts) -> bool:
        """Write ``kept`` durably (atomic rename); False when it could not be (logged, never raised)."""
        data = json.dumps(to_record(kept, self._wall()), separators=(",", ":")).encode("utf-8")
        try:
            replace_whole(self.path, data, MODE)
        except OSError as exc:
            self._save_failed(exc.strerror or str(exc))
            return False
        if self._save_problem:
            _log.info("the wrong-PIN counts are saved to %s again", self.path)
            self._save_problem = ""
        return True

    def _unusable(self, why: str) -> None:
        self._load_problem = (f"the wrong-PIN counts from before this start could not be read ({self.path.name}: "
                              f"{why}), so counting started afresh")
        _log.warning("the wrong-PIN counts in %s could not be read (%s): PIN sign-in starts with no wrong PIN "
                     "counted and no pause, as at a first start; the next wrong PIN writes a fresh file",
                     self.path, why)
        return None

    def _save_failed(self, why: str) -> None:
        first = not self._save_problem
        self._save_problem = (f"the wrong-PIN counts cannot be saved ({self.path.name}: {why}), "
                              "so a restart would start them afresh")
        # once per spell of failures: a full disk must not fill the log, one line per wrong PIN
        (_log.warning if first else _log.debug)(
            "the wrong-PIN counts could not be saved to %s (%s): PIN sign-in goes on, but a restart of the "
            "kiosk would start the counts afresh and end a pause", self.path, why)


class BadRecord(ValueError):
    """The file is JSON but not the counts this kiosk writes; the message says what is wrong."""


def to_record(kept: KeptCounts, now: float) -> dict:
    """What goes on disk: wall-clock times (``now`` minus each age) and the time of the save."""
    pause = None
    if kept.pause_left_s > 0:
        pause = {"until": round(now + kept.pause_left_s, 3), "cause": kept.cause, "addresses": kept.addresses,
                 "mirrors": kept.mirrors, "by_peer": kept.by_peer}
    return {
        "format": FORMAT,
        "saved_at": round(now, 3),
        "day": [round(now - age, 3) for age in kept.day_ages],
        "recent": [round(now - age, 3) for age in kept.recent_ages],
        "pause": pause,
    }


def from_record(record: object, now: float) -> KeptCounts:
    """The counts in ``record`` as ages at ``now``; raises ``BadRecord``."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise BadRecord(f"it is not a format {FORMAT} record of wrong-PIN counts")
    saved_at = _time(record.get("saved_at"), "saved_at")
    since_save = max(0.0, now - saved_at)  # a clock that went backwards: as if no time had passed

    def ages(key: str) -> tuple[float, ...]:
        times = record.get(key)
        if not isinstance(times, list):
            raise BadRecord(f"{key!r} is not a list of times")
        # a time after the save (written by a clock that later went back) is as new as the save
        return tuple(sorted((max(0.0, saved_at - _time(t, key)) + since_save for t in times), reverse=True))

    day, recent = ages("day"), ages("recent")
    pause = record.get("pause")
    if pause is None:
        return KeptCounts(day, recent)
    if not isinstance(pause, dict):
        raise BadRecord("'pause' is neither null nor an object")
    left = _time(pause.get("until"), "pause.until") - saved_at - since_save
    cause, addresses, mirrors, by_peer = (pause.get(k) for k in ("cause", "addresses", "mirrors", "by_peer"))
    if cause not in CAUSES or not _count(addresses) or not _count(mirrors) or not isinstance(by_peer, bool):
        raise BadRecord("'pause' lacks its cause, its counts of addresses and mirrors, or by_peer")
    return KeptCounts(day, recent, max(0.0, left), cause, addresses, mirrors, by_peer)


def _time(value: object, key: str) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise TypeError
        return float(value)
    except (TypeError, OverflowError):
        raise BadRecord(f"{key!r} holds {type(value).__name__} {repr(value)[:20]}, not a time") from None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
