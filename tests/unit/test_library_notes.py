"""Associates' notes on consented looks: kept with the look (also in its record file), gone with it."""

from __future__ import annotations

import json

import pytest

from kiosk.library import Library, LookNotFound
from kiosk.library.errors import LookNotConsented
from tests.unit.test_library_damage import smash
from tests.unit.test_library_looks import add


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def test_a_note_and_a_product_on_a_kept_look(library):
    look = add(library, consent_by="operator")
    first = library.add_note(look.id, "  Loved the fit; wants it in navy. ", "")
    second = library.add_note(look.id, "", "Linen shirt,   navy, M  · SKU 40213")
    assert (first.text, first.product) == ("Loved the fit; wants it in navy.", "")
    assert (second.text, second.product) == ("", "Linen shirt, navy, M · SKU 40213")
    assert [n.id for n in library.notes([look.id])[look.id]] == [first.id, second.id]
    assert library.notes([add(library, consent_by="operator").id]) == {}
    assert library.delete_note(look.id, first.id) is True
    assert library.delete_note(look.id, first.id) is False
    assert library.delete_note("someone-else", second.id) is False
    assert [n.id for n in library.notes([look.id])[look.id]] == [second.id]


def test_no_notes_on_a_look_the_shopper_did_not_agree_to_keep(library):
    look = add(library, session="s9")
    with pytest.raises(LookNotConsented, match="has not agreed"):
        library.add_note(look.id, "nice")
    with pytest.raises(LookNotFound):
        library.add_note("AAAAAAAAAAAAAAAAAAAAAA", "nice")
    assert library.notes([look.id]) == {}


@pytest.mark.parametrize("text, product, why", [
    ("", "  ", "needs some text or a product"),
    ("x" * 501, "", "at most 500"),
    ("", "p" * 121, "at most 120"),
    ("bell\x07", "", "control characters"),
])
def test_a_bad_note_is_refused_in_plain_words(library, text, product, why):
    look = add(library, consent_by="operator")
    with pytest.raises(ValueError, match=why):
        library.add_note(look.id, text, product)
    assert library.notes([look.id]) == {}


def test_notes_go_with_their_look_and_with_forget_me(library):
    kept = add(library, session="s1")
    library.set_session_consent("s1", True, "card-anna")
    library.add_note(kept.id, "asked for the 38")
    other = add(library, consent_by="operator")
    library.add_note(other.id, "", "Wool coat")
    library.forget_customer("card-anna")
    library.delete(other.id)
    with library.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM look_notes").fetchone()[0] == 0


def test_the_record_file_keeps_the_notes_and_a_damaged_database_gives_them_back(tmp_path):
    with Library(tmp_path / "lib") as library:
        look = add(library, consent_by="operator")
        note = library.add_note(look.id, "wants the navy one", "Linen shirt · SKU 40213")
        gone = library.add_note(look.id, "typo")
        library.delete_note(look.id, gone.id)
        record = json.loads(library.layout.record_file(look.id).read_text())
        assert [n["id"] for n in record["notes"]] == [note.id]
    smash(tmp_path / "lib" / "looks.db", keep_header=False)
    with Library(tmp_path / "lib") as library:
        assert library.notes([look.id]) == {look.id: [note]}


def test_a_library_of_before_gains_the_notes_table(tmp_path):
    import sqlite3

    from .test_library_migrations import upgraded

    conn = upgraded(tmp_path / "looks.db", 4)
    conn.execute("INSERT INTO look_notes (id, look_id, created, text) VALUES ('n', 'a', 0, 'hello')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO look_notes (id, look_id, created) VALUES ('m', 'a', 0)")  # neither text nor product
    conn.execute("DELETE FROM looks WHERE id = 'a'")
    assert conn.execute("SELECT COUNT(*) FROM look_notes").fetchone()[0] == 0
    conn.close()


def test_the_associate_panel_lists_what_was_noted_on_the_customer_s_looks(library):
    import time as _time

    from kiosk.effects import follow_up_lines

    older = add(library, consent_by="operator", created=_time.mktime((2026, 12, 3, 17, 5, 0, 0, 0, -1)))
    newer = add(library, consent_by="operator", created=_time.mktime((2026, 12, 5, 11, 0, 0, 0, 0, -1)))
    library.add_note(older.id, "wants it in navy,\n38", "Linen shirt, navy, M")
    library.add_note(newer.id, "", "Wool coat, camel")
    library.add_note(newer.id, "try the 40 next time")
    looks = [newer, older]  # as the panel has them: newest first
    lines = follow_up_lines(looks, library.notes([look.id for look in looks]))
    assert lines == ["5 Dec · try the 40 next time", "5 Dec · Wool coat, camel",
                     "3 Dec · Linen shirt, navy, M · wants it in navy, 38"]
    assert follow_up_lines(looks, library.notes([look.id for look in looks]), most=1) == lines[:1]
    assert follow_up_lines(looks, {}) == []


def test_the_panel_contents_carry_the_history(library):
    from types import SimpleNamespace

    from kiosk.effects import Effects
    from kiosk.events import EventBus
    from kiosk.identity import Customer
    from kiosk.identity.associate import AssociateView

    look = add(library, consent_by="operator")
    library.add_note(look.id, "", "Wool coat, camel")
    view = AssociateView("s1", True, Customer("key", "Anna", "gold"), [library.get(look.id)])
    parts = SimpleNamespace(identity=SimpleNamespace(associate_view=lambda session_id: view), library=library,
                            bus=EventBus())
    panel = Effects(parts).associate_view("s1")
    assert panel["name"] == "Anna" and panel["looks"] == 1 and panel["keptIds"] == [look.id]
    assert panel["history"].endswith(" · Wool coat, camel")
