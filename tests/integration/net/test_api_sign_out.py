"""A live event stream lives only as long as the sign-in that opened it, on the real server.

Before the fix the token was checked only when ``/api/v1/events`` opened: a console that
signed out (204, and 401 on every other route) kept receiving share links, card taps and help
requests on the stream it already had open.
"""

from __future__ import annotations

import json
import threading
import time

import httpx

from kiosk.net.stream import KEEPALIVE_S

from .conftest import PIN

API = "/api/v1"


class Follower:
    """Reads ``/api/v1/events`` on a thread: the events it got, and whether the server ended it."""

    def __init__(self, url: str, bearer: str) -> None:
        self.events: list[tuple[str, dict]] = []
        self.connected = threading.Event()
        self.ended = threading.Event()  # the server closed the stream (a clean end of the body)
        self._thread = threading.Thread(target=self._run, args=(url, bearer), name="test-sse", daemon=True)
        self._thread.start()
        assert self.connected.wait(5), "the event stream did not open"

    def _run(self, url: str, bearer: str) -> None:
        headers = {"Authorization": f"Bearer {bearer}"}
        try:
            with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(5, read=60)) as r:
                assert r.status_code == 200
                name = None
                for line in r.iter_lines():
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        self.events.append((name, json.loads(line[6:])))
            self.ended.set()
        except httpx.HTTPError:
            pass  # the server stopped under us: not an end the test waits for

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def wait_for(self, name: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev, data in list(self.events):
                if ev == name:
                    return data
            time.sleep(0.02)
        raise AssertionError(f"no {name} event; got {self.names()}")


def _sign_in(server, secret: str) -> str:
    r = httpx.post(server.url + "/console/api/sign-in", json={"secret": secret})
    assert r.status_code == 200
    return r.json()["token"]


def test_signing_out_ends_that_sessions_stream_and_no_other(server):
    mine, theirs = _sign_in(server, PIN), _sign_in(server, PIN)
    stream = server.service.ctx.stream
    before = stream.subscribers
    followers = {
        "signed out": Follower(server.url + f"{API}/events", mine),
        "other session": Follower(server.url + f"{API}/events", theirs),
        "api token": Follower(server.url + f"{API}/events", server.auth["Authorization"][7:]),
    }
    try:
        out = httpx.post(server.url + "/console/api/sign-out", headers={"Authorization": f"Bearer {mine}"})
        assert out.status_code == 204
        # promptly: well before the first keep-alive, when the credential would be checked anyway
        assert followers["signed out"].ended.wait(KEEPALIVE_S / 3), "the signed-out stream stayed open"
        assert httpx.get(server.url + f"{API}/session", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
        again = httpx.get(server.url + f"{API}/events", headers={"Authorization": f"Bearer {mine}"})
        assert again.status_code == 401

        shared = httpx.post(server.url + f"{API}/looks/{server.looks.consented}/share", headers=server.auth)
        assert shared.status_code == 201
        token = shared.json()["token"]
        for who in ("other session", "api token"):
            assert followers[who].wait_for("look_shared")["url"].endswith(token)
            assert not followers[who].ended.is_set()
        assert followers["signed out"].names() == []  # nothing after the sign-out, not even the share
        deadline = time.monotonic() + 5
        while stream.subscribers != before + 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stream.subscribers == before + 2  # the ended stream gave its slot back
    finally:
        httpx.post(server.url + "/console/api/sign-out", headers={"Authorization": f"Bearer {theirs}"})
        assert followers["other session"].ended.wait(5)
        # the store's token is never signed out: that stream ends with the server
