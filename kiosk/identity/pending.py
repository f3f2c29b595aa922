"""The cards whose "forget me" is still to finish, kept on disk so a restart finishes them.

A forget that could not finish (a database locked by another program, a full disk) is tried
again on the core's clock. Remembered in memory only, a restart before that try (a crash, a
power cut, an update) lost it, and her looks and records stayed. So ``Identity`` writes the
cards still to forget here at each change, and reads them back at start:

- What: the card keys (the keyed hashes the customer directory already holds, never a raw
  UID), nothing else about her: no session, no time, no name.
- Where: ``forgets-pending.json`` beside the customer directory (``setup.pending_forgets_path``).
- How: written whole to ``NAME.part``, flushed, renamed over the old file and the folder flushed
  (``replace_whole``), mode 0600; removed once no forget is left.
- A file that cannot be read or makes no sense: one warning, and the kiosk starts with no forget
  pending, as ``pin-counts.json`` does (start-up never fails on it). The file stays until the next
  forget, finished or not, writes a sound one over it (or removes it): what it held cannot be read
  by anyone, and a copy kept aside would only be one more file naming forgotten cards for store IT
  to clean up. An entry that is not a card key is skipped with a warning; the sound ones are kept.
- A save that fails is logged once (then at debug until one works again), without the key; the
  forget stays pending in memory as before, and the next change tries to write the whole set again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from kiosk.identity.cardkey import KEY_HEX_CHARS
from kiosk.storage.files import fsync_dir, replace_whole

_log = logging.getLogger(__name__)

FILENAME = "forgets-pending.json"
FORMAT = 1
MODE = 0o600
MAX_BYTES = 1024 * 1024  # about 25,000 card keys: far beyond any store's unfinished forgets


class PendingForgets:
    """``forgets-pending.json``: ``load()`` once at start, ``save(keys)`` after each change."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # what the file holds; None: not known to be sound (not loaded yet, unusable, a save failed)
        self._saved: frozenset[str] | None = None
        self._save_failing = False
        self._lock = threading.Lock()

    def load(self) -> list[str]:
        """The card keys still to forget before this start ([] when none, or when the file cannot be used: logged)."""
        try:
            keys, sound = read(self.path)
        except Unusable as exc:
            _log.warning("the unfinished forgets in %s could not be read (%s): the kiosk starts with none pending; "
                         "the next forget writes a sound file over it, or removes it", self.path, exc)
            return []
        if not sound:
            _log.warning("%s holds entries that are not card keys: they are skipped, and the next forget writes "
                         "the file again without them", self.path)
        else:
            with self._lock:
                self._saved = frozenset(keys)
        return keys

    @property
    def unsaved(self) -> bool:
        """Whether the file is not known to hold what was last asked (a save failed, or it was unusable)."""
        with self._lock:
            return self._saved is None

    def save(self, card_keys: Iterable[str]) -> bool:
        """Make the file hold ``card_keys`` (removed when none), durably; False when it could not be
        (logged without the keys, never raised). Nothing is written when the file holds them already."""
        keys = frozenset(card_keys)
        with self._lock:
            if keys == self._saved:
                return True
            try:
                if keys:
                    data = json.dumps({"format": FORMAT, "card_keys": sorted(keys)}).encode("ascii")
                    replace_whole(self.path, data, MODE)
                else:
                    self._remove()
            except OSError as exc:
                self._saved = None
                self._failed(exc.strerror or str(exc), len(keys))
                return False
            self._saved = keys
            if self._save_failing:
                _log.info("the unfinished forgets are saved to %s again", self.path)
                self._save_failing = False
            return True

    def _remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            return
        fsync_dir(self.path.parent)

    def _failed(self, why: str, count: int) -> None:
        # once per spell of failures: a full disk must not fill the log at every retry; never a key
        log = _log.debug if self._save_failing else _log.warning
        self._save_failing = True
        if not count:  # the file names forgets already done: a restart does them again, deleting nothing more
            log("%s could not be removed (%s) though no forget is left to finish", self.path, why)
            return
        log("the unfinished forgets could not be saved to %s (%s): %d still to finish, kept in memory only, so a "
            "restart of the kiosk would lose them", self.path, why, count)


class Unusable(Exception):
    """The file cannot be read or makes no sense; the message says why."""


def read(path: Path) -> tuple[list[str], bool]:
    """(the card keys in the file at ``path``, sorted; whether every entry is one); ([], True) when
    there is no file. Raises ``Unusable``. Reads only (``kiosk doctor`` uses it too)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return [], True
    except OSError as exc:
        raise Unusable(exc.strerror or str(exc)) from None
    if len(raw) > MAX_BYTES:
        raise Unusable(f"it is larger than {MAX_BYTES // 1024} KiB")
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):  # json's errors are ValueErrors; deep nesting recurses
        raise Unusable("it is not valid JSON") from None
    keys = record.get("card_keys") if isinstance(record, dict) and record.get("format") == FORMAT else None
    if not isinstance(keys, list):
        raise Unusable(f"it is not a format {FORMAT} list of card keys")
    return sorted({key for key in keys if is_card_key(key)}), all(is_card_key(key) for key in keys)


def is_card_key(value: object) -> bool:
    """Whether ``value`` is a card key as ``CardKeyer.key`` makes them (lowercase hex of its length)."""
    return (isinstance(value, str) and len(value) == KEY_HEX_CHARS
            and all(c in "0123456789abcdef" for c in value))
