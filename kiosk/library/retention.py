"""Retention: kept looks expire after an age, and the library stays inside a byte budget.

Unconsented looks go when their session ends (``Library.end_session``); this module handles
the rest. Deletion always goes through ``Library.delete_if_present`` so a row and its files
leave together, oldest first.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kiosk.library.library import Library
from kiosk.words import count

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long looks are kept and how many bytes all looks may use (None: no limit)."""

    max_age_s: float | None = 30 * 86400.0
    max_bytes: int | None = None


def purge_older_than(library: Library, age_s: float, now: float | None = None) -> list[str]:
    """Delete every look created more than ``age_s`` seconds ago; returns their ids."""
    cutoff = (time.time() if now is None else now) - age_s
    doomed = [look.id for look in library.oldest_first() if look.created < cutoff]
    return [look_id for look_id in doomed if library.delete_if_present(look_id)]


def enforce_budget(library: Library, max_bytes: int, protect: frozenset[str] = frozenset()) -> list[str]:
    """Delete the oldest looks (except ``protect``) until all looks fit in ``max_bytes``."""
    deleted: list[str] = []
    total = library.total_bytes()
    for look in library.oldest_first():
        if total <= max_bytes:
            break
        if look.id in protect:
            continue
        if library.delete_if_present(look.id):
            total -= look.bytes + look.stills_bytes
            deleted.append(look.id)
    return deleted


def apply_retention(
    library: Library, policy: RetentionPolicy, now: float | None = None, protect: frozenset[str] = frozenset()
) -> list[str]:
    """Apply the age limit, then the byte budget; returns the ids deleted."""
    deleted: list[str] = []
    if policy.max_age_s is not None:
        deleted += purge_older_than(library, policy.max_age_s, now)
    if policy.max_bytes is not None:
        deleted += enforce_budget(library, policy.max_bytes, protect)
    if deleted:
        _log.info("retention deleted %s", count(len(deleted), "look"))
    return deleted
