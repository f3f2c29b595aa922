"""The webhook outbox against a real HTTP receiver on loopback: signed, retried, kept across restarts."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.integration.faults.waiting import wait_for

from .conftest import copy_library, server_config, start_server, stop_server

pytestmark = pytest.mark.slow

SECRET = "webhook-secret-0123456789"


class Receiver:
    """A store service: answers ``fail`` with 503 until told otherwise, keeps what it got."""

    def __init__(self) -> None:
        self.fail = True
        self.slow_next = False  # the next answer comes too late for the mirror
        self.poison = b"poison"  # an entry holding this is refused with 422 every time
        self.received: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                delivery = self.headers["X-Smartmirror-Delivery"]
                with outer.lock:
                    outer.received.append(
                        {"id": delivery, "sig": self.headers["X-Smartmirror-Signature"], "body": body, "failed": outer.fail}
                    )
                    slow, outer.slow_next = outer.slow_next, False
                if slow:
                    time.sleep(1.5)  # longer than the mirror waits: it must try again
                refused = outer.poison in body
                if refused:
                    with outer.lock:
                        outer.received[-1]["failed"] = True
                self.send_response(422 if refused else 503 if outer.fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="test-webhook", daemon=True)
        self.thread.start()

    def accepted(self) -> list[dict]:
        with self.lock:
            return [r for r in self.received if not r["failed"]]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def _config(url: str):
    config = server_config()
    config.webhook.secret = SECRET
    config.webhook.url = url
    config.webhook.timeout_s = 1.0
    config.webhook.max_backoff_s = 2.0
    return config


def test_outbox_survives_a_restart_and_delivers_each_entry_once(recorded_library, tmp_path, receiver):
    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, _config(receiver.url))
    try:
        made = [httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"detail": f"size {i}"}).json() for i in range(5)]
        share = httpx.post(srv.url + f"/api/v1/looks/{looks.consented}/share", headers=srv.auth).json()
        wait_for(lambda: len(receiver.received) >= 6, 10, "the mirror never tried to deliver")
    finally:
        stop_server(srv)  # the store service is down and the mirror restarts
    with sqlite3.connect(looks.root / "network.sqlite3") as db:
        pending = db.execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
    assert pending == 6

    receiver.fail = False
    srv = start_server(looks, _config(receiver.url))
    try:
        wait_for(lambda: len(receiver.accepted()) >= 6, 15, "the outbox did not deliver after the restart")
        time.sleep(0.5)  # nothing more may arrive
        accepted = receiver.accepted()
        ids = [r["id"] for r in accepted]
        assert len(ids) == len(set(ids)) == 6  # each entry once, none lost
        for r in accepted:
            assert r["sig"] == "sha256=" + hmac.new(SECRET.encode(), r["body"], hashlib.sha256).hexdigest()
        bodies = [json.loads(r["body"]) for r in accepted]
        assert [b["id"] for b in bodies] == ids  # the header and the body name the same entry
        details = [b["data"]["request"]["detail"] for b in bodies if b["kind"] == "assist_requested"]
        assert details == [m["detail"] for m in made]  # oldest first
        shared = [b for b in bodies if b["kind"] == "look_shared"]
        assert shared[0]["data"]["look_id"] == looks.consented
        # the link is named by the hash the mirror keeps; its token never entered the outbox
        assert shared[0]["data"]["share_id"] == hashlib.sha256(share["token"].encode()).hexdigest()
        assert "url" not in shared[0]["data"] and all(share["token"].encode() not in r["body"] for r in accepted)
        assert all(b["mirror"]["room"] == "7" for b in bodies)
        health = httpx.get(srv.url + "/api/v1/health").json()
        assert health["checks"]["webhook"]["detail"] == "0 deliveries waiting"
    finally:
        stop_server(srv)


def test_a_lost_answer_is_retried_with_the_same_delivery_id(recorded_library, tmp_path, receiver):
    receiver.fail = False
    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, _config(receiver.url))
    try:
        receiver.slow_next = True
        httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"detail": "late"})
        wait_for(lambda: len(receiver.received) >= 2, 10, "the mirror did not try again after a lost answer")
        first, second = receiver.received[:2]
        assert first["id"] == second["id"] and first["body"] == second["body"]
    finally:
        stop_server(srv)


def _health(srv) -> dict:
    return httpx.get(srv.url + "/api/v1/health").json()


def test_a_refused_entry_is_parked_and_the_ones_behind_it_go_on(recorded_library, tmp_path, receiver):
    receiver.fail = False
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), _config(receiver.url))
    try:
        for detail in ("first", "poison", "third"):
            httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"detail": detail})
        wait_for(lambda: len(receiver.accepted()) >= 2, 10, "the entries behind the refused one were not delivered")
        details = [json.loads(r["body"])["data"]["request"]["detail"] for r in receiver.accepted()]
        assert details == ["first", "third"]  # in order, the poison one out of the line
        assert sum(b"poison" in r["body"] for r in receiver.received) == 1  # refused once, never again
        health = _health(srv)
        assert health["status"] == "degraded" and health["webhook"]["parked"] == 1
        assert health["webhook"]["queued"] == 0 and "HTTP 422" in health["webhook"]["problem"]
        assert "1 parked" in health["checks"]["webhook"]["detail"]
        metrics = httpx.get(srv.url + "/api/v1/metrics").text
        assert "kiosk_webhook_parked 1" in metrics and "kiosk_webhook_up 1" in metrics
    finally:
        stop_server(srv)


def test_delivery_goes_on_after_a_thousand_failed_tries_and_a_restart(recorded_library, tmp_path, receiver):
    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, _config(receiver.url))
    try:
        httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"detail": "days of outage"})
        wait_for(lambda: receiver.received, 10, "the mirror never tried to deliver")
    finally:
        stop_server(srv)
    with sqlite3.connect(looks.root / "network.sqlite3") as db:  # as after three days of a service down
        db.execute("UPDATE outbox SET attempts = 1100, next_at = 0")
    tries = len(receiver.received)
    srv = start_server(looks, _config(receiver.url))
    try:
        wait_for(lambda: len(receiver.received) > tries, 10, "the restarted mirror did not try again")

        def attempts() -> int:
            db = sqlite3.connect(looks.root / "network.sqlite3")
            try:
                return db.execute("SELECT attempts FROM outbox").fetchone()[0]
            finally:
                db.close()

        # the failed try is recorded: after 1100 tries the next wait is the longest, not an overflow
        wait_for(lambda: attempts() > 1100, 30, "the failed try after 1100 was never recorded")
        receiver.fail = False
        wait_for(lambda: receiver.accepted(), 30, "the outbox stopped delivering after 1100 tries")
        health = _health(srv)["webhook"]
        assert health["running"] is True and health["queued"] == 0 and health["last_error"] == "HTTP 503"
    finally:
        stop_server(srv)


def test_the_delivery_loop_survives_an_error_and_says_so(recorded_library, tmp_path, receiver):
    receiver.fail = False
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), _config(receiver.url))
    outbox = srv.service.ctx.outbox
    real = outbox._deliver_due
    broken = threading.Event()

    async def once_broken(client, settings):
        if not broken.is_set():
            broken.set()
            raise RuntimeError("database is locked")
        return await real(client, settings)

    try:
        outbox._deliver_due = once_broken
        outbox._poke()
        wait_for(broken.is_set, 5, "the loop did not run")
        httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"detail": "after the error"})
        wait_for(lambda: receiver.accepted(), 10, "the loop did not go on after the error")
        health = _health(srv)["webhook"]
        assert health["running"] is True and "database is locked" in (health["last_error"] or "")
        wait_for(lambda: _health(srv)["webhook"]["problem"] is None, 5, "the health still shows the error")
    finally:
        stop_server(srv)


def test_a_second_ack_is_answered_but_published_once(recorded_library, tmp_path, receiver):
    """Two associates press "On my way": the second is told who is going, and the live feed, the
    webhook and the mirror's own screen hear of the request taken once, with the first one's name."""
    from kiosk.net.events import AssistAcknowledged

    from .test_api import SseReader

    receiver.fail = False
    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, _config(receiver.url))
    heard = []
    unsubscribe = srv.bus.subscribe(heard.append)
    reader = SseReader(srv.url + "/api/v1/events", srv.auth)
    try:
        req = httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"kind": "associate"}).json()
        ack = f"{srv.url}/api/v1/assist/{req['id']}/ack"
        first = httpx.post(ack, headers=srv.auth, json={"by": "Sam"}).json()
        second = httpx.post(ack, headers=srv.auth, json={"by": "Alex"}).json()
        assert (first["first"], second["first"], second["acked_by"]) == (True, False, "Sam")  # answered as before
        # published after the second press: once the feed and the webhook carry it, a repeat would be there too
        after = httpx.post(srv.url + "/api/v1/assist", headers=srv.auth, json={"detail": "after"}).json()

        def kinds(bodies: list[dict]) -> list[tuple[str, str]]:
            return [(b["kind"], b["data"]["request"]["id"]) for b in bodies if b["kind"].startswith("assist_")]

        def delivered() -> list[dict]:
            return [json.loads(r["body"]) for r in receiver.accepted()]

        taken = [("assist_requested", req["id"]), ("assist_acked", req["id"]), ("assist_requested", after["id"])]
        wait_for(lambda: ("assist_requested", after["id"]) in kinds(delivered()), 10, "the webhook never got the request")
        assert kinds(delivered()) == taken
        wait_for(lambda: any(d["request"]["id"] == after["id"] for e, d in reader.events if e == "assist_requested"), 5,
                 "the live feed never got the request")
        assert kinds([{"kind": e, "data": d} for e, d in reader.events if e.startswith("assist_")]) == taken
        assert [(d["request"]["acked_by"]) for e, d in reader.events if e == "assist_acked"] == ["Sam"]
        assert [(e.request_id, e.by) for e in heard if isinstance(e, AssistAcknowledged)] == [(req["id"], "Sam")]
    finally:
        reader.close()
        unsubscribe()
        stop_server(srv)


def test_a_deleted_look_reaches_the_store_service_with_ids_only(recorded_library, tmp_path, receiver):
    # The store service learns that a look it heard of is gone: which look, which mirror, when, and
    # whether an associate or the store token deleted it; never whose look it was.
    from .conftest import PIN

    receiver.fail = False
    looks = copy_library(recorded_library, tmp_path / "lib")
    srv = start_server(looks, _config(receiver.url))
    try:
        pin = {"Authorization": "Bearer " + httpx.post(srv.url + "/console/api/sign-in", json={"secret": PIN}).json()["token"]}
        before = time.time()
        assert httpx.delete(srv.url + f"/api/v1/looks/{looks.consented}", headers=pin).status_code == 204
        assert httpx.delete(srv.url + f"/api/v1/looks/{looks.private}", headers=srv.auth).status_code == 204

        def deleted() -> list[dict]:
            return [b for b in (json.loads(r["body"]) for r in receiver.accepted()) if b["kind"] == "look_deleted"]

        wait_for(lambda: len(deleted()) == 2, 10, "the store service never heard of the deletions")
        told = deleted()
        mirror_id = httpx.get(srv.url + "/api/v1/status").json()["id"]
        assert [{k: v for k, v in b["data"].items() if k != "deleted_at"} for b in told] == [
            {"mirror_id": mirror_id, "look_id": looks.consented, "by": "associate"},
            {"mirror_id": mirror_id, "look_id": looks.private, "by": "store token"},
        ]
        assert all(before <= b["data"]["deleted_at"] <= b["at"] for b in told)
        assert all(b["mirror"]["id"] == mirror_id for b in told)
    finally:
        stop_server(srv)


def test_a_shoppers_delete_of_a_kept_look_is_told_once_and_of_an_unkept_one_never(tmp_path, receiver):
    # Her own Delete at the mirror reaches the tablets and the store service as a tablet's does,
    # but only for a look she said yes to (the store never hears of any other); a tablet's
    # deletion, which the API tells and puts on the core's bus, is not told a second time.
    from kiosk.events import LookDeleted
    from kiosk.recording.events import LookRecorded, RecordingStarted

    from .conftest import PIN, TOKEN
    from .test_api import SseReader
    from .test_api_with_core import running_core

    receiver.fail = False
    with running_core(_config(receiver.url), tmp_path) as (core, heard, net):
        auth = {"Authorization": f"Bearer {TOKEN}"}
        reader = SseReader(net.url + "/api/v1/events", auth)

        def record() -> str:
            since = len(heard)
            core.start_recording()
            started = wait_for(lambda: next((e for e in heard[since:] if isinstance(e, RecordingStarted)), None), 10,
                               "the take did not start")
            wait_for(lambda: (f := core.hub.latest()) is not None and f.ts - started.at > 1.0, 10, "no picture came")
            core.stop_recording()
            return wait_for(lambda: next((e for e in heard[since:] if isinstance(e, LookRecorded)), None), 10,
                            "the take did not land").look_id

        def deleted() -> list[dict]:
            return [b for b in (json.loads(r["body"]) for r in receiver.accepted()) if b["kind"] == "look_deleted"]

        try:
            core.touch()
            unkept = record()
            core.delete_look(unkept)  # before any yes: nobody outside the mirror is told
            assert core.flush()
            core.ask_consent()
            core.answer_consent(True)
            kept, by_tablet = record(), record()
            before = time.time()
            core.delete_look(kept)
            wait_for(lambda: len(deleted()) == 1, 10, "the store service never heard of the shopper's deletion")
            sign_in = httpx.post(net.url + "/console/api/sign-in", json={"secret": PIN}).json()
            assert httpx.delete(net.url + f"/api/v1/looks/{by_tablet}",
                                headers={"Authorization": f"Bearer {sign_in['token']}"}).status_code == 204
            # told after the tablet's deletion: once the webhook carries it, a repeat would be there too
            after = httpx.post(net.url + "/api/v1/assist", headers=auth, json={"detail": "after"}).json()
            wait_for(lambda: any(json.loads(r["body"])["kind"] == "assist_requested" for r in receiver.accepted()),
                     10, "the webhook never got the request after the deletions")
            mirror_id = httpx.get(net.url + "/api/v1/status").json()["id"]
            told = [{"mirror_id": mirror_id, "look_id": kept, "by": "shopper"},
                    {"mirror_id": mirror_id, "look_id": by_tablet, "by": "associate"}]
            assert [{k: v for k, v in b["data"].items() if k != "deleted_at"} for b in deleted()] == told
            assert before <= deleted()[0]["data"]["deleted_at"] <= deleted()[0]["at"]
            wait_for(lambda: any(e == "assist_requested" and d["request"]["id"] == after["id"]
                                 for e, d in reader.events), 5,
                     "the live feed never got the request after the deletions")
            live = [{k: v for k, v in d.items() if k != "deleted_at"} for e, d in reader.events if e == "look_deleted"]
            assert live == told
            on_bus = [(e.look_id, e.by) for e in heard if isinstance(e, LookDeleted)]
            assert on_bus == [(kept, "shopper"), (by_tablet, "associate")]
        finally:
            reader.close()


def test_a_shopper_who_says_no_is_never_named_to_the_store_service(tmp_path, receiver):
    # Her card tapped, then "No, thanks": the tablets and the store service hear that a card was
    # tapped in the visit, never whose. The next shopper taps and says yes: her card is named
    # then, once, as customer_identified (the webhook and the live feed do carry a yes).
    from kiosk.events import SessionStateChanged
    from kiosk.identity.events import CardTapped, ConsentChanged
    from kiosk.identity.prompt import ConsentAsked

    from .conftest import TOKEN
    from .test_api import SseReader
    from .test_api_with_core import running_core

    declining, accepting = "d" * 64, "a" * 64
    receiver.fail = False
    with running_core(_config(receiver.url), tmp_path) as (core, heard, net):
        reader = SseReader(net.url + "/api/v1/events", {"Authorization": f"Bearer {TOKEN}"})

        def visit(card_key: str, yes: bool) -> str:
            since = len(heard)
            core.touch()
            session = wait_for(lambda: next((e.session_id for e in heard[since:]
                                             if isinstance(e, SessionStateChanged) and e.session_id), None),
                               10, "no visit began")
            core.tap_card(card_key)
            wait_for(lambda: any(isinstance(e, ConsentAsked) for e in heard[since:]), 10, "the tap asked nothing")
            core.answer_consent(yes)
            wait_for(lambda: any(isinstance(e, ConsentChanged) for e in heard[since:]), 10, "the answer was not saved")
            core.end_session()
            wait_for(lambda: any(isinstance(e, SessionStateChanged) and e.state == "idle" for e in heard[since:]),
                     10, "the visit did not end")
            return session

        def delivered() -> list[dict]:
            return [json.loads(r["body"]) for r in receiver.accepted()]

        try:
            said_no = visit(declining, yes=False)
            said_yes = visit(accepting, yes=True)
            wait_for(lambda: [b["data"]["session_id"] for b in delivered() if b["kind"] == "session_ended"]
                     == [said_no, said_yes], 15, "the store service never heard both visits end")
            assert [e.next_step for e in heard if isinstance(e, CardTapped)] == ["consent", "consent"]
            bodies = b"".join(r["body"] for r in receiver.accepted())
            assert declining.encode() not in bodies
            tapped = [b["data"] for b in delivered() if b["kind"] == "card_tapped"]
            assert [(t["session_id"], t["customer_id"], t["known"]) for t in tapped] == [
                (said_no, None, None), (said_yes, None, None)]  # each before her answer
            identified = [b["data"] for b in delivered() if b["kind"] == "customer_identified"]
            assert identified == [{"mirror_id": identified[0]["mirror_id"], "customer_id": accepting,
                                   "session_id": said_yes, "room": "7"}]
            wait_for(lambda: any(e == "customer_identified" for e, _ in reader.events), 5,
                     "the live feed never heard the yes")
            assert declining not in json.dumps(reader.events)
        finally:
            reader.close()
