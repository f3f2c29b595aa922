"""The look library's API: storing, reading, consent, customers, analysis and deletion."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from kiosk.library import CONSENT_GRANTED, CONSENT_NONE, Library, LibraryError, LookNotFound, NewLook, store


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def add(library: Library, session: str | None = "s1", created: float | None = None, size: int = 1000, **kw):
    """Store a look made of placeholder files (the library does not read the video)."""
    return library.add_look(finished(library, session, created, size, **kw))


def finished(library: Library, session: str | None = "s1", created: float | None = None, size: int = 1000, **kw):
    """A finished take of placeholder files in its work folder, not stored yet."""
    look_id = library.new_id()
    work = library.layout.take_dir(look_id)
    work.mkdir(parents=True)
    (work / "final.mp4").write_bytes(b"v" * size)
    (work / "poster.jpg").write_bytes(b"p" * 10)
    (work / "strip.jpg").write_bytes(b"s" * 20)
    new = NewLook(
        look_id=look_id,
        video=work / "final.mp4",
        poster=work / "poster.jpg",
        strip=work / "strip.jpg",
        created=time.time() if created is None else created,
        duration_s=3.0,
        width=640,
        height=480,
        session_id=session,
        **kw,
    )
    return new


def test_add_moves_the_files_and_commits_the_row(library):
    look = add(library)
    assert Path(look.path).read_bytes() == b"v" * 1000
    assert Path(look.poster_path).is_file() and Path(look.strip_path).is_file()
    assert not (library.layout.take_dir(look.id) / "final.mp4").exists()
    assert (look.bytes, look.stills_bytes, look.consent) == (1000, 30, CONSENT_NONE)
    assert library.get(look.id) == look
    assert library.video_path(look.id) == Path(look.path)
    data = look.to_dict()
    for key in ("id", "created", "duration_s", "width", "height", "bytes", "path", "consent"):
        assert key in data


def test_a_row_that_fails_puts_the_files_back_so_the_same_take_can_be_stored_again(library, monkeypatch):
    # The insert (or its commit) failing after the files were moved (SQLITE_FULL, SQLITE_IOERR) left
    # them in looks/ without a row, said "nothing was changed", and every retry failed on the
    # files it was given ("No such file or directory") until the next start.
    new = finished(library)
    insert, calls = store.insert, []

    def fails_once(conn, row):
        calls.append(row["id"])
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        insert(conn, row)

    monkeypatch.setattr(store, "insert", fails_once)
    with pytest.raises(LibraryError, match="nothing was changed"):
        library.add_look(new)
    assert all(Path(path).read_bytes() for path in (new.video, new.poster, new.strip))
    assert list(library.layout.looks.iterdir()) == [] and library.ids() == set()

    look = library.add_look(new)
    assert calls == [new.look_id, new.look_id]
    assert Path(look.path) == library.layout.video(new.look_id) and Path(look.path).read_bytes() == b"v" * 1000
    assert Path(look.poster_path).is_file() and Path(look.strip_path).is_file()
    assert library.layout.record_file(new.look_id).is_file()
    assert not any(Path(path).exists() for path in (new.video, new.poster, new.strip))
    assert library.get(new.look_id) == look


def test_ids_are_unguessable_and_distinct(library):
    ids = {library.new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 22 for i in ids)  # 128 random bits


def test_ids_never_begin_with_a_dash(monkeypatch):
    """A look id is typed on command lines, where a leading '-' reads as an option."""
    from kiosk.library import ids

    drawn = iter(["-first", "-second", "third"])
    monkeypatch.setattr(ids.secrets, "token_urlsafe", lambda n: next(drawn))
    assert ids.new_id() == "third"


@pytest.mark.parametrize("bad", ["../../etc/passwd", "", "short", "a/b" * 10, "x" * 200, None])
def test_malformed_ids_never_reach_the_filesystem(library, bad):
    assert library.find(bad) is None
    with pytest.raises(LookNotFound):
        library.get(bad)
    assert library.delete_if_present(bad) is False


def test_operator_consent_is_recorded_as_such(library):
    look = add(library, session=None, consent_by="operator")
    assert look.consent == CONSENT_GRANTED and look.consent_by == "operator" and look.consent_at


def test_consent_customer_and_analysis(library):
    look = add(library)
    granted = library.set_consent(look.id, True, by="customer", wording="v2")
    assert (granted.consent, granted.consent_by, granted.consent_wording) == (CONSENT_GRANTED, "customer", "v2")
    assert granted.consent_at >= look.created - 1
    withdrawn = library.set_consent(look.id, False)
    assert withdrawn.consent == CONSENT_NONE and withdrawn.consent_by is None
    with pytest.raises(LibraryError):
        library.set_consent(look.id, True, by="someone")
    assert library.attach_customer(look.id, "cust-1").customer_id == "cust-1"
    assert [x.id for x in library.list(customer_id="cust-1")] == [look.id]
    library.set_analysis(look.id, "turn", {"yaw": [0, 90, 180], "complete": True})
    library.set_analysis(look.id, "turn", {"yaw": [1], "complete": False})
    assert library.analysis(look.id) == {"turn": {"yaw": [1], "complete": False}}
    with pytest.raises(LookNotFound):
        library.set_analysis("A" * 22, "turn", {})


def test_delete_removes_row_and_files_together(library):
    look = add(library)
    library.delete(look.id)
    assert library.find(look.id) is None
    assert not any(Path(p).exists() for p in (look.path, look.poster_path, look.strip_path))
    with pytest.raises(LookNotFound):
        library.delete(look.id)


def test_session_end_deletes_only_its_unconsented_looks(library):
    mine = add(library, session="s1")
    kept = add(library, session="s1")
    library.set_consent(kept.id, True)
    other = add(library, session="s2")
    assert library.end_session("s1") == [mine.id]
    assert {x.id for x in library.list()} == {kept.id, other.id}
    assert not Path(mine.path).exists()


def test_stale_sessions_and_forget_customer(library):
    stale = add(library, session="old")
    current = add(library, session="now")
    cli = add(library, session=None)
    assert library.end_stale_sessions(current_session="now") == [stale.id]
    library.attach_customer(current.id, "c9")
    library.set_consent(current.id, True)
    assert library.forget_customer("c9") == [current.id]
    assert [x.id for x in library.list()] == [cli.id]


def test_total_bytes_and_list_order(library):
    a = add(library, created=1000.0)
    b = add(library, created=2000.0)
    assert [x.id for x in library.list()] == [b.id, a.id]
    assert [x.id for x in library.oldest_first()] == [a.id, b.id]
    assert library.total_bytes() == 2 * 1030


def test_closed_library_says_so(tmp_path):
    lib = Library(tmp_path / "lib")
    with pytest.raises(LibraryError, match="not open"):
        lib.list()


def test_unusable_folder_is_one_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(LibraryError, match="cannot open the look library"):
        Library(tmp_path / "file" / "lib").open()
