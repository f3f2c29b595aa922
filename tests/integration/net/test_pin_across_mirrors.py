"""Wrong PINs counted across the store's mirrors, with two real mirrors' network parts on loopback.

Both mirrors hold the same store secret and find each other by real zeroconf on 127.0.0.1. A
guesser who sends half the wrong PINs to one and half to the other must be paused on both; a
report of wrong PINs that is not signed by a mirror of the store (unsigned, forged, another
store's, replayed) is refused and counts nothing.
"""

from __future__ import annotations

import re
import secrets
import uuid

import httpx
import pytest

from kiosk.net.peer_client import WRONG_PINS_PATH
from kiosk.net.throttle import MAX_FAILURES_ALL
from kiosk.net.trust import HEADER, PeerTrust

from tests.integration.faults.waiting import wait_for

from .conftest import PIN, STORE_SECRET, TOKEN, Looks, from_address, server_config, start_server, stop_server, write_store_secret

pytestmark = pytest.mark.slow


def _empty_library(root, secret: str = STORE_SECRET) -> Looks:
    """A library without looks, holding the store secret (no recording needed for sign-in)."""
    write_store_secret(root / "store-secret", secret)
    return Looks(root, "", "")


def _sign_in(server) -> dict:
    return httpx.get(server.url + "/api/v1/health").json()["checks"]["sign_in"]


def _metric(server, name: str) -> float:
    text = httpx.get(server.url + "/api/v1/metrics").text
    return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))


@pytest.fixture
def store(tmp_path):
    """Two announced mirrors of one store, each knowing where the other is.

    The store's secret is this test's own: loopback mDNS is the whole machine's, and mirrors of
    another test run holding the usual test secret would otherwise count these wrong PINs too.
    """
    secret = secrets.token_hex(32)
    a = start_server(_empty_library(tmp_path / "a", secret), server_config(announce=True, name="Mirror Left", room="1"))
    try:
        b = start_server(_empty_library(tmp_path / "b", secret), server_config(announce=True, name="Mirror Right", room="2"))
    except BaseException:
        stop_server(a)
        raise
    try:
        ids = {s.url: s.service.ctx.mirror_id for s in (a, b)}

        def knows(one, other) -> bool:
            return any(r.mirror_id == ids[other.url] and r.base_url() for r in one.service.ctx.directory.mirrors())

        wait_for(lambda: knows(a, b) and knows(b, a), 30, "the mirrors did not find each other by zeroconf")
        yield a, b
    finally:
        stop_server(b)
        stop_server(a)


def test_wrong_pins_spread_over_two_mirrors_pause_sign_in_on_both(store):
    a, b = store
    assert _sign_in(a) == _sign_in(b) == {"ok": True, "detail": "PIN sign-in open"}
    statuses = []
    for i in range(MAX_FAILURES_ALL):  # A, B, A, B…: five each, each from an address of its own
        with from_address() as guesser:
            answer = guesser.post((a, b)[i % 2].url + "/console/api/sign-in", json={"secret": f"{i:06d}"})
            statuses.append(answer.status_code)
    assert statuses == [401] * MAX_FAILURES_ALL  # neither mirror alone saw enough to pause

    wait_for(lambda: not _sign_in(a)["ok"] and not _sign_in(b)["ok"], 20, "PIN sign-in was not paused on both mirrors")
    for server in (a, b):
        with from_address() as tablet:
            refused = tablet.post(server.url + "/console/api/sign-in", json={"secret": PIN})
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert tablet.post(server.url + "/console/api/sign-in", json={"secret": TOKEN}).status_code == 200
        assert _metric(server, "kiosk_pin_sign_in_paused") == 1 and _metric(server, "kiosk_pin_sign_in_pauses_total") == 1
        assert _metric(server, "kiosk_pin_wrong_reported_total") == MAX_FAILURES_ALL // 2
        assert _metric(server, "kiosk_pin_reports_sent_total") >= 1
        assert _metric(server, "kiosk_pin_reports_failed_total") == 0
    # the tenth went to B: A's pause came from B (its reports), and its health says so
    detail = _sign_in(a)["detail"]
    assert "from 5 addresses and 1 other mirror of the store" in detail and "another mirror" in detail, detail
    assert _metric(a, "kiosk_pin_sign_in_paused_by_peer") == 1
    for server in (a, b):  # no address, no mirror id, no PIN in the public health
        health = httpx.get(server.url + "/api/v1/health").text
        assert "127.0.0." not in health and PIN not in health


@pytest.fixture
def mirror(tmp_path):
    srv = start_server(_empty_library(tmp_path / "m"), server_config(name="Mirror Alone"))
    try:
        yield srv
    finally:
        stop_server(srv)


def _hello(server, trust: PeerTrust) -> tuple[str, str]:
    mine = trust.new_nonce()
    answer = httpx.post(server.url + "/api/v1/peer/hello", json={"from": trust.mirror_id, "nonce": mine}).json()
    return answer["id"], answer["nonce"]


def _report(server, trust: PeerTrust, body: bytes, peer_nonce: tuple[str, str] | None = None) -> httpx.Response:
    peer, nonce = peer_nonce or _hello(server, trust)
    header = trust.request_header(peer, nonce, "POST", WRONG_PINS_PATH, body)
    return httpx.post(server.url + WRONG_PINS_PATH, content=body, headers={HEADER: header, "Content-Type": "application/json"})


def test_a_report_not_signed_by_a_mirror_of_the_store_is_refused(mirror, tmp_path):
    body = b'{"wrong_pins":10,"paused":true}'
    # unsigned
    assert httpx.post(mirror.url + WRONG_PINS_PATH, content=body).status_code == 401
    # a real nonce, a made-up signature
    rogue = PeerTrust(bytes.fromhex(STORE_SECRET), str(uuid.uuid4()))
    peer, nonce = _hello(mirror, rogue)
    forged = f"v1; from={rogue.mirror_id}; nonce={nonce}; sig={'0' * 64}"
    assert httpx.post(mirror.url + WRONG_PINS_PATH, content=body, headers={HEADER: forged}).status_code == 401
    # signed with another store's secret
    other = PeerTrust(bytes.fromhex(write_store_secret(tmp_path / "other", "6e" * 32).read_text().strip()), rogue.mirror_id)
    assert _report(mirror, other, body).status_code == 401
    assert _sign_in(mirror) == {"ok": True, "detail": "PIN sign-in open"}  # none of it counted, nothing paused

    # a mirror of the store: counted once; the same request again is refused and counts nothing
    peer_nonce = _hello(mirror, rogue)
    one = b'{"wrong_pins":1,"paused":false}'
    assert _report(mirror, rogue, one, peer_nonce).status_code == 200
    assert _report(mirror, rogue, one, peer_nonce).status_code == 401  # the nonce is spent: no replay
    assert _report(mirror, rogue, b'{"wrong_pins":1,"pin":"1234"}').status_code == 422  # only how many, and paused
    assert _report(mirror, rogue, b'{"wrong_pins":11}').status_code == 422
    assert _sign_in(mirror)["detail"] == ("PIN sign-in open; 1 wrong PIN in the last 5 min (1 of them at other mirrors "
                                          "of the store); 1 wrong PIN in the last 24 h (PIN sign-in pauses at 50)")
    assert _metric(mirror, "kiosk_pin_wrong_last_day") == 1
    assert _metric(mirror, "kiosk_pin_wrong_reported_total") == 1
    with from_address() as tablet:
        assert tablet.post(mirror.url + "/console/api/sign-in", json={"secret": PIN}).status_code == 200
