"""Sharing one look from the console (real headless Chromium, a real mirror API): while the mirror makes its
link, the look's Share button is greyed, so that a double tap or a slow mirror makes one link, not two."""

from __future__ import annotations

import threading

import pytest
from fastapi import HTTPException

from .chromium import chromium  # noqa: F401 - fixture
from .test_console import SHOWN
from .test_console_attention import FOCUSED, press_escape, redrawn, sign_in

pytestmark = pytest.mark.slow

REFUSED = "the look is being deleted"


def hold_shares(monkeypatch, refuse: str = "") -> tuple[threading.Event, threading.Event]:
    """A look's share request waits, once in the route and before any link is made, until released; then it
    makes the link, or is refused with ``refuse``: (started, release)."""
    import kiosk.net.api_looks as api_looks

    started, release = threading.Event(), threading.Event()
    real = api_looks.share_base

    def held(*args, **kwargs):
        started.set()
        release.wait(30)
        if refuse:
            raise HTTPException(409, refuse)
        return real(*args, **kwargs)

    monkeypatch.setattr(api_looks, "share_base", held)
    return started, release


@pytest.mark.parametrize("answer", ["link", "refused"])
def test_share_is_greyed_while_its_link_is_made_so_a_second_tap_makes_none(server, chromium, monkeypatch, answer):
    look = server.looks.consented
    links = server.service.ctx.shares.active_count
    before = links(look)
    sign_in(chromium, server.url, 820, 1180)
    item = f"#looks li.look[data-id=\"{look}\"]"
    button = f"document.querySelector('{item} button.share')"
    chromium.wait(f"!!{button}", timeout=10)
    started, release = hold_shares(monkeypatch, REFUSED if answer == "refused" else "")
    try:
        chromium.js(f"{button}.focus(); {button}.click()")
        assert started.wait(10), "the share request never reached the mirror"
        shown = f"[{button}.disabled, {button}.textContent]"
        assert chromium.js(shown) == [True, "Making the link…"]
        chromium.js(f"{button}.click()")  # the double tap
        redrawn(chromium, item)  # the list drawn anew while the mirror still makes the link: still greyed
        assert chromium.js(shown) == [True, "Making the link…"]
        chromium.js(f"{button}.click()")  # a tap much later, the mirror slow to answer
    finally:
        release.set()
    chromium.wait(f"!{button}.disabled", timeout=10)
    assert chromium.js(f"{button}.textContent") == "Share to customer"
    if answer == "link":
        chromium.wait("document.getElementById('qr-dialog').open", timeout=10)
        assert links(look) == before + 1
        press_escape(chromium)  # the keyboard goes back to the Share button it came from
        chromium.wait("!document.getElementById('qr-dialog').open")
        chromium.wait(f"{FOCUSED}[0] === 'BUTTON'", timeout=5)
        assert chromium.js(FOCUSED) == ["BUTTON", "Share to customer", look]
    else:
        said = chromium.wait("!document.getElementById('notice').hidden && document.getElementById('notice-text').textContent")
        assert said == f"Could not share: {REFUSED}"
        assert links(look) == before
        assert not chromium.js("document.getElementById('qr-dialog').open")


def test_a_share_that_finds_the_sign_in_ended_leaves_only_the_sign_in_screen_s_words(server, chromium):
    """The mirror ended the sign-in (a restart) and the associate taps Share before the next refresh finds
    out: the sign-in screen says why in its own words, with no "Could not share: signed out" over it, as
    "Share as one video" does (compare-share.js)."""
    look = server.looks.consented
    links = server.service.ctx.shares.active_count
    before = links(look)
    sign_in(chromium, server.url, 820, 1180)
    item = f"#looks li.look[data-id=\"{look}\"]"
    redrawn(chromium, item)  # just refreshed: the next refresh is seconds away, Share's request comes first
    session = chromium.js("sessionStorage.getItem('smartmirror.console.token')")
    server.service.ctx.auth.sign_out(f"Bearer {session}")  # as a restart does: the mirror forgets the sign-in
    chromium.js(f"document.querySelector('{item} button.share').click()")
    said = chromium.wait(f"{SHOWN}('sign-in-view') && document.getElementById('sign-in-error').textContent", timeout=10)
    assert said == "The mirror ended this sign-in early (it may have restarted); sign in again.", said
    assert not chromium.js(f"{SHOWN}('notice')"), chromium.js("document.getElementById('notice-text').textContent")
    assert links(look) == before


def test_a_share_answered_after_the_sign_out_shows_no_code_on_the_tablet(server, chromium, monkeypatch):
    """The associate taps Share and, the mirror slow to make the link, signs out: the answer that comes
    after (the request passed its sign-in check before the sign-out) must not open the shopper's QR
    code over the sign-in screen of a shared tablet, nor say anything there."""
    look = server.looks.consented
    links = server.service.ctx.shares.active_count
    before = links(look)
    sign_in(chromium, server.url, 820, 1180)
    item = f"#looks li.look[data-id=\"{look}\"]"
    chromium.wait(f"!!document.querySelector('{item} button.share')", timeout=10)
    started, release = hold_shares(monkeypatch)
    try:
        chromium.js(f"document.querySelector('{item} button.share').click()")
        assert started.wait(10), "the share request never reached the mirror"
        chromium.js("document.getElementById('sign-out').click()")
        chromium.wait(f"{SHOWN}('sign-in-view')", timeout=10)
    finally:
        release.set()
    # The mirror made the link and the page got its answer (the request's timing entry is written once
    # its body is in), then a moment for the page to act on it.
    answered = "performance.getEntriesByType('resource').some((e) => e.name.endsWith('/share') && e.responseEnd > 0)"
    chromium.wait(answered, timeout=10)
    assert links(look) == before + 1
    chromium.js("window.__answered = Date.now()")
    chromium.wait("Date.now() - window.__answered > 500", timeout=5)
    assert not chromium.js("document.getElementById('qr-dialog').open"), "a shopper's code opened after the sign-out"
    assert chromium.js("document.getElementById('qr-link').textContent") == ""
    assert not chromium.js(f"{SHOWN}('notice')"), chromium.js("document.getElementById('notice-text').textContent")
