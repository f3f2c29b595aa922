"""Retention: age limit, byte budget (oldest first), purge; rows and files leave together."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.library import Library, RetentionPolicy, apply_retention
from kiosk.library.retention import enforce_budget, purge_older_than
from tests.unit.test_library_looks import add

NOW = 1_800_000_000.0
DAY = 86400.0


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def remaining(library):
    return {look.id for look in library.list()}


def test_purge_older_than(library):
    old = add(library, created=NOW - 8 * DAY)
    new = add(library, created=NOW - 6 * DAY)
    assert purge_older_than(library, 7 * DAY, now=NOW) == [old.id]
    assert remaining(library) == {new.id}
    assert not Path(old.path).exists() and not Path(old.poster_path).exists()


def test_budget_deletes_oldest_first_until_it_fits(library):
    looks = [add(library, created=NOW + i, size=1000) for i in range(5)]  # 1030 bytes each
    deleted = enforce_budget(library, max_bytes=3 * 1030)
    assert deleted == [looks[0].id, looks[1].id]
    assert library.total_bytes() <= 3 * 1030
    assert remaining(library) == {x.id for x in looks[2:]}


def test_budget_spares_protected_looks(library):
    looks = [add(library, created=NOW + i) for i in range(3)]
    deleted = enforce_budget(library, max_bytes=1030, protect=frozenset({looks[0].id}))
    assert deleted == [looks[1].id, looks[2].id]
    assert looks[0].id in remaining(library)


def test_apply_retention_age_then_budget(library):
    expired = add(library, created=NOW - 40 * DAY)
    older = add(library, created=NOW - 2 * DAY)
    newer = add(library, created=NOW - 1 * DAY)
    policy = RetentionPolicy(max_age_s=30 * DAY, max_bytes=1500)
    assert apply_retention(library, policy, now=NOW) == [expired.id, older.id]
    assert remaining(library) == {newer.id}


def test_no_limits_delete_nothing(library):
    add(library, created=0.0)
    assert apply_retention(library, RetentionPolicy(max_age_s=None, max_bytes=None), now=NOW) == []
    assert len(remaining(library)) == 1
