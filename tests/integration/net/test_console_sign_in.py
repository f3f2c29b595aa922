"""What an associate reads at the console's sign-in when PIN sign-in is paused (real headless Chromium,
a real mirror API): the pause is the whole store's, its length is in words, and what still works is said."""

from __future__ import annotations

import re

import pytest

from kiosk.net.throttle import MAX_FAILURES_DAY

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN, TOKEN, copy_library, server_config, start_server, stop_server
from .test_console import SHOWN
from .test_console_notes import screenshot

pytestmark = pytest.mark.slow

ERROR = "document.getElementById('sign-in-error').textContent"


def submit(browser, secret: str) -> str:
    browser.js(f"document.getElementById('sign-in-error').textContent = '';"
               f"document.getElementById('secret').value = '{secret}';"
               "document.getElementById('sign-in').requestSubmit()")
    return browser.wait(f"{ERROR} || ({SHOWN}('console-view') && 'signed in')")


def test_a_store_wide_pause_says_for_how_long_in_words_and_what_still_works(recorded_library, tmp_path, chromium):
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        # another mirror of the store reports the day's limit of wrong PINs, and that it paused
        srv.service.ctx.auth.peer_wrong_pins("mirror-right", MAX_FAILURES_DAY, True)
        chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=820, height=1180, deviceScaleFactor=1,
                      mobile=False)
        chromium.open(srv.url + "/console")
        chromium.wait(f"{SHOWN}('sign-in-view')")
        said = submit(chromium, PIN)  # the right PIN: refused all the same during the pause
        (tmp_path / "console-sign-in-paused.png").write_bytes(screenshot(chromium))
        assert "whole store" in said and "on this mirror" not in said, said  # another mirror will not help
        assert "24 h" in said and not re.search(r"\d{3,} s\b", said), said  # not "86400 s"
        assert "signed in keep working" in said and "store token" in said, said
        assert submit(chromium, TOKEN) == "signed in"  # as it says: the store token still signs in
    finally:
        stop_server(srv)


#: A sentence as the sign-in screen's other messages are: a capital first, a full stop last.
SENTENCE = re.compile(r"^[A-Z][^\n]*\.$")


def test_a_wrong_pin_and_then_too_many_are_said_in_sentences(recorded_library, tmp_path, chromium):
    from kiosk.net.throttle import MAX_FAILURES

    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        chromium.open(srv.url + "/console")
        chromium.wait(f"{SHOWN}('sign-in-view')")
        wrong = [submit(chromium, "000000") for _ in range(MAX_FAILURES)]
        assert wrong == ["That PIN or store token is not right. Check it, then try again."] * MAX_FAILURES, wrong
        refused = submit(chromium, "000000")  # this address used up its tries
        assert refused.startswith("Too many failed sign-ins; try again in "), refused
        assert chromium.js("document.getElementById('secret').value") == "000000"  # a wait, not a wrong PIN: kept
        assert [s for s in [*wrong, refused] if not SENTENCE.match(s)] == []
    finally:
        stop_server(srv)


def test_an_expired_sign_in_says_so_on_the_sign_in_screen(recorded_library, tmp_path, chromium, monkeypatch):
    import kiosk.net.auth

    monkeypatch.setattr(kiosk.net.auth, "SESSION_S", 4)  # a day's shift in four seconds
    srv = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        chromium.open(srv.url + "/console")
        chromium.wait(f"{SHOWN}('sign-in-view')")
        assert submit(chromium, PIN) == "signed in"
        said = chromium.wait(f"{SHOWN}('sign-in-view') && {ERROR}", timeout=15)  # the next refresh finds it over
        assert said == "Your sign-in expired after 4 seconds; sign in again.", said
        assert not chromium.js(f"{SHOWN}('console-view')")
        (tmp_path / "console-sign-in-expired.png").write_bytes(screenshot(chromium))
        # signed in again for an hour, the same words do not come back for a sign-in the mirror ends early
        monkeypatch.setattr(kiosk.net.auth, "SESSION_S", 3600)
        assert submit(chromium, PIN) == "signed in"
        session = chromium.js("sessionStorage.getItem('smartmirror.console.token')")
        srv.service.ctx.auth.sign_out(f"Bearer {session}")  # as a restart does: the mirror forgets the sign-in
        said = chromium.wait(f"{SHOWN}('sign-in-view') && {ERROR}", timeout=15)
        assert said == "The mirror ended this sign-in early (it may have restarted); sign in again.", said
    finally:
        stop_server(srv)


def test_a_wrong_pin_is_emptied_for_the_next_try(server, chromium):
    chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=820, height=1180, deviceScaleFactor=1,
                  mobile=False)
    chromium.open(server.url + "/console")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    assert submit(chromium, "000000") == "That PIN or store token is not right. Check it, then try again."
    # six dots nobody can read: gone, and the field ready for the PIN, not six taps of the delete key first
    assert chromium.js("[document.getElementById('secret').value, document.activeElement.id]") == ["", "secret"]
    chromium.send("Input.insertText", session=True, text=PIN)
    chromium.js("document.getElementById('sign-in').requestSubmit()")
    chromium.wait(f"{SHOWN}('console-view')", timeout=10)


SIGNED_OUT = "document.getElementById('signed-out')"


def test_signing_out_says_so_on_the_sign_in_screen(server, chromium, tmp_path):
    """An associate who tapped Sign out, by mistake or not, found the PIN field without a word on what happened.
    The sign-in screen now says it, plainly (not the red error: nothing went wrong), and only until the next try."""
    chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=820, height=1180, deviceScaleFactor=1,
                  mobile=False)
    chromium.open(server.url + "/console")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    assert not chromium.js(f"{SHOWN}('signed-out')"), "nothing to say before anyone signed out"
    assert submit(chromium, PIN) == "signed in"
    chromium.js("document.getElementById('sign-out').click()")
    said = chromium.wait(f"{SHOWN}('sign-in-view') && {SIGNED_OUT}.textContent", timeout=10)
    assert said == "Signed out. Sign in again to go back to the console.", said
    assert chromium.js(f"{SHOWN}('signed-out')") and chromium.js(f"{SIGNED_OUT}.getAttribute('role')") == "status"
    assert chromium.js(ERROR) == "", "a sign-out on purpose is no error"
    # read before the PIN field: the first thing on the sign-in card
    assert chromium.js("document.getElementById('sign-in').firstElementChild.id") == "signed-out"
    (tmp_path / "console-signed-out.png").write_bytes(screenshot(chromium))
    # the next try starts afresh: a wrong PIN says only that
    assert submit(chromium, "000000") == "That PIN or store token is not right. Check it, then try again."
    assert chromium.js(f"{SIGNED_OUT}.textContent") == "" and not chromium.js(f"{SHOWN}('signed-out')")


def test_the_pin_field_takes_the_pin_and_the_token_as_typed(server, chromium):
    """One field for the PIN and the store token: the tablet's keyboard must not capitalise the token's first letter,
    nor spell-check or correct either one (neither is a word), and must keep its letters (no number pad only)."""
    chromium.phone(820, 1180)
    chromium.open(server.url + "/console")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    hints = chromium.js("(f => ({autocomplete: f.autocomplete, inputMode: f.inputMode, autocapitalize: f.autocapitalize,"
                        " autocorrect: f.getAttribute('autocorrect'), spellcheck: f.spellcheck, type: f.type}))"
                        "(document.getElementById('secret'))")
    assert hints == {"autocomplete": "current-password", "inputMode": "text", "autocapitalize": "none",
                     "autocorrect": "off", "spellcheck": False, "type": "password"}, hints
    assert any(c.isalpha() for c in TOKEN)  # so a number pad could not type it
    chromium.js("document.getElementById('secret').focus()")
    chromium.send("Input.insertText", session=True, text=TOKEN)
    assert chromium.js("document.getElementById('secret').value") == TOKEN
    chromium.js("document.getElementById('sign-in').requestSubmit()")
    chromium.wait(f"{SHOWN}('console-view')", timeout=10)
