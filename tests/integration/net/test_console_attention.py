"""What reaches an associate who is busy elsewhere on the console (real headless Chromium, a real mirror API):
a new help request while they have scrolled down the looks, and a keyboard or screen-reader user
whose place on the page must survive the refresh every few seconds."""

from __future__ import annotations

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN
from .test_console import SHOWN

pytestmark = pytest.mark.slow

API = "/api/v1"


def sign_in(browser, url: str, width: int = 768, height: int = 1024) -> None:
    browser.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height, deviceScaleFactor=1,
                 mobile=False)
    browser.open(url + "/console")
    browser.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
    browser.wait(f"{SHOWN}('console-view')")


def test_a_new_request_is_seen_and_heard_while_the_associate_is_scrolled_down(server, chromium):
    sign_in(chromium, server.url)
    chromium.wait("document.querySelectorAll('#looks li.look').length > 0", timeout=10)
    before = chromium.js("document.querySelectorAll('#queue li.open').length")  # other mirrors on the LAN may wait too
    assert chromium.js(f"{SHOWN}('waiting')") == (before > 0)
    # a long day of looks: the associate is far down the page, the help requests scrolled away
    chromium.js("document.getElementById('console-view').style.paddingBottom = '4000px'; window.scrollTo(0, 3000)")
    chromium.wait("window.scrollY > 2000 && document.getElementById('queue').getBoundingClientRect().bottom < 0")

    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "size", "detail": "one size smaller"}).json()
    try:
        chromium.wait(f"!!document.querySelector('#queue li.open[data-id=\"{req['id']}\"]')", timeout=10)
        header = chromium.js("(r => [r.top, r.bottom])(document.querySelector('header').getBoundingClientRect())")
        assert header[0] == 0 and header[1] > 0, "the header stays in sight"
        waiting = chromium.js("document.querySelectorAll('#queue li.open').length")
        assert waiting >= 1
        shown = chromium.js(f"{SHOWN}('waiting') && document.getElementById('waiting').textContent")
        assert shown == ("1 waiting for help" if waiting == 1 else f"{waiting} waiting for help")
        assert chromium.js("document.title").startswith(f"({waiting}) Maison Test")
        said = chromium.js("(a => [a.getAttribute('aria-live'), a.textContent])(document.getElementById('announce'))")
        assert said[0] == "polite" and "New help request: Room 7, Another size, please: one size smaller." in said[1]
        chromium.js("document.getElementById('waiting').click()")  # takes the associate to the requests
        chromium.wait("(r => r.top >= 0 && r.top < innerHeight)(document.getElementById('queue').getBoundingClientRect())")
    finally:
        httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "test"})
    chromium.wait(f"!document.querySelector('#queue li.open[data-id=\"{req['id']}\"]')", timeout=10)
    left = chromium.js("document.querySelectorAll('#queue li.open').length")
    assert chromium.js(f"{SHOWN}('waiting')") == (left > 0) and chromium.js("document.title.startsWith('(')") == (left > 0)


FOCUSED = ("(e => [e.tagName, e.textContent, e.closest('li[data-id]') && e.closest('li[data-id]').dataset.id])"
           "(document.activeElement)")


def redrawn(browser, selector: str) -> None:
    """Wait for the next refresh to draw ``selector``'s element anew (the one there now leaves the page)."""
    browser.js(f"window.__before = document.querySelector({selector!r})")
    browser.wait("window.__before && !window.__before.isConnected", timeout=10)


def press_escape(browser) -> None:
    for kind in ("keyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", session=True, type=kind, key="Escape", code="Escape", windowsVirtualKeyCode=27)


def test_the_keyboard_keeps_its_place_through_refreshes_and_dialogs(server, chromium):
    sign_in(chromium, server.url, 1024, 768)
    look = server.looks.consented
    item = f"#looks li.look[data-id=\"{look}\"]"
    chromium.wait(f"!!document.querySelector({item!r})", timeout=10)
    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "associate"}).json()
    try:
        ack = f"#queue li[data-id=\"{req['id']}\"] button"
        chromium.wait(f"!!document.querySelector({ack!r})", timeout=10)
        chromium.js(f"document.querySelector({ack!r}).focus()")
        redrawn(chromium, ack)
        assert chromium.js(FOCUSED) == ["BUTTON", "On my way", req["id"]]

        chromium.js(f"document.querySelector('{item} button.share').focus()")
        redrawn(chromium, item)
        assert chromium.js(FOCUSED) == ["BUTTON", "Share to customer", look]

        # the note dialog, opened from the keyboard, closed with Escape after the list was drawn anew
        chromium.js(f"document.querySelector('{item} button.add-note').focus();"
                    f"document.querySelector('{item} button.add-note').click()")
        chromium.wait("document.getElementById('note-dialog').open")
        redrawn(chromium, item)
        press_escape(chromium)
        chromium.wait("!document.getElementById('note-dialog').open")
        chromium.wait(f"{FOCUSED}[0] === 'BUTTON'", timeout=5)
        assert chromium.js(FOCUSED) == ["BUTTON", "Add note or product", look]
    finally:
        httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "test"})
