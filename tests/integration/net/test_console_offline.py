"""The console when something goes away (real headless Chromium, real ``kiosk serve`` mirrors on loopback).

Another mirror that crashes keeps its card and its open help requests, marked as not answering
since when (never an address or an exception's name); the mirror that served the console going
away puts a banner over lists that are no longer current.
"""

from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN, TOKEN, copy_library, server_config, start_server, stop_server
from .test_console import SHOWN, _serve
from .test_console_notes import screenshot

pytestmark = pytest.mark.slow

API = "/api/v1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: A look's Share while the connection is lost: greyed, saying why as "Share as one video" does (compare-share.js).
SHARE_OFFLINE = "Share works again once the connection is back"


def sign_in(browser, url: str) -> None:
    browser.open(url + "/console")
    browser.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
    browser.wait(f"{SHOWN}('console-view')")


def test_a_crashed_mirror_keeps_its_open_request_marked_as_not_answering(recorded_library, tmp_path, chromium):
    proc_a, url_a = _serve(tmp_path, copy_library(recorded_library, tmp_path / "lib-a").root, "Mirror Left", "1")
    proc_b, url_b = _serve(tmp_path, tmp_path / "lib-b", "Mirror Right", "2")
    try:
        chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=1024, height=768, deviceScaleFactor=1,
                      mobile=False)
        sign_in(chromium, url_a)
        card = "document.querySelector('#mirrors .mirror[data-name=\"Mirror Right\"]')"
        chromium.wait(f"!!{card}", timeout=20)
        req = httpx.post(url_b + f"{API}/assist", headers=AUTH, json={"kind": "size", "detail": "jeans 32/34"}).json()
        item = f"document.querySelector('#queue li[data-id=\"{req['id']}\"]')"
        chromium.wait(f"{item} && !{item}.querySelector('button').disabled", timeout=10)

        proc_b.send_signal(signal.SIGKILL)  # a crash: no goodbye on the network
        proc_b.wait(10)
        chromium.wait(f"{card} && {card}.classList.contains('lost')", timeout=15)
        text = chromium.js(f"{card}.innerText")
        assert "Room 2" in text and "Not answering since" in text and "may be out of date" in text, text
        assert chromium.js(f"{item} && {item}.classList.contains('open')"), "the shopper is still waiting"
        button = chromium.js(f"[{item}.querySelector('button').disabled, {item}.querySelector('button').textContent]")
        assert button == [True, "Can't confirm until the Room 2 mirror answers"]
        assert "jeans 32/34" in chromium.js(f"{item}.innerText")
        assert not chromium.js(f"{SHOWN}('queue-empty')"), "nobody waiting is not what the associate must read"
        shown = chromium.js(f"{card}.innerText + {card}.title + {item}.innerText")
        assert "Error" not in shown and "127.0.0.1" not in shown and "Device at" not in shown, shown
        (tmp_path / "console-mirror-lost.png").write_bytes(screenshot(chromium))
    finally:
        if proc_b.poll() is None:
            proc_b.kill()
            proc_b.wait(5)
        proc_a.send_signal(signal.SIGTERM)
        proc_a.wait(15)


def test_when_the_mirror_goes_away_the_console_says_so_in_plain_words(recorded_library, tmp_path, chromium):
    server = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    stopped = False
    try:
        chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=1024, height=768, deviceScaleFactor=1,
                      mobile=False)
        sign_in(chromium, server.url)
        look = f"document.querySelector('#looks li.look[data-id=\"{server.looks.consented}\"]')"
        chromium.wait(f"!!{look}", timeout=10)
        assert not chromium.js(f"{SHOWN}('connection')")
        chromium.js("window.alert = (m) => { (window.__alerts = window.__alerts || []).push(m); }")
        chromium.js(f"{look}.querySelector('button.add-note').click()")
        chromium.wait("document.getElementById('note-dialog').open")
        chromium.js("document.getElementById('note-text').value = 'Wants the 38 in navy, back at 5'")

        stop_server(server)  # the tablet loses the mirror (Wi-Fi, a restart)
        stopped = True
        chromium.wait(f"{SHOWN}('connection')", timeout=15)
        banner = chromium.js("document.getElementById('connection').textContent")
        assert banner.startswith("Connection to the mirror lost") and "out of date" in banner
        assert chromium.js("document.body.classList.contains('disconnected')"), "the lists are greyed out"
        assert chromium.js("document.getElementById('queue-empty').textContent") != "Nobody is waiting for help."

        chromium.js("document.getElementById('note-form').requestSubmit()")
        error = chromium.wait("document.getElementById('note-error').textContent", timeout=10)
        assert "connection to the mirror is lost" in error and "Failed to fetch" not in error, error
        assert chromium.js("document.getElementById('note-text').value") == "Wants the 38 in navy, back at 5"
        (tmp_path / "console-offline-note.png").write_bytes(screenshot(chromium))
        chromium.js("document.getElementById('note-cancel').click()")

        share = f"{look}.querySelector('button.share')"
        assert chromium.js(f"[{share}.disabled, {share}.textContent]") == [True, SHARE_OFFLINE]  # no tap to fail
        page = chromium.js("document.body.innerText")
        assert "Failed to fetch" not in page and "TypeError" not in page
        assert chromium.js("window.__alerts") is None, "no alert box to click away"
        (tmp_path / "console-offline.png").write_bytes(screenshot(chromium))
    finally:
        if not stopped:
            stop_server(server)


def test_a_mirror_that_hangs_is_said_to_be_lost_too(recorded_library, tmp_path, chromium):
    """A mirror that freezes (or drops off the Wi-Fi) refuses nothing: its connections just stay silent.
    The console must not go on showing its last lists as current and "live" for minutes."""
    proc, url = _serve(tmp_path, copy_library(recorded_library, tmp_path / "lib").root, "Mirror Left", "1")
    try:
        chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=1024, height=768, deviceScaleFactor=1,
                      mobile=False)
        sign_in(chromium, url)
        chromium.wait(f"!!document.querySelector('#looks li.look[data-id=\"{recorded_library.consented}\"]')"
                      " && document.getElementById('live').textContent === 'live'", timeout=20)
        proc.send_signal(signal.SIGSTOP)  # hung: the kernel still takes connections, nobody answers them
        chromium.wait(f"{SHOWN}('connection') && document.body.classList.contains('disconnected')", timeout=30)
        assert chromium.js("document.getElementById('live').textContent") == "offline", "not 'live' while nothing answers"
        (tmp_path / "console-hung-mirror.png").write_bytes(screenshot(chromium))
        proc.send_signal(signal.SIGCONT)
        chromium.wait(f"!{SHOWN}('connection') && document.getElementById('live').textContent === 'live'", timeout=30)
    finally:
        _end_thawed(proc)


AMBER = "rgb(245, 158, 11)"


def two_looks_served(recorded_library, tmp_path):
    """A mirror served on the recorded library with two more consented looks of one visit: (process, url, their ids)."""
    import time

    from kiosk.library import Library

    from .test_console_looks import add_look

    copied = copy_library(recorded_library, tmp_path / "lib")
    library = Library(copied.root).open()
    looks = [add_look(library, copied.consented, time.time() - 60 * n, "visit-a") for n in (1, 2)]
    library.close()
    proc, url = _serve(tmp_path, copied.root, "Mirror Left", "1")
    return proc, url, looks


def signed_in_on_a_tablet(chromium, url: str) -> None:
    chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=1024, height=768, deviceScaleFactor=1,
                  mobile=False)
    sign_in(chromium, url)


def test_the_waiting_count_and_the_compare_button_are_greyed_while_the_connection_is_lost(recorded_library, tmp_path,
                                                                                            chromium):
    """With the connection lost the lists are greyed, yet the amber "1 waiting" and a floating "Compare 2 looks"
    stayed at full colour, the button pressable: both are greyed too (the button off, saying why), and both
    come back with the connection."""
    proc, url, looks = two_looks_served(recorded_library, tmp_path)
    try:
        signed_in_on_a_tablet(chromium, url)
        httpx.post(url + f"{API}/assist", headers=AUTH, json={"kind": "size", "detail": "jeans 32/34"}).raise_for_status()
        button, waiting = "document.getElementById('compare-open')", "document.getElementById('waiting')"
        chromium.wait(f"document.querySelectorAll('#looks li.look input.compare-pick').length === 3 && {SHOWN}('waiting')",
                      timeout=20)
        for look_id in looks:
            chromium.js(f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick').click()")
        chromium.wait(f"!{button}.disabled && {button}.textContent === 'Compare 2 looks'")
        assert chromium.js(f"getComputedStyle({waiting}).backgroundColor") == AMBER

        proc.send_signal(signal.SIGSTOP)  # the mirror no longer answers
        chromium.wait(f"{SHOWN}('connection') && document.body.classList.contains('disconnected')", timeout=30)
        chromium.wait(f"{button}.disabled", timeout=5)
        assert chromium.js(f"{button}.textContent") == "Compare 2 looks once the connection is back"
        assert chromium.js(f"getComputedStyle({waiting}).backgroundColor") != AMBER
        (tmp_path / "console-lost-greyed.png").write_bytes(screenshot(chromium))

        proc.send_signal(signal.SIGCONT)
        chromium.wait(f"!{SHOWN}('connection') && !{button}.disabled && {button}.textContent === 'Compare 2 looks'",
                      timeout=30)
        assert chromium.js(f"getComputedStyle({waiting}).backgroundColor") == AMBER
    finally:
        _end_thawed(proc)


def test_share_as_one_video_is_greyed_saying_why_while_the_connection_is_lost(recorded_library, tmp_path, chromium):
    """With the connection lost, an open comparison's "Share as one video" stayed pressable, then failed on a
    notice: it is greyed like the compare button, the line under it saying why, and comes back with the connection."""
    from .test_console_compare import PANES, SHARE_GREYED, WHY, why_beside_the_button

    proc, url, looks = two_looks_served(recorded_library, tmp_path)
    try:
        signed_in_on_a_tablet(chromium, url)
        chromium.wait("document.querySelectorAll('#looks li.look input.compare-pick').length === 3", timeout=20)
        for look_id in looks:
            chromium.js(f"document.querySelector('#looks li.look[data-id=\"{look_id}\"] input.compare-pick').click()")
        chromium.wait("!document.getElementById('compare-open').disabled")
        chromium.js("document.getElementById('compare-open').click()")
        chromium.wait(f"{PANES}.length === 2", timeout=30)
        assert not chromium.js(SHARE_GREYED) and not chromium.js(f"{SHOWN}('compare-share-why')")

        proc.send_signal(signal.SIGSTOP)  # the mirror no longer answers
        chromium.wait(f"{SHOWN}('connection') && {SHARE_GREYED}", timeout=30)
        assert why_beside_the_button(chromium) == "Share as one video works again once the connection is back."
        (tmp_path / "console-lost-share.png").write_bytes(screenshot(chromium))

        proc.send_signal(signal.SIGCONT)
        chromium.wait(f"!{SHOWN}('connection') && !{SHARE_GREYED} && !{SHOWN}('compare-share-why')", timeout=30)
        assert chromium.js(WHY) == ""
    finally:
        _end_thawed(proc)


def test_a_look_s_share_is_greyed_saying_why_while_the_connection_is_lost(recorded_library, tmp_path, chromium):
    """With the connection lost, a look's "Share to customer" stayed pressable while the lists were greyed, and a
    tap only said so on the notice: it is greyed like "Share as one video", saying why, and comes back with the
    connection."""
    proc, url = _serve(tmp_path, copy_library(recorded_library, tmp_path / "lib").root, "Mirror Left", "1")
    button = f"document.querySelector('#looks li.look[data-id=\"{recorded_library.consented}\"] button.share')"
    shown = f"[{button}.disabled, {button}.textContent]"
    try:
        signed_in_on_a_tablet(chromium, url)
        chromium.wait(f"!!{button}", timeout=20)
        assert chromium.js(shown) == [False, "Share to customer"]

        proc.send_signal(signal.SIGSTOP)  # the mirror no longer answers
        chromium.wait(f"{SHOWN}('connection') && {button}.disabled", timeout=30)
        assert chromium.js(shown) == [True, SHARE_OFFLINE]
        chromium.js(f"{button}.scrollIntoView({{block: 'center'}})")
        (tmp_path / "console-lost-look-share.png").write_bytes(screenshot(chromium))

        proc.send_signal(signal.SIGCONT)
        chromium.wait(f"!{SHOWN}('connection') && !{button}.disabled", timeout=30)
        assert chromium.js(shown) == [False, "Share to customer"]
        chromium.js(f"{button}.click()")  # and it shares again
        chromium.wait("document.getElementById('qr-dialog').open", timeout=10)
    finally:
        _end_thawed(proc)


def test_a_look_s_delete_and_a_visit_s_are_greyed_saying_why_while_the_connection_is_lost(recorded_library, tmp_path,
                                                                                            chromium):
    """With the connection lost, a look's Delete and "Delete this visit's looks" stayed pressable while its Share was
    greyed: the question came up, and its answer could only be "Could not delete...". Both are greyed, saying why,
    and come back with the connection."""
    proc, url, looks = two_looks_served(recorded_library, tmp_path)
    noted = httpx.post(url + f"{API}/looks/{looks[0]}/notes", headers=AUTH, json={"text": "wants the 38"})
    assert noted.status_code == 201
    one = f"document.querySelector('#looks li.look[data-id=\"{looks[0]}\"] button[data-key=\"delete\"]')"
    visit = "document.querySelector('#looks li.visit button[data-key=\"delete-visit\"]')"
    note_key = f"note-delete:{noted.json()['id']}"
    note = f"document.querySelector('#looks button[data-key=\"{note_key}\"]')"
    shown = f"[{one}.disabled, {one}.textContent, {visit}.disabled, {visit}.textContent, {note}.disabled]"
    try:
        signed_in_on_a_tablet(chromium, url)
        chromium.wait(f"!!{one} && !!{visit} && !!{note}", timeout=20)
        assert chromium.js(shown) == [False, "Delete", False, "Delete this visit's looks", False]

        proc.send_signal(signal.SIGSTOP)  # the mirror no longer answers
        chromium.wait(f"{SHOWN}('connection') && {one}.disabled && {visit}.disabled && {note}.disabled", timeout=30)
        assert chromium.js(shown) == [True, "Delete once the connection is back",
                                      True, "Delete this visit's looks once the connection is back", True]
        assert chromium.accessible_name(f"#looks li.look[data-id=\"{looks[0]}\"] button[data-key=\"delete\"]") \
            .endswith(" once the connection is back")
        assert chromium.accessible_name(f"#looks button[data-key=\"{note_key}\"]") == \
            "Delete note: wants the 38 once the connection is back"
        chromium.js(f"{visit}.click(); {note}.click()")  # greyed: no question
        assert not chromium.js("document.getElementById('delete-dialog').open")

        proc.send_signal(signal.SIGCONT)
        chromium.wait(f"!{SHOWN}('connection') && !{one}.disabled && !{visit}.disabled && !{note}.disabled", timeout=30)
        assert chromium.js(shown) == [False, "Delete", False, "Delete this visit's looks", False]
        assert chromium.accessible_name(f"#looks button[data-key=\"{note_key}\"]") == "Delete note: wants the 38"
        chromium.js(f"{visit}.click()")  # and it asks again
        chromium.wait("document.getElementById('delete-dialog').open", timeout=10)
    finally:
        _end_thawed(proc)


def test_a_sign_in_to_a_mirror_that_hangs_is_given_up_in_plain_words(recorded_library, tmp_path, chromium):
    """The sign-in screen is up when the mirror freezes: Sign in must not wait for ever without a word.
    As every other request, it is given up after 10 s, says so, and the button can be pressed again."""
    proc, url = _serve(tmp_path, copy_library(recorded_library, tmp_path / "lib").root, "Mirror Left", "1")
    button = "document.querySelector('#sign-in button[type=submit]')"
    error = "document.getElementById('sign-in-error').textContent"
    try:
        chromium.open(url + "/console")
        chromium.wait(f"{SHOWN}('sign-in-view')")
        proc.send_signal(signal.SIGSTOP)  # hung: the kernel still takes the connection, nobody answers it
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        assert chromium.wait(f"{button}.disabled && {button}.textContent") == "Signing in…"  # seen to be asking
        said = chromium.wait(error, timeout=20)
        assert said == "The mirror did not answer; check it is on and try again.", said
        assert chromium.js(f"[{button}.disabled, {button}.textContent]") == [False, "Sign in"]
        assert chromium.js(f"{SHOWN}('sign-in-view')") and not chromium.js(f"{SHOWN}('console-view')")
        (tmp_path / "console-sign-in-hung-mirror.png").write_bytes(screenshot(chromium))
        proc.send_signal(signal.SIGCONT)  # back: the same button signs in
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; {button}.click()")
        chromium.wait(f"{SHOWN}('console-view')", timeout=20)
    finally:
        _end_thawed(proc)


def _end_thawed(proc) -> None:
    """Stop a mirror that may still be frozen; one that ignores the stop is killed, so that no mirror of a failed
    test run stays announced on loopback mDNS (other tests count the store's mirrors)."""
    proc.send_signal(signal.SIGCONT)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise


def test_a_notice_that_an_action_worked_goes_when_the_connection_is_lost(recorded_library, tmp_path, chromium):
    """"Deleted the look recorded at 2:05 PM." stayed up under the banner that says the connection is lost, green
    news beside the yellow warning, as if still current: it goes with the connection."""
    proc, url, looks = two_looks_served(recorded_library, tmp_path)
    one = f"document.querySelector('#looks li.look[data-id=\"{looks[0]}\"] button[data-key=\"delete\"]')"
    notice = "[!document.getElementById('notice').hidden, document.getElementById('notice').className]"
    try:
        signed_in_on_a_tablet(chromium, url)
        chromium.wait(f"!!{one}", timeout=20)
        chromium.js(f"{one}.click()")
        chromium.wait("document.getElementById('delete-dialog').open", timeout=10)
        chromium.js("document.getElementById('delete-yes').click()")
        said = chromium.wait("!document.getElementById('notice').hidden && document.getElementById('notice-text').textContent",
                             timeout=10)
        assert said.startswith("Deleted the look recorded at"), said
        assert chromium.js(notice) == [True, "banner notice done"]

        proc.send_signal(signal.SIGSTOP)  # the mirror no longer answers
        chromium.wait(f"{SHOWN}('connection')", timeout=30)
        (tmp_path / "console-offline-after-a-deletion.png").write_bytes(screenshot(chromium))
        assert chromium.js(notice)[0] is False, "the deletion's notice stayed up under the lost connection's banner"
    finally:
        _end_thawed(proc)


def test_a_tablet_with_too_many_live_streams_is_told_why_not_that_the_mirror_is_offline(
        recorded_library, tmp_path, chromium):
    # Other tabs and browsers of the same tablet hold the address's live streams: the mirror answers
    # 429. The pill said "offline" and the console asked again every 2 s, with nothing on the page.
    import socket

    from kiosk.net.stream import MAX_PER_ADDRESS

    server = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    held = []
    try:
        port = int(server.url.rsplit(":", 1)[1])
        for _ in range(MAX_PER_ADDRESS):  # the tablet's other tabs, from the same address
            conn = socket.create_connection(("127.0.0.1", port), timeout=20)
            conn.sendall(f"GET {API}/events HTTP/1.1\r\nHost: mirror\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096)
            assert head.startswith(b"HTTP/1.1 200"), head
            held.append(conn)
        sign_in(chromium, server.url)
        chromium.wait("document.getElementById('live').textContent === 'paused'", timeout=15)
        notice = chromium.wait(f"{SHOWN}('notice') && document.getElementById('notice-text').textContent", timeout=5)
        assert notice.startswith("Live updates are paused") and "too many tabs" in notice, notice
        assert "picks up again by itself" in notice, "nothing for the associate to do but close the others"
        assert not chromium.js(f"{SHOWN}('connection')"), "the mirror answers: no 'connection lost' banner"
        (tmp_path / "console-streams-busy.png").write_bytes(screenshot(chromium))
        for conn in held:  # the other tabs closed
            conn.close()
        held.clear()
        chromium.wait("document.getElementById('live').textContent === 'live'", timeout=30)
        assert not chromium.js(f"{SHOWN}('notice')"), "its refusal goes once the stream is back"
    finally:
        for conn in held:
            conn.close()
        stop_server(server)
