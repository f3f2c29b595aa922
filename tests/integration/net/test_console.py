"""The associate console in real headless Chromium, over two real ``kiosk serve`` mirrors on loopback.

Both mirrors announce themselves by zeroconf on 127.0.0.1 only; the console of the first finds
the second, shows both rooms with their live state, gathers the help requests of both, lets the
associate acknowledge one on the other mirror, and shares a consented look as a QR code.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN, TOKEN, copy_library, spawn_serve, write_store_secret

pytestmark = pytest.mark.slow

API = "/api/v1"


def _serve(tmp: Path, library: Path, name: str, room: str) -> tuple[subprocess.Popen, str]:
    config = tmp / f"{room}.toml"
    secret = write_store_secret(tmp / "store-secret")  # provisioning copies one file to every mirror
    config.write_text(
        f'[api]\nname = "{name}"\nroom = "{room}"\nstore = "Maison Test"\ntoken = "{TOKEN}"\npin = "{PIN}"\n'
        f'bind = "127.0.0.1"\ntxt_interval_s = 0.5\n[identity]\nsecret_file = "{secret}"\n'
    )
    proc, port = spawn_serve(config, library)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture
def two_mirrors(recorded_library, tmp_path):
    procs = []
    try:
        lib_a = copy_library(recorded_library, tmp_path / "lib-a")
        proc_a, url_a = _serve(tmp_path, lib_a.root, "Mirror Left", "1")
        procs.append(proc_a)
        proc_b, url_b = _serve(tmp_path, tmp_path / "lib-b", "Mirror Right", "2")
        procs.append(proc_b)
        yield url_a, url_b, lib_a
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            try:
                assert proc.wait(15) == 0
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
                raise


#: Whether the page lays an element out at all (a hidden one has no boxes), whatever its attribute says.
SHOWN = "(id => document.getElementById(id).getClientRects().length > 0)"
MIRRORS = "[...document.querySelectorAll('#mirrors .mirror')].map(m => [m.dataset.name, m.innerText])"


def test_console_sees_both_mirrors_the_store_queue_and_shares(two_mirrors, chromium):
    url_a, url_b, lib_a = two_mirrors
    auth = {"Authorization": f"Bearer {TOKEN}"}
    chromium.open(url_a + "/console")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    assert chromium.js(f"[{SHOWN}('console-view'), {SHOWN}('sign-out')]") == [False, False]  # laid out, not only flagged

    chromium.js("document.getElementById('secret').value = '000000'; document.getElementById('sign-in').requestSubmit()")
    chromium.wait("document.getElementById('sign-in-error').textContent.includes('not right')")
    chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
    chromium.wait(f"{SHOWN}('console-view')")
    assert chromium.js(f"[{SHOWN}('sign-in-view'), {SHOWN}('sign-out')]") == [False, True]

    mirrors = chromium.wait(f"(() => {{ const m = {MIRRORS}; return m.length === 2 ? m : null; }})()", timeout=20)
    names = {name: text for name, text in mirrors}
    assert set(names) == {"Mirror Left", "Mirror Right"}
    assert "Room 1" in names["Mirror Left"] and "this mirror" in names["Mirror Left"]
    assert "Room 2" in names["Mirror Right"] and "free" in names["Mirror Right"]
    chromium.wait("document.getElementById('live').textContent === 'live'")

    # a shopper on the other mirror asks for another size: it shows up in this console
    req = httpx.post(url_b + f"{API}/assist", headers=auth, json={"kind": "size", "detail": "jeans 32/34"}).json()
    item = f"document.querySelector('#queue li[data-id=\"{req['id']}\"]')"
    text = chromium.wait(f"{item} && {item}.innerText", timeout=10)
    assert "Room 2" in text and "Another size" in text and "jeans 32/34" in text
    assert chromium.js(f"{item}.querySelector('.detail').textContent") == "jeans 32/34"  # its own line, not the hint's
    chromium.js(f"{item}.querySelector('button').click()")
    chromium.wait(f"{item} && {item}.classList.contains('done')", timeout=10)
    acked = [r for r in httpx.get(url_b + f"{API}/assist", headers=auth).json()["requests"] if r["id"] == req["id"]]
    assert acked and acked[0]["open"] is False

    # a local request arrives through the live event stream
    local = httpx.post(url_a + f"{API}/assist", headers=auth, json={"kind": "associate"}).json()
    chromium.wait(f"!!document.querySelector('#queue li.open[data-id=\"{local['id']}\"]')", timeout=5)

    # the consented look of this visit can be shared as a QR code
    look = f"document.querySelector('#looks li[data-id=\"{lib_a.consented}\"]')"
    chromium.wait(f"!!{look}", timeout=10)
    assert chromium.js(f"document.querySelector('#looks li[data-id=\"{lib_a.private}\"]')") is None
    chromium.wait(f"{look}.querySelector('img').naturalWidth > 0", timeout=10)  # poster through the API
    chromium.js(f"{look}.querySelector('button.share').click()")
    chromium.wait("document.getElementById('qr-dialog').open && document.getElementById('qr-image').naturalWidth > 0")
    link = chromium.js("document.getElementById('qr-link').href")
    assert link.startswith(url_a + "/s/")
    assert chromium.js("document.getElementById('qr-title').textContent") == "Scan to take the look home"
    page = httpx.get(link)
    assert page.status_code == 200 and "<video" in page.text


def test_console_follows_another_mirrors_live_state(recorded_library, tmp_path, chromium):
    """session → idle → session → idle on the other mirror, each shown within seconds (issue 11, item 6)."""
    from kiosk.events import SessionStateChanged

    from .conftest import server_config, start_server, stop_server

    proc, url = _serve(tmp_path, tmp_path / "lib-a", "Mirror Left", "1")
    other = start_server(
        copy_library(recorded_library, tmp_path / "lib-b"),
        server_config(announce=True, name="Mirror Middle", room="5", txt_interval_s=0.5),
    )
    try:
        chromium.open(url + "/console")
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        card = "document.querySelector('#mirrors .mirror[data-name=\"Mirror Middle\"]')"
        chromium.wait(f"{card} && {card}.dataset.state === 'idle'", timeout=20)
        for n in range(2):
            other.bus.emit(SessionStateChanged(state="session", session_id=f"s-{n}"))  # a shopper steps in
            chromium.wait(f"{card}.dataset.state === 'session' && {card}.innerText.includes('in use')", timeout=10)
            other.bus.emit(SessionStateChanged(state="idle", session_id=None))  # and leaves
            chromium.wait(f"{card}.dataset.state === 'idle' && {card}.innerText.includes('free')", timeout=10)
    finally:
        stop_server(other)
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
