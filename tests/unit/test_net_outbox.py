"""The webhook outbox's storage, signature and backoff, without a network."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from kiosk.net.db import NetworkDatabase
from kiosk.net.outbox import LATE_S, Outbox, OutboxSettings, backoff_s, read_queue, sign, stored_report


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
    outbox = Outbox(db, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {"id": "m"})
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
    settings = OutboxSettings("http://127.0.0.1:9/", "s" * 16, max_backoff_s=10.0, first_backoff_s=1.0)
    outbox = Outbox(db, settings, {}, clock=lambda: clock[0])
    outbox.enqueue("x", {})
    waits = []
    for attempt in range(6):
        seq, attempts = db.query("SELECT seq, attempts FROM outbox")[0]
        outbox._record(seq, attempts, "retry", "HTTP 503", settings)
        waits.append(db.query("SELECT next_at FROM outbox")[0][0] - clock[0])
    expected = [1, 2, 4, 8, 10, 10]
    for got, top in zip(waits, expected):
        assert 0.8 * top <= got <= top
    seq, attempts = db.query("SELECT seq, attempts FROM outbox")[0]
    outbox._record(seq, attempts, "delivered", None, settings)
    assert outbox.pending() == 0
    assert db.query("SELECT length(body) FROM outbox")[0][0] == 0  # delivered: only the id and times are kept


def test_backoff_is_capped_however_many_tries_it_took():
    assert backoff_s(0, 1.0, 300.0) == 1.0
    for attempts in (1023, 1024, 1025, 5000, 10**9):  # 2**1024 overflows a float
        assert backoff_s(attempts, 1.0, 300.0) == 300.0


def test_a_refused_entry_is_parked_with_its_reason_and_can_be_retried(db):
    clock = [1000.0]
    settings = OutboxSettings("http://127.0.0.1:9/", "s" * 16)
    outbox = Outbox(db, settings, {}, clock=lambda: clock[0])
    outbox.enqueue("a", {})
    outbox.enqueue("b", {})
    seq = db.query("SELECT seq FROM outbox ORDER BY seq")[0][0]
    outbox._record(seq, 0, "park", "the store service refused this entry (HTTP 422)", settings)
    assert outbox.pending() == 1
    status = outbox.status()
    assert status.parked == 1 and status.queued == 1 and "HTTP 422" in status.problem
    assert "1 deliveries waiting" in status.detail() and "1 parked" in status.detail()
    assert outbox.retry_parked() == 1
    assert outbox.pending() == 2 and outbox.status().parked == 0


def test_status_says_how_far_behind_it_is(db):
    clock = [1000.0]
    outbox = Outbox(db, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {}, clock=lambda: clock[0])
    assert outbox.status().queued == 0 and outbox.status().oldest_age_s is None
    assert "not running" in outbox.status().problem  # never started: health must say so
    outbox.enqueue("x", {})
    clock[0] += LATE_S + 60
    queue = read_queue(db, clock[0])
    assert queue["queued"] == 1 and queue["oldest_age_s"] == LATE_S + 60
    status = outbox.status().as_dict()
    assert set(status) >= {"queued", "oldest_age_s", "parked", "last_error", "running", "problem"}


def test_share_urls_never_enter_the_outbox_and_forget_purges_a_customer(db):
    outbox = Outbox(db, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {})
    outbox.enqueue("look_shared", {"look_id": "L", "url": "http://m/s/SECRET-TOKEN", "token": "SECRET-TOKEN", "share_id": "ab"})
    outbox.enqueue("card_tapped", {"customer_id": "k" * 32})
    outbox.enqueue("card_tapped", {"customer_id": "j" * 32})
    bodies = [bytes(r[0]) for r in db.query("SELECT body FROM outbox")]
    assert not any(b"SECRET-TOKEN" in b for b in bodies)
    assert json.loads(bodies[0])["data"] == {"look_id": "L", "share_id": "ab"}
    assert outbox.forget("k" * 32) == 1
    assert outbox.forget("") == 0
    assert [json.loads(bytes(r[0]))["data"] for r in db.query("SELECT body FROM outbox ORDER BY seq")][1:] == [
        {"customer_id": "j" * 32}
    ]


def test_forget_follows_the_customers_sessions_and_looks(db):
    outbox = Outbox(db, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {})
    key, other = "k" * 32, "j" * 32
    outbox.enqueue("session_started", {"session_id": "visit-0001"})
    outbox.enqueue("card_tapped", {"customer_id": key, "session_id": "visit-0001"})
    outbox.enqueue("look_recorded", {"look_id": "look-of-k-0001", "session_id": "visit-0001"})
    outbox.enqueue("look_shared", {"look_id": "look-of-k-0001", "share_id": "ab" * 32})
    outbox.enqueue("assist_requested", {"request": {"id": "r1", "session_id": "visit-0001", "detail": "32/34"}})
    outbox.enqueue("card_tapped", {"customer_id": other, "session_id": "visit-0002"})
    outbox.enqueue("look_recorded", {"look_id": "look-of-j-0002", "session_id": "visit-0002"})
    # a comparison showing both shoppers' looks goes with the one forgotten, and stops there
    outbox.enqueue("comparison_requested", {"comparison_id": "cmp-00000001", "look_ids": ["look-of-k-0001", "look-of-j-0002"]})
    outbox.enqueue("comparison_shared", {"comparison_id": "cmp-00000001", "share_id": "cd" * 32})
    assert outbox.forget(key) == 7
    left = [json.loads(bytes(r[0]))["data"] for r in db.query("SELECT body FROM outbox ORDER BY seq")]
    assert left == [{"customer_id": other, "session_id": "visit-0002"}, {"look_id": "look-of-j-0002", "session_id": "visit-0002"}]


def test_the_stored_report_reads_another_processes_queue(db, tmp_path):
    assert stored_report(tmp_path / "elsewhere") is None
    outbox = Outbox(db, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {}, clock=lambda: 1000.0)
    outbox.enqueue("x", {})
    report = stored_report(tmp_path, now=1000.0 + LATE_S + 1)
    assert report["queued"] == 1 and report["parked"] == 0
    assert "has not taken an event" in report["problem"]
