"""The console under an associate's finger and eyes (real headless Chromium, a real mirror API): every
control big enough to tap on a tablet or a phone, pills and buttons readable, the sign-in on a phone,
and on a phone the header on one line and nothing wider than the screen, dialogs included."""

from __future__ import annotations

import re

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN
from .test_console import SHOWN
from .test_console_attention import sign_in

pytestmark = pytest.mark.slow

API = "/api/v1"
TAP_PX = 44  # the smallest target a finger hits reliably (WCAG 2.5.5, Apple's and Google's guides)

#: Visible controls smaller than TAP_PX either way: [what, its words, width, height]. A checkbox counts by its label;
#: a label above a text field or a slider only focuses it, and the field (counted itself) is the target.
SMALL_TARGETS = f"""[...document.querySelectorAll('button, a, label, input:not([type=checkbox]), textarea')]
  .filter(n => n.getClientRects().length && !n.closest('dialog:not([open])'))
  .filter(n => !(n.tagName === 'LABEL' && n.control && n.control.type !== 'checkbox'))
  .map(n => {{ const r = n.getBoundingClientRect();
               return [n.id || n.className || n.tagName, n.textContent.trim().slice(0, 30), Math.round(r.width), Math.round(r.height)]; }})
  .filter(([, , w, h]) => w < {TAP_PX} || h < {TAP_PX})"""

#: Text on its own coloured ground (pills, badges, buttons, banners) with a contrast under 4.5:1: [what, ratio].
LOW_CONTRAST = """(() => {
  const rgba = (s) => s.match(/[\\d.]+/g).map(Number);
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return [...document.querySelectorAll('#live, .waiting, .badge, button, .banner')]
    .filter(n => n.getClientRects().length && n.textContent.trim())
    .map(n => { const s = getComputedStyle(n), bg = rgba(s.backgroundColor), fg = rgba(s.color);
                if (bg.length === 4 && bg[3] < 1) return null;  // no ground of its own
                const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
                return [n.id || n.className, n.textContent.trim().slice(0, 20), Math.round((a + 0.05) / (b + 0.05) * 100) / 100]; })
    .filter(x => x && x[2] < 4.5);
})()"""


@pytest.mark.parametrize("width, height", [(1024, 768), (390, 844)])
def test_every_control_is_big_enough_to_tap_and_readable(server, chromium, width, height):
    note = httpx.post(f"{server.url}{API}/looks/{server.looks.consented}/notes", headers=server.auth,
                      json={"product": "Linen shirt, navy, M", "text": "wants it in navy"}).json()
    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "size", "detail": "one smaller"}).json()
    try:
        sign_in(chromium, server.url, width, height)
        chromium.wait(f"!!document.querySelector('#looks [data-note=\"{note['id']}\"] button')"
                      f" && !!document.querySelector('#queue li.open[data-id=\"{req['id']}\"]')"
                      " && document.getElementById('live').textContent === 'live'", timeout=10)
        assert chromium.js(SMALL_TARGETS) == []
        assert chromium.js(LOW_CONTRAST) == []
        if width > 600:  # a phone shows fewer words (test_on_a_phone_the_header_is_one_line_and_keeps_what_matters)
            assert re.fullmatch(r"\d+ waiting for help", chromium.js("document.getElementById('waiting').innerText"))
        chromium.js("document.querySelector('#looks button.add-note').click()")
        chromium.wait("document.getElementById('note-dialog').open")
        assert chromium.js(SMALL_TARGETS) == []
        chromium.js("document.getElementById('note-dialog').close()")
    finally:
        httpx.delete(f"{server.url}{API}/looks/{server.looks.consented}/notes/{note['id']}", headers=server.auth)
        httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "test"})


def test_the_sign_in_fits_a_phone(server, chromium):
    chromium.phone()
    chromium.open(server.url + "/console")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    assert chromium.js("document.documentElement.scrollWidth") <= 390, "the page is wider than the phone"
    assert chromium.js("document.getElementById('sign-in').getBoundingClientRect().right") <= 390
    assert chromium.js(SMALL_TARGETS) == []


PHONES = [(360, 740), (390, 844)]  # CSS px, portrait: a small Android phone and an iPhone 14

#: Visible elements that reach past the screen's left or right edge: [what, left, right]; and open dialogs
#: that scroll sideways or run past the screen's top or bottom: [what, scroll width, width, top, bottom].
SIDEWAYS = """[...document.querySelectorAll('body *')]
  .filter(n => n.getClientRects().length && !n.closest('dialog:not([open])'))
  .map(n => { const r = n.getBoundingClientRect(); return [n.id || n.className || n.tagName, Math.round(r.left), Math.round(r.right)]; })
  .filter(([, l, r]) => l < 0 || r > innerWidth)
  .concat([...document.querySelectorAll('dialog[open]')]
    .map(d => { const r = d.getBoundingClientRect(); return [d.id, d.scrollWidth, d.clientWidth, Math.round(r.top), Math.round(r.bottom)]; })
    .filter(([, sw, w, t, b]) => sw > w || t < 0 || b > innerHeight))"""

#: The header's own row, its banners left out: [what, top, bottom, left, right] of each item shown.
HEADER_ROW = """[...document.querySelectorAll('header > :not(.banner)')].filter(n => n.getClientRects().length)
  .map(n => { const r = n.getBoundingClientRect(); return [n.id || n.tagName, r.top, r.bottom, r.left, r.right]; })"""


def sign_in_on_phone(browser, url: str, width: int, height: int) -> None:
    browser.phone(width, height)
    browser.open(url + "/console")
    browser.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
    browser.wait(f"{SHOWN}('console-view')")


@pytest.mark.parametrize("width, height", PHONES)
def test_on_a_phone_the_header_is_one_line_and_keeps_what_matters(server, chromium, width, height):
    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "size", "detail": "one larger"}).json()
    try:
        sign_in_on_phone(chromium, server.url, width, height)
        chromium.wait(f"!!document.querySelector('#queue li.open[data-id=\"{req['id']}\"]') && {SHOWN}('waiting')"
                      " && document.getElementById('live').textContent === 'live'", timeout=10)
        row = chromium.js(HEADER_ROW)
        assert [what for what, *_ in row] == ["H1", "waiting", "live", "sign-out"]
        tops, bottoms = [top for _, top, *_ in row], [bottom for _, _, bottom, *_ in row]
        assert max(tops) < min(bottoms), f"the header wraps on a {width} px phone: {row}"
        assert all(0 <= left and right <= width for *_, left, right in row), row
        assert chromium.js("document.querySelector('header').getBoundingClientRect().height") <= TAP_PX + 24
        assert chromium.js("(h => h.scrollWidth <= h.clientWidth)(document.querySelector('header h1'))"), f"the title is cut: {row}"
        # fewer words on screen, all of them for a screen reader
        assert chromium.accessible_name("#waiting").endswith(" waiting for help")
        assert chromium.accessible_name("#sign-out") == "Sign out"
        assert chromium.js(SMALL_TARGETS) == []
        assert chromium.js(SIDEWAYS) == []
    finally:
        httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "test"})


@pytest.mark.parametrize("width, height", PHONES)
def test_on_a_phone_nothing_is_wider_than_the_screen_and_every_dialog_fits(server, chromium, width, height):
    note = httpx.post(f"{server.url}{API}/looks/{server.looks.consented}/notes", headers=server.auth,
                      json={"product": "Linen shirt, navy, M · SKU 40213", "text": "wants it in navy"}).json()
    try:
        sign_in_on_phone(chromium, server.url, width, height)
        look = f"document.querySelector('#looks li[data-id=\"{server.looks.consented}\"]')"
        chromium.wait(f"!!{look} && !!{look}.querySelector('[data-note=\"{note['id']}\"]')", timeout=10)
        assert chromium.js("document.documentElement.scrollWidth") <= width
        assert chromium.js(SIDEWAYS) == []
        for opener, dialog, ready in [
            ("button.add-note", "note-dialog", "true"),
            ("button.share", "qr-dialog", "document.getElementById('qr-image').naturalWidth > 0"),
            ("button.play", "video-dialog", "document.getElementById('video-player').readyState >= 1"),
        ]:
            chromium.js(f"{look}.querySelector('{opener}').click()")
            chromium.wait(f"document.getElementById('{dialog}').open && {ready}", timeout=15)
            assert chromium.js(SIDEWAYS) == [], dialog
            assert chromium.js(SMALL_TARGETS) == [], dialog  # the share dialog's link too
            chromium.js(f"document.getElementById('{dialog}').close()")
    finally:
        httpx.delete(f"{server.url}{API}/looks/{server.looks.consented}/notes/{note['id']}", headers=server.auth)
