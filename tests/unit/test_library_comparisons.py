"""Comparisons in the library: they go with any of their looks, whichever way the look goes."""

from __future__ import annotations

import time

import pytest

from kiosk.library import Library, LookNotFound, RetentionPolicy, apply_retention, schema
from kiosk.library.comparisons import ComparisonBook, ComparisonNotFound

from .test_library_looks import add


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def rendered(book: ComparisonBook, comparison_id: str, data: bytes = b"mp4") -> None:
    work = book.folder() / f".{comparison_id}.mp4"
    work.write_bytes(data)
    assert book.finish(comparison_id, work, 640, 360, {"frames": 3})


def three(library, **kw):
    return [add(library, **kw).id for _ in range(3)]


def test_a_comparison_is_queued_rendered_and_read_back(library):
    book = ComparisonBook(library)
    ids = three(library)
    made = book.create(ids[:2], "angle")
    assert (made.state, made.look_ids, made.align, made.ready) == ("queued", tuple(ids[:2]), "angle", False)
    assert book.set_state(made.id, "rendering")
    rendered(book, made.id, b"x" * 50)
    done = book.get(made.id)
    assert done.ready and done.bytes == 50 and (done.width, done.height) == (640, 360) and done.report == {"frames": 3}
    assert open(done.path, "rb").read() == b"x" * 50
    assert [c.id for c in book.list()] == [made.id]


def test_unknown_looks_cannot_be_compared(library):
    book = ComparisonBook(library)
    with pytest.raises(LookNotFound):
        book.create([add(library).id, "A" * 22], "angle")
    assert book.list() == []


@pytest.mark.parametrize("how", ["delete", "forget", "session end", "retention"])
def test_a_comparison_goes_with_any_of_its_looks(library, how):
    book = ComparisonBook(library)
    ids = three(library, customer_id="card-1")
    other = book.create([ids[1], ids[2]], "time")
    doomed = book.create([ids[0], ids[1]], "angle")
    untouched = book.create([ids[2], add(library, customer_id="card-2", consent_by="operator").id], "angle")
    for c in (other, doomed, untouched):
        rendered(book, c.id)
    if how == "delete":
        library.delete(ids[1])
        gone = {other.id, doomed.id}
    elif how == "forget":
        library.forget_customer("card-1")
        gone = {other.id, doomed.id, untouched.id}
    elif how == "session end":
        library.end_session("s1")  # none of card-1's looks were consented
        gone = {other.id, doomed.id, untouched.id}
    else:
        apply_retention(library, RetentionPolicy(max_age_s=0.0, max_bytes=None), now=time.time() + 10)
        gone = {other.id, doomed.id, untouched.id}
    for c in (other, doomed, untouched):
        if c.id in gone:
            assert book.find(c.id) is None
            assert not library.layout.comparison_video(c.id).exists()
        else:
            assert book.get(c.id).ready
    with library.reading() as conn:
        orphans = "SELECT COUNT(*) FROM comparison_looks WHERE comparison_id NOT IN (SELECT id FROM comparisons)"
        assert conn.execute(orphans).fetchone()[0] == 0


def test_a_comparison_deleted_while_rendering_leaves_no_file(library):
    book = ComparisonBook(library)
    ids = three(library)
    c = book.create(ids[:2], "angle")
    library.delete(ids[0])
    work = book.folder() / f".{c.id}.mp4"
    work.write_bytes(b"late")
    assert not book.finish(c.id, work, 2, 2, {})
    assert list(book.folder().iterdir()) == []
    assert not book.set_state(c.id, "failed", "gone")
    with pytest.raises(ComparisonNotFound):
        book.get(c.id)


def test_a_state_moves_only_from_the_state_it_was_asked_from(library):
    book = ComparisonBook(library)
    made = book.create(three(library)[:2], "angle")
    assert book.set_state(made.id, "failed", "the mirror restarted while rendering it")
    assert not book.set_state(made.id, "queued", was="rendering"), "a render stopped late does not undo the sweep"
    assert book.get(made.id).state == "failed"
    assert book.set_state(made.id, "queued", was="failed") and book.get(made.id).error is None


def test_delete_removes_row_and_file(library):
    book = ComparisonBook(library)
    c = book.create(three(library)[:2], "angle")
    rendered(book, c.id)
    assert book.delete(c.id) and not book.delete(c.id)
    assert not library.layout.comparison_video(c.id).exists()


def test_sweep_after_a_restart(library):
    book = ComparisonBook(library)
    ids = three(library)
    ready, queued, rendering = (book.create(ids[:2], "angle") for _ in range(3))
    rendered(book, ready.id)
    book.set_state(rendering.id, "rendering")
    (book.folder() / ".half.mp4.1a2b.part").write_bytes(b"half")
    (book.folder() / "AAAAAAAAAAAAAAAAAAAAAA.mp4").write_bytes(b"orphan")
    assert book.sweep() == 2
    assert [p.name for p in book.folder().iterdir()] == [f"{ready.id}.mp4"]
    assert book.get(rendering.id).state == "failed" and "restarted" in book.get(rendering.id).error
    assert book.get(queued.id).state == "queued" and book.queued() == [queued.id], "rendered after the restart"
    assert book.get(ready.id).ready


def test_existing_libraries_gain_the_comparison_tables(tmp_path):
    from .test_library_migrations import upgraded

    conn = upgraded(tmp_path / "looks.db", 3)
    conn.execute("INSERT INTO comparisons (id, created, align, state) VALUES ('c', 0, 'angle', 'queued')")
    conn.execute("INSERT INTO comparison_looks VALUES ('c', 0, 'a')")
    conn.execute("DELETE FROM looks WHERE id = 'a'")
    assert conn.execute("SELECT COUNT(*) FROM comparisons").fetchone()[0] == 0


@pytest.mark.parametrize("how", ["session", "look"])
def test_a_comparison_goes_when_consent_to_one_of_its_looks_is_withdrawn(library, how):
    book = ComparisonBook(library)
    library.set_session_consent("s1", True)
    mine = three(library)
    theirs = [add(library, session="s2", consent_by="operator").id for _ in range(2)]
    ready = book.create(mine[:2], "angle")
    rendered(book, ready.id)
    waiting = book.create([mine[2], theirs[0]], "angle")
    rendering = book.create([mine[1], mine[2]], "angle")
    assert book.set_state(rendering.id, "rendering")
    untouched = book.create(theirs, "angle")
    rendered(book, untouched.id)
    if how == "session":
        library.set_session_consent("s1", False)  # the shopper's no after a yes
        gone = {ready.id, waiting.id, rendering.id}
    else:
        library.set_consent(mine[0], False)
        gone = {ready.id}
    assert {c.id for c in book.list()} == {ready.id, waiting.id, rendering.id, untouched.id} - gone
    assert not library.layout.comparison_video(ready.id).exists(), "an unconsented look kept in a shareable video"
    assert book.get(untouched.id).ready and library.layout.comparison_video(untouched.id).exists()
    assert all(library.find(i) is not None for i in mine), "the looks themselves stay until the visit ends"
