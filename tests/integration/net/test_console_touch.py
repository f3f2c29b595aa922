"""The console under an associate's finger and eyes (real headless Chromium, a real mirror API): every
control big enough to tap on a tablet or a phone, pills and buttons readable, the sign-in on a phone."""

from __future__ import annotations

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .test_console import SHOWN
from .test_console_attention import sign_in

pytestmark = pytest.mark.slow

API = "/api/v1"
TAP_PX = 44  # the smallest target a finger hits reliably (WCAG 2.5.5, Apple's and Google's guides)

#: Visible controls smaller than TAP_PX either way: [what, its words, width, height]. A checkbox counts by its label.
SMALL_TARGETS = f"""[...document.querySelectorAll('button, a.waiting, label.compare-label, input:not([type=checkbox]), textarea')]
  .filter(n => n.getClientRects().length && !n.closest('dialog:not([open])'))
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
