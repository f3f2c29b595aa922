"""A damaged look database is rebuilt: every look on disk comes back with its consent, none is resurrected.

Also the record files that make it possible, and the session's consent answer that reaches
takes landing after it (or salvaged after a crash).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from kiosk.library import CONSENT_GRANTED, CONSENT_NONE, Library, LibraryError
from tests.unit.test_library_looks import add


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def smash(db: Path, keep_header: bool) -> None:
    """Write garbage over the database: all of it, or every page after the first."""
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(4096 if keep_header else 0)
        f.write(os.urandom(max(size - (4096 if keep_header else 0), 4096)))


def snapshot(library: Library) -> dict:
    keys = ("created", "duration_s", "width", "height", "bytes", "stills_bytes", "session_id", "customer_id",
            "consent", "consent_by", "consent_at", "consent_wording", "reason")
    return {look.id: {**{k: getattr(look, k) for k in keys}, "analysis": library.analysis(look.id)}
            for look in library.list()}


def store_a_day(library: Library) -> dict:
    """Looks as a day on the floor leaves them: kept, tied to a card, operator's, unconsented, deleted."""
    kept = add(library, session="s1").id
    library.set_session_consent("s1", True, "card-anna", "2026-11.1")
    late = add(library, session="s1").id  # landed after the yes
    library.set_analysis(late, "turn", {"yaw": [0.0, 90.5, 181.0], "complete": True})
    operator = add(library, session=None, consent_by="operator").id
    add(library, session="s2")  # nobody said yes (yet)
    gone = add(library, session="s3", consent_by="operator").id
    library.delete(gone)
    looks = snapshot(library)
    assert looks[late]["consent"] == CONSENT_GRANTED and looks[late]["customer_id"] == "card-anna"
    assert looks[late]["analysis"] == {"turn": {"yaw": [0.0, 90.5, 181.0], "complete": True}}
    assert looks[kept]["consent_wording"] == "2026-11.1" and looks[operator]["consent_by"] == "operator"
    assert gone not in looks
    return looks


@pytest.mark.parametrize("keep_header", [True, False], ids=["damaged-pages", "not-a-database"])
def test_every_look_on_disk_comes_back_with_its_consent(tmp_path, caplog, keep_header):
    with Library(tmp_path / "lib") as library:
        before = store_a_day(library)
    smash(tmp_path / "lib" / "looks.db", keep_header)
    with caplog.at_level(logging.INFO, logger="kiosk.library"), caplog.at_level(logging.WARNING):
        with Library(tmp_path / "lib") as library:
            assert snapshot(library) == before  # ids, times, sizes, sessions, cards, consent: all of it
            library.set_consent(next(iter(before)), False)  # and it works as before
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1, problems
    assert "looks.db was damaged" in problems[0] and "moved it to looks.db.damaged-" in problems[0]
    assert "restored from their record files" in problems[0]


def test_a_deleted_look_never_comes_back(tmp_path):
    with Library(tmp_path / "lib") as library:
        look = add(library, session=None, consent_by="operator")
        video = Path(look.path).read_bytes()
        library.delete(look.id)
    # A crash after the deletion's commit but before the video was removed leaves the video:
    (tmp_path / "lib" / "looks" / f"{look.id}.mp4").write_bytes(video)
    (tmp_path / "lib" / "looks.db").write_bytes(b"garbage" * 2000)
    with Library(tmp_path / "lib") as library:
        assert library.ids() == set()
        assert library.adopt(look.id) is False


def test_record_files_follow_the_row(library):
    look = add(library, session="s1")
    record_path = library.layout.record_file(look.id)
    assert json.loads(record_path.read_text())["consent"] == CONSENT_NONE
    assert oct(record_path.stat().st_mode & 0o777) == oct(0o600)
    library.set_consent(look.id, True, by="customer", wording="v9")
    library.attach_customer(look.id, "card-1")
    record = json.loads(record_path.read_text())
    assert (record["consent"], record["consent_by"], record["consent_wording"], record["customer_id"]) == (
        CONSENT_GRANTED, "customer", "v9", "card-1")
    library.delete(look.id)
    assert not record_path.exists() and list(library.layout.looks.iterdir()) == []


def test_an_older_library_gets_its_record_files(library):
    looks = [add(library, session=None, consent_by="operator") for _ in range(3)]
    for look in looks:
        library.layout.record_file(look.id).unlink()  # as stored by a kiosk without record files
    assert library.write_missing_records() == 3
    assert library.write_missing_records() == 0
    assert all(library.layout.record_file(look.id).is_file() for look in looks)


def test_damage_found_while_running_is_repaired(library, tmp_path):
    looks = snapshot_after(library)
    library._db.checkpoint()  # the rows are in the database file now, not only in the WAL
    smash(library.layout.db, keep_header=True)
    with library._db.reading() as conn:
        conn.execute("PRAGMA shrink_memory")  # the pages come from the disk again
    with pytest.raises(LibraryError, match="was damaged and has been rebuilt; try again"):
        library.list()
    assert snapshot(library) == looks
    assert add(library, session=None).id in library.ids()  # and it records again


def snapshot_after(library: Library) -> dict:
    for _ in range(20):
        add(library, session=None, consent_by="operator")
    return snapshot(library)


def test_an_unusable_record_file_is_not_trusted(library):
    look = add(library, session="s1")
    record_path = library.layout.record_file(look.id)
    with library._db.transaction() as conn:
        conn.execute("DELETE FROM looks")
    for bad in ("{", json.dumps({"format": 1, "id": "someone-else-entirely"}),
                json.dumps({**json.loads(record_path.read_text()), "consent": "granted", "consent_by": None})):
        record_path.write_text(bad)
        assert library.adopt(look.id) is False
    assert library.ids() == set()


# -- the session's answer ----------------------------------------------------------------------------


def test_a_take_landing_after_a_yes_is_kept_even_after_the_session_ended(library):
    first = add(library, session="s1")
    assert library.set_session_consent("s1", True, "card-7", "v1") == [first.id]
    assert library.end_session("s1") == []
    late = add(library, session="s1")
    assert (late.consent, late.consent_by, late.customer_id, late.consent_wording) == (
        CONSENT_GRANTED, "customer", "card-7", "v1")
    assert library.session_consented("s1") and not library.session_consented("s2")


def test_withdrawing_applies_to_takes_still_to_land(library):
    library.set_session_consent("s1", True, "card-7", "v1")
    kept = add(library, session="s1")
    library.set_session_consent("s1", False, None, "v1")
    late = add(library, session="s1")
    assert library.get(kept.id).consent == CONSENT_NONE and library.get(kept.id).customer_id is None
    assert late.consent == CONSENT_NONE and not library.session_consented("s1")


def test_forget_me_and_start_up_drop_session_answers(library):
    library.set_session_consent("s1", True, "card-7", "v1")
    library.set_session_consent("s2", True, "card-8", "v1")
    library.forget_customer("card-7")
    assert not library.session_consented("s1") and library.session_consented("s2")
    library.end_stale_sessions()
    assert not library.session_consented("s2")
