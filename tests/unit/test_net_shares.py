"""Share links, assistance requests and the network database, on SQLite under tmp_path."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.net.assist import AssistKind, AssistQueue
from kiosk.net.db import NetworkDatabase
from kiosk.net.shares import ShareState, ShareStore


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def db(tmp_path):
    database = NetworkDatabase(tmp_path / "network.sqlite3")
    database.open()
    yield database
    database.close()


def test_tokens_are_long_random_and_stored_only_as_digests(db, tmp_path):
    store = ShareStore(db, 3600)
    tokens = {store.create("look-1").token for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) == 32 for t in tokens)  # 24 random bytes = 192 bits
    with sqlite3.connect(tmp_path / "network.sqlite3") as raw:
        stored = {row[0] for row in raw.execute("SELECT token FROM shares")}
    assert not stored & tokens


def test_expiry_and_revocation(db):
    clock = Clock()
    store = ShareStore(db, 24 * 3600, clock=clock)
    share = store.create("look-1")
    found = store.find(share.token)
    assert found.look_id == "look-1" and found.state(clock.now) is ShareState.VALID
    assert found.state(clock.now + 24 * 3600) is ShareState.EXPIRED
    assert store.active_count("look-1") == 1
    assert store.revoke(share.token)
    assert store.find(share.token).state(clock.now) is ShareState.REVOKED
    assert not store.revoke("never-issued")
    assert store.find("never-issued") is None
    assert store.find("") is None and store.find("x" * 500) is None


def test_a_link_opens_until_it_expires_or_is_revoked(db):
    clock = Clock()
    store = ShareStore(db, 3600, clock=clock)
    kept, revoked = store.create("look-1"), store.create("look-1", kind="comparison")
    assert store.opens(kept.token) and store.opens(revoked.token)
    store.revoke(revoked.token)
    assert not store.opens(revoked.token)
    clock.now += 3600
    assert not store.opens(kept.token)
    assert not store.opens("never-issued")


def test_revoke_look_revokes_every_link(db):
    store = ShareStore(db, 3600)
    a, b, other = store.create("L"), store.create("L"), store.create("M")
    assert store.revoke_look("L") == 2
    assert store.find(a.token).revoked_at and store.find(b.token).revoked_at
    assert store.find(other.token).revoked_at is None


def test_mirror_id_is_created_once_and_kept(tmp_path):
    first = NetworkDatabase(tmp_path / "n.sqlite3")
    first.open()
    mirror_id = first.mirror_id()
    first.close()
    again = NetworkDatabase(tmp_path / "n.sqlite3")
    again.open()
    assert again.mirror_id() == mirror_id and len(mirror_id) == 36
    again.close()


def test_assist_requests_are_acked_once(db):
    clock = Clock()
    queue = AssistQueue(db, clock=clock)
    req = queue.request(AssistKind.SIZE, "jeans 32/34", "s1")
    assert req.open and queue.open_count() == 1
    clock.now += 30
    acked = queue.ack(req.id, "Sam").request
    assert not acked.open and acked.acked_by == "Sam" and acked.acked_at == clock.now
    clock.now += 30
    assert queue.ack(req.id, "Alex").request.acked_by == "Sam"  # the first associate keeps it
    assert queue.ack("unknown", "Sam") is None
    assert queue.open_count() == 0
    assert [r.id for r in queue.recent()] == [req.id]
    clock.now += 5 * 3600
    assert queue.recent() == []  # acknowledged long ago: off the console


def test_the_second_press_is_told_who_had_the_request_first(db):
    clock = Clock()
    queue = AssistQueue(db, clock=clock)
    req = queue.request(AssistKind.ASSOCIATE)
    first = queue.ack(req.id, "Sam")
    clock.now += 1  # another associate presses "On my way" a second later
    second = queue.ack(req.id, "associate")
    assert first.first is True and first.request.acked_by == "Sam"
    assert second.first is False and second.request == first.request  # who and when: the first press's
    assert queue.ack(req.id, None).first is False and queue.get(req.id) == first.request


def test_unknown_assist_kind_is_refused(db):
    with pytest.raises(ValueError):
        AssistQueue(db).request("pizza")
