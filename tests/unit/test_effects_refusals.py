"""Share, Delete and a call for help refused by the mirror's own parts (a database another program
holds locked, the network part off): the shopper reads one plain sentence; the file and the error
are in the journal only, for store IT."""

from __future__ import annotations

import logging
import sqlite3
from types import SimpleNamespace

import pytest

from kiosk.effects import DELETE_FAILED, SHARE_FAILED, SHARE_OFF, Effects
from kiosk.events import EventBus, Notice
from kiosk.library import Library, RetentionPolicy
from kiosk.net.db import NetworkDatabase
from kiosk.studio import Studio
from tests.unit.test_library_looks import add


class Locked:
    """Another program (a store technician's ``sqlite3`` shell) holding the database ``path`` locked."""

    def __init__(self, path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def impatient(db) -> None:
    """Give up on a lock after 0.1 s rather than the kiosk's 10 s."""
    with db.reading() as conn:
        conn.execute("PRAGMA busy_timeout = 100")


def effects(**parts):
    bus, notices = EventBus(), []
    bus.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    return Effects(SimpleNamespace(bus=bus, **parts)), notices


def shown_plainly(text: str) -> None:
    assert "/" not in text and "database" not in text and "locked" not in text, text


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def test_a_delete_refused_by_a_locked_look_database_says_so_plainly_and_keeps_the_tile(library, caplog):
    look = add(library, session="s1")
    recorder = SimpleNamespace(room_to_record=lambda: True, cannot_write=lambda: "")
    studio = Studio(library, recorder, EventBus(), RetentionPolicy())
    studio.session_started("s1")
    fx, notices = effects(studio=studio)
    impatient(library)
    lock = Locked(library.layout.db)
    try:
        with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
            fx.delete_look(look.id)
    finally:
        lock.release()
    assert [(n.text, n.topic) for n in notices] == [(DELETE_FAILED, "studio")]
    shown_plainly(notices[0].text)
    assert library.find(look.id) is not None and studio.find(look.id) is not None  # nothing was deleted
    logged = [r.getMessage() for r in caplog.records if look.id in r.getMessage()]
    assert logged and "locked" in logged[0] and str(library.layout.db) in logged[0], logged
    fx.delete_look(look.id)  # the lock is gone: the same tap works
    assert notices[-1].text == "Look deleted." and library.find(look.id) is None


def test_a_share_refused_by_a_locked_network_database_says_so_plainly(tmp_path, caplog):
    look = SimpleNamespace(id="L1", consented=True)
    studio = SimpleNamespace(find=lambda look_id: look, vanished=lambda look_id: False)
    with NetworkDatabase(tmp_path / "network.sqlite3") as db:
        impatient(db)
        network = SimpleNamespace(available=True, share_look=lambda look_id: db.mirror_id())  # a link is a row
        fx, notices = effects(studio=studio, network=network)
        lock = Locked(db.path)
        try:
            with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
                fx.share("L1", "s1")
        finally:
            lock.release()
    assert [(n.text, n.topic) for n in notices] == [(SHARE_FAILED, "studio")]
    shown_plainly(notices[0].text)
    logged = [r.getMessage() for r in caplog.records if "L1" in r.getMessage()]
    assert logged and "network.sqlite3" in logged[0] and "locked" in logged[0], logged


def test_a_share_on_a_mirror_whose_network_part_is_off_asks_for_an_associate(caplog):
    from kiosk.parts import NoNetwork

    look = SimpleNamespace(id="L1", consented=True)
    studio = SimpleNamespace(find=lambda look_id: look, vanished=lambda look_id: False)
    fx, notices = effects(studio=studio, network=NoNetwork())
    with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
        fx.share("L1", "s1")
    assert [n.text for n in notices] == [SHARE_OFF]  # "try again in a moment" would not help
    assert any("network service, which is off" in r.getMessage() for r in caplog.records)
