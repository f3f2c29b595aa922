"""A mirror installed with a store secret that is not the store's, with two real mirrors' network
parts on loopback: each one's health names the mismatch; two mirrors holding the same secret, none.

The mirrors find each other by real zeroconf on 127.0.0.1, and the hello rounds (``hello_round``)
ask without anyone opening a console. The secrets are this test's own: loopback mDNS is the
whole machine's, and mirrors of another test run (holding the usual test secret) may be found
too; they prove nothing to these mirrors, so the counts are asserted from this test's mirrors up.
"""

from __future__ import annotations

import re
import secrets

import httpx
import pytest

from tests.integration.faults.waiting import wait_for

from .conftest import Looks, server_config, start_server, stop_server, write_store_secret

pytestmark = pytest.mark.slow


def _mirrors(tmp_path, secret_a: str, secret_b: str):
    """Two announced mirrors, each with its own store secret, once each found the other."""
    servers = []
    try:
        for name, secret in (("a", secret_a), ("b", secret_b)):
            write_store_secret(tmp_path / name / "store-secret", secret)
            servers.append(start_server(Looks(tmp_path / name, "", ""),
                                        server_config(announce=True, name=f"Mirror {name.upper()}", room=name)))
        a, b = servers
        ids = {s.url: s.service.ctx.mirror_id for s in servers}

        def knows(one, other) -> bool:
            return any(r.mirror_id == ids[other.url] and r.base_url() for r in one.service.ctx.directory.mirrors())

        wait_for(lambda: knows(a, b) and knows(b, a), 30, "the mirrors did not find each other by zeroconf")
        return a, b
    except BaseException:
        for server in reversed(servers):
            stop_server(server)
        raise


def _health(server) -> dict:
    return httpx.get(server.url + "/api/v1/health").json()


def _metric(server, name: str) -> float:
    text = httpx.get(server.url + "/api/v1/metrics").text
    return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))


def test_each_of_two_mirrors_with_different_secrets_names_the_mismatch_in_its_health(tmp_path):
    a, b = _mirrors(tmp_path, secrets.token_hex(32), secrets.token_hex(32))
    try:
        for server in (a, b):  # nobody opens a console: the hello rounds find it out
            check = wait_for(lambda: (c := _health(server)["checks"]["store_secret"]) and not c["ok"] and c, 30,
                             "the mirror's health did not name the other mirror's secret as not its own")
            detail = check["detail"]
            # B, and whichever mirrors of other test runs are found: none proves it holds this one's secret
            assert re.match(r"(the one other mirror found does not prove|none of the \d+ other mirrors found proves) "
                            r"it holds this mirror's store secret: ", detail), detail
            assert "copy the store's secret" in detail and "restart the kiosk" in detail, detail
            health = _health(server)
            assert health["status"] == "degraded" and any(p.startswith("store_secret: ") for p in health["problems"])
            assert "127.0.0." not in str(health)  # counts only: the public health names no address
            assert _metric(server, "kiosk_store_secret_mismatch") == 1
            assert _metric(server, "kiosk_peers_proving") == 0 and _metric(server, "kiosk_peers_not_proving") >= 1
    finally:
        stop_server(b)
        stop_server(a)


def test_two_mirrors_holding_the_same_secret_report_no_mismatch(tmp_path):
    secret = secrets.token_hex(32)
    a, b = _mirrors(tmp_path, secret, secret)
    try:
        for server in (a, b):
            wait_for(lambda: _metric(server, "kiosk_peers_proving") == 1, 30, "the other mirror never proved itself")
            check = _health(server)["checks"]["store_secret"]
            assert check["ok"] and check["detail"].startswith("the store secret is loaded: 1 other mirror proves it holds it")
            assert "probably" not in check["detail"] and _metric(server, "kiosk_store_secret_mismatch") == 0
    finally:
        stop_server(b)
        stop_server(a)
