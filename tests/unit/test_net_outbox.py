"""The webhook outbox's storage, signature and backoff, without a network."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from kiosk.net.db import NetworkDatabase
from kiosk.net.outbox import Outbox, OutboxSettings, sign


@pytest.fixture
def db(tmp_path):
    database = NetworkDatabase(tmp_path / "network.sqlite3")
    database.open()
    yield database
    database.close()


def test_signature_is_hmac_sha256_of_the_exact_body():
    body = b'{"a":1}'
    assert sign("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert sign("k", body) != sign("k", body + b" ")


def test_without_a_webhook_nothing_is_stored(db):
    outbox = Outbox(db, None, {"id": "m"})
    assert not outbox.enabled
    assert outbox.enqueue("x", {}) is None
    assert outbox.pending() == 0


def test_enqueue_commits_before_it_returns(db, tmp_path):
    outbox = Outbox(db, OutboxSettings("http://127.0.0.1:9/", "s"), {"id": "m"})
    ids = [outbox.enqueue("assist_requested", {"n": i}) for i in range(3)]
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)
    reopened = NetworkDatabase(tmp_path / "network.sqlite3")  # another connection sees them at once
    reopened.open()
    rows = reopened.query("SELECT delivery_id, body FROM outbox ORDER BY seq")
    reopened.close()
    assert [r["delivery_id"] for r in rows] == ids
    body = json.loads(rows[0]["body"])
    assert body["id"] == ids[0] and body["kind"] == "assist_requested" and body["mirror"] == {"id": "m"}
    assert body["data"] == {"n": 0}


def test_backoff_doubles_up_to_the_limit(db):
    clock = [1000.0]
    settings = OutboxSettings("http://127.0.0.1:9/", "s", max_backoff_s=10.0, first_backoff_s=1.0)
    outbox = Outbox(db, settings, {}, clock=lambda: clock[0])
    outbox.enqueue("x", {})
    waits = []
    for attempt in range(6):
        seq, attempts = db.query("SELECT seq, attempts FROM outbox")[0]
        outbox._record(seq, attempts, False, "HTTP 503", settings)
        waits.append(db.query("SELECT next_at FROM outbox")[0][0] - clock[0])
    expected = [1, 2, 4, 8, 10, 10]
    for got, top in zip(waits, expected):
        assert 0.8 * top <= got <= top
    seq, attempts = db.query("SELECT seq, attempts FROM outbox")[0]
    outbox._record(seq, attempts, True, None, settings)
    assert outbox.pending() == 0
