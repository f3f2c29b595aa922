"""Network faults on the running mirror: its cable pulled and plugged back, the store's webhook service down.

The kiosk runs inside a network namespace the test made, on a veth pair to a second one (the
store LAN) where a phone (HTTP from inside it) and the store's webhook service (an HTTP server
there) live; zeroconf announces only on that pair, and nothing touches the host's interfaces.
Needs root (skipped otherwise, with the reason).

Cable pulled: the mirror keeps painting; it stops announcing the dead address, and a shopper who
asks for a share code is told in plain words that no link could be made just now instead of
getting a QR code a phone cannot open (the reason, no network address, is in the journal); once
the cable is back the phone reaches the mirror again, sharing works from the LAN, and what the
webhook could not deliver meanwhile arrives, in order.
Webhook service down: events wait in the outbox (health says how many), and when it is back
every one of them arrives exactly once as the service sees it (by delivery id), in order.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import threading

import httpx
import pytest

from kiosk.share_consent import SHARE_FAILED
from tests.integration.faults.kiosk_process import KioskProcess, Setup
from tests.integration.faults.netns import Lan, NamespaceHttp, NamespaceServer
from tests.integration.faults.waiting import wait_until
from tests.screen import read_qr

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.netns]

WEBHOOK_PORT = 8765
MAX_BACKOFF_S = 4.0
ANNOUNCE_POLL_S = 10.0  # the announcer checks the host's addresses this often
LOAD_SLACK_S = 30.0


class StoreService:
    """What the store's webhook service received, in order of arrival (repeats included)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[dict] = []

    def handler(self):
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with service.lock:
                    service.received.append({**json.loads(body), "delivery": self.headers["X-Smartmirror-Delivery"]})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def deliveries(self) -> list[dict]:
        """Each delivery once, in the order it first arrived (a repeat is allowed, the service drops it)."""
        seen, out = set(), []
        with self.lock:
            for item in self.received:
                if item["delivery"] not in seen:
                    seen.add(item["delivery"])
                    out.append(item)
        return out

    def kinds(self) -> list[str]:
        return [item["kind"] for item in self.deliveries()]


@pytest.fixture(scope="module")
def lan():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("network namespaces need root and iproute2 (scripts/test installs iproute2)")
    lan = Lan()
    try:
        lan.up()
    except Exception as exc:  # noqa: BLE001 - a container without CAP_NET_ADMIN
        lan.down()
        pytest.skip(f"cannot make network namespaces here ({exc})")
    yield lan
    lan.down()


@pytest.fixture(scope="module")
def store(lan):
    service = StoreService()
    server = NamespaceServer(lan.lan, lan.lan_ip, WEBHOOK_PORT, service.handler()).start()
    service.server = server
    yield service
    server.stop()


@pytest.fixture(scope="module")
def phone(lan):
    client = NamespaceHttp(lan.lan, timeout=5.0)
    yield client
    client.close()


@pytest.fixture(scope="module")
def mirror(xvfb, person_clip, lan, store, tmp_path_factory):
    work = tmp_path_factory.mktemp("network")
    toml = (f'[webhook]\nurl = "http://{lan.lan_ip}:{WEBHOOK_PORT}/hook"\nsecret = "{"s" * 32}"\n'
            f"timeout_s = 2.0\nmax_backoff_s = {MAX_BACKOFF_S}\n")
    setup = Setup(library=work / "library", source=f"file:{person_clip}?loop=1", netns=lan.mirror, bind="0.0.0.0",
                  announce=True, toml=toml)
    kiosk = KioskProcess(xvfb, work, setup)
    kiosk.http = NamespaceHttp(lan.mirror)  # store IT on the device itself: its own loopback
    try:
        with kiosk:
            kiosk.lan_url = f"http://{lan.mirror_ip}:{kiosk.api_url.rsplit(':', 1)[1]}"
            kiosk.touch()
            kiosk.warm_up()
            yield kiosk
            assert kiosk.stop() == 0, kiosk.tail()
    finally:
        kiosk.http.close()


def reachable(phone, url: str) -> bool:
    try:
        return phone.get(url + "/api/v1/status", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def share(mirror, since: int) -> str | None:
    """Press Share on the replay; returns the QR code's URL, or None when the screen said no link was made."""
    mirror.touch_replay(2, kept=True)  # Share (this visit said yes: Keep says "Kept ✓")

    def outcome():
        url = read_qr(mirror.grab())
        if url:
            return url
        return "no" if any(SHARE_FAILED in m for m in mirror.shown(since)) else None

    got = wait_until(outcome, "a QR code or the sentence saying no link was made", LOAD_SLACK_S)
    return None if got == "no" else got


def test_the_mirror_cable_pulled_and_plugged_back(mirror, lan, phone, store):
    assert wait_until(lambda: reachable(phone, mirror.lan_url), "the phone reaching the mirror", LOAD_SLACK_S)
    wait_until(lambda: "session_started" in store.kinds(), "the webhook hearing of the session", LOAD_SLACK_S)
    look_id = mirror.record()
    wait_until(lambda: look_id in mirror.api_look_ids(), "the look landing", 60)
    mirror.touch_replay(3)  # Keep
    mirror.answer(0)
    before = mirror.resources()
    delivered = len(store.deliveries())

    since = mirror.mark()
    lan.cable(False)
    try:
        mirror.wait_log(r"network addresses changed \(\['" + lan.mirror_ip.replace(".", r"\.") + r"'\] -> \[\]\)",
                        since, ANNOUNCE_POLL_S + LOAD_SLACK_S)
        assert not reachable(phone, mirror.lan_url)
        assert share(mirror, since) is None, "a QR code nobody on the LAN can open"
        assert "/" not in mirror.wait_shown(SHARE_FAILED, since)  # no address, no file: plain words
        mirror.wait_log(r"could not be shared: the mirror has no network address", since, LOAD_SLACK_S)
        mirror.touch_replay(0, kept=True)
        outage = mirror.record()  # the mirror records on; the webhook cannot hear of it yet
        wait_until(lambda: outage in mirror.api_look_ids(), "a look landing offline", 60)
        mirror.touch_replay(0, kept=True)
        mirror.live(timeout=LOAD_SLACK_S)
        assert "look_recorded" not in store.kinds()[delivered:]
    finally:
        lan.cable(True)

    back = mirror.mark()
    wait_until(lambda: reachable(phone, mirror.lan_url), "the phone reaching the mirror again", LOAD_SLACK_S)
    mirror.wait_log(r"announced .* on " + lan.mirror_ip.replace(".", r"\."), back, ANNOUNCE_POLL_S + LOAD_SLACK_S)
    wait_until(lambda: outage in [d["data"].get("look_id") for d in store.deliveries()[delivered:]],
               "the offline look reaching the webhook", MAX_BACKOFF_S + LOAD_SLACK_S)
    online = mirror.record()
    wait_until(lambda: online in mirror.api_look_ids(), "a look landing online again", 60)
    url = share(mirror, back)
    assert url and url.startswith(mirror.lan_url + "/s/"), url
    page = phone.get(url)
    assert page.status_code == 200 and "<video" in page.text
    assert phone.get(url + "/video", timeout=30).status_code == 200
    mirror.answer(0, count=1)  # Done: the share sheet closes
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=LOAD_SLACK_S)
    mirror.settles_to(before, timeout=30)
    # python-zeroconf logs a send on the dead interface once per socket, with its traceback
    assert not mirror.tracebacks(since, allow=("zeroconf",))


def waiting(mirror) -> int:
    """Webhook deliveries waiting, as /health tells store IT ("N deliveries waiting")."""
    return int(mirror.api("GET", "/api/v1/health").json()["checks"]["webhook"]["detail"].split()[0])


def test_the_webhook_service_down_then_back_gets_everything_in_order(mirror, store):
    wait_until(lambda: waiting(mirror) == 0, "the outbox empty", MAX_BACKOFF_S + LOAD_SLACK_S)
    before = mirror.resources()
    delivered = len(store.deliveries())
    store.server.stop()  # the store service is down: connections are refused
    since = mirror.mark()
    try:
        look_id = mirror.record()
        wait_until(lambda: look_id in mirror.api_look_ids(), "the look landing", 60)
        for kind in ("size", "associate"):
            assert mirror.api("POST", "/api/v1/assist", json={"kind": kind}).status_code == 201
        assert waiting(mirror) >= 3  # the look and two requests (and the recording's state changes)
        mirror.wait_log(r"webhook \S+ unreachable", since, LOAD_SLACK_S)
        assert len(store.deliveries()) == delivered
    finally:
        store.server.start()
    wait_until(lambda: "assist_requested" in store.kinds()[delivered:] and
               store.kinds()[delivered:].count("assist_requested") == 2, "every waiting event delivered",
               MAX_BACKOFF_S + LOAD_SLACK_S)
    new = store.deliveries()[delivered:]
    kinds = [item["kind"] for item in new]
    assert kinds.index("look_recorded") < kinds.index("assist_requested"), kinds
    assert [item["data"]["request"]["kind"] for item in new if item["kind"] == "assist_requested"] == ["size", "associate"]
    assert [item["at"] for item in new] == sorted(item["at"] for item in new), "delivered out of order"
    wait_until(lambda: waiting(mirror) == 0, "health saying nothing waits", LOAD_SLACK_S)
    mirror.touch_replay(0, kept=True)
    mirror.live(timeout=LOAD_SLACK_S)
    mirror.settles_to(before, timeout=30)
    assert not mirror.tracebacks(since)
