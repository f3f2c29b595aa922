"""The console's "Share as one video" waits through a restart of the mirror, and through a reload of its page.

A restart stops a render part-way: the comparison goes back to ``queued`` and the next start
renders it (``kiosk.compare.jobs``). The console used to give up at the first request the mirror
did not answer, so the video was made and nobody showed its code. Real headless Chromium against
the real server, stopped and started again on the same data folder and port.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from kiosk.library import Library

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN, Looks, server_config, start_server, stop_server
from .test_api_compare import TRACKS, add_look, hold_renders
from .test_console import SHOWN
from .test_console_compare import MAKING, PANES, SHARE_GREYED, STILL_MAKING, WHY, compare_looks, pick_looks, sign_in

pytestmark = pytest.mark.slow

WAITING = "sessionStorage.getItem('smartmirror.console.comparison')"
QR_SHOWN = "document.getElementById('qr-dialog').open && document.getElementById('qr-image').naturalWidth > 0"


def text_of(element_id: str) -> str:
    return f"document.getElementById('{element_id}').textContent"


def stopped_once(monkeypatch) -> threading.Event:
    """The first render holds until the mirror stops it, as a real one stops between frames; the
    next renders run as usual. Returns the event set when the first one began."""
    import kiosk.compare.jobs as jobs_module
    from kiosk.compare.errors import CompareStopped

    began, real = threading.Event(), jobs_module.compare

    def held(*args, stop, **kwargs):
        if began.is_set():
            return real(*args, stop=stop, **kwargs)
        began.set()
        while not stop():
            threading.Event().wait(0.02)  # the renderer's own look between frames
        raise CompareStopped("the mirror is stopping")

    monkeypatch.setattr(jobs_module, "compare", held)
    return began


def mirror_folder(tmp_path: Path) -> tuple[Looks, dict[str, str]]:
    """A data folder with the ``TRACKS`` looks, for servers started and stopped on it: (looks, ids)."""
    root = tmp_path / "library"
    library = Library(root).open()
    ids = {name: add_look(library, name, tmp_path) for name in TRACKS}
    library.close()
    return Looks(root, ids["cw"], ids["private"]), ids


def share_two_looks(browser, url: str, ids: dict[str, str], began: threading.Event) -> None:
    """Sign in, open the cw and ccw looks side by side and press "Share as one video": the render begins."""
    sign_in(browser, url)
    compare_looks(browser, ids, "cw", "ccw")
    browser.js("document.getElementById('compare-share').click()")
    assert began.wait(30), "the render did not begin"


def test_the_code_shows_after_the_mirror_restarts_during_the_render(tmp_path, chromium, monkeypatch):
    began = stopped_once(monkeypatch)
    looks, ids = mirror_folder(tmp_path)
    server = start_server(looks, server_config())
    try:
        url = server.url
        share_two_looks(chromium, url, ids, began)

        stop_server(server)  # systemctl restart: the render stops part-way, the comparison is queued again
        server = None
        said = chromium.wait(f"(() => {{ const t = {text_of('compare-status')}; return t.includes('restarting') ? t : null; }})()",
                             timeout=20)
        assert said == "The mirror is restarting; still waiting for the video…"
        assert chromium.js("document.getElementById('qr-dialog').open") is False

        server = start_server(looks, server_config(port=urlparse(url).port))  # the same folder and address
        # The restarted mirror knows no sign-in: the console asks for the PIN, and says why it is worth it.
        chromium.wait(f"{SHOWN}('sign-in-view') && {SHOWN}('sign-in-waiting')", timeout=30)
        assert chromium.js(text_of("sign-in-error")) == (
            "The mirror ended this sign-in early (it may have restarted); sign in again.")
        assert "sign in again to see its code" in chromium.js(text_of("sign-in-waiting"))
        assert chromium.js(WAITING), "the comparison waited for is kept over the sign-in"

        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        chromium.wait(QR_SHOWN, timeout=60)
        link = chromium.js("document.getElementById('qr-link').href")
        assert link.startswith(url) and "/s/" in link
        assert httpx.get(link).status_code == 200  # the page a phone opens plays the comparison
        assert chromium.js(WAITING) is None, "nothing left to wait for"
        assert chromium.js("document.getElementById('notice').hidden"), "no words of the wait left on the page"
    finally:
        if server is not None:
            stop_server(server)


def test_the_comparison_opened_again_says_how_the_wait_is_now_not_how_it_was(tmp_path, chromium, monkeypatch):
    """Under its panes the wait said the mirror was restarting; the restart closed the comparison (the
    sign-in ended) and, signed in again, the wait went on on the page's notice ("still being made"). The
    same looks opened again show the wait as it is now, never the restart's line of before."""
    started, release = hold_renders(monkeypatch)  # the render after the restart: held until released
    began = stopped_once(monkeypatch)  # the first: stopped by the restart
    looks, ids = mirror_folder(tmp_path)
    server = start_server(looks, server_config())
    try:
        url = server.url
        share_two_looks(chromium, url, ids, began)
        stop_server(server)
        server = None
        chromium.wait(f"{text_of('compare-status')} === 'The mirror is restarting; still waiting for the video…'", timeout=20)
        server = start_server(looks, server_config(port=urlparse(url).port))
        chromium.wait(f"{SHOWN}('sign-in-view')", timeout=30)
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        assert started.wait(30), "the render did not begin again"
        chromium.wait(f"{SHOWN}('notice') && {text_of('notice-text')} === '{STILL_MAKING}'", timeout=20)

        # every line the dialog's status takes from now on, however briefly
        chromium.js("(s => { window.statusLines = []; new MutationObserver(() => statusLines.push(s.textContent))"
                    ".observe(s, { childList: true, characterData: true, subtree: true }); })"
                    "(document.getElementById('compare-status'))")
        chromium.wait("document.querySelectorAll('#looks li.look input.compare-pick').length === 3", timeout=20)
        pick_looks(chromium, ids, "cw", "ccw")  # ticked again: the ticks went with the sign-in the restart ended
        chromium.js("document.getElementById('compare-open').click()")
        chromium.wait(f"{PANES}.length === 2 && {text_of('compare-status')} === '{MAKING}'", timeout=30)
        lines = chromium.js("statusLines")
        assert not [line for line in lines if "restarting" in line], lines
    finally:
        release.set()  # the renderer must finish before the server stops
        if server is not None:
            stop_server(server)


def test_a_reload_of_the_console_picks_the_wait_up_again(tmp_path, chromium, monkeypatch):
    started, release = hold_renders(monkeypatch)
    looks, ids = mirror_folder(tmp_path)
    server = start_server(looks, server_config())
    try:
        share_two_looks(chromium, server.url, ids, started)

        chromium.open(server.url + "/console")  # the associate reloads the page: still signed in, no dialog open
        said = chromium.wait(f"{SHOWN}('notice') && {text_of('notice-text')}", timeout=20)
        assert said == "The comparison video you asked for is still being made; its code will show here."
        release.set()
        chromium.wait(QR_SHOWN, timeout=60)
        assert chromium.js("document.getElementById('notice').hidden"), "the wait's notice went with the wait"
        assert chromium.js(WAITING) is None
    finally:
        release.set()  # the renderer must finish before the server stops
        stop_server(server)


def test_signing_out_ends_the_wait(tmp_path, chromium, monkeypatch):
    """An associate who signs out on purpose leaves: the next one to sign in on the tablet is not shown their code."""
    started, release = hold_renders(monkeypatch)
    looks, ids = mirror_folder(tmp_path)
    server = start_server(looks, server_config())
    try:
        share_two_looks(chromium, server.url, ids, started)
        chromium.wait(WAITING)
        chromium.js("document.getElementById('sign-out').click()")
        chromium.wait(f"{SHOWN}('sign-in-view') && {WAITING} === null", timeout=10)
        assert not chromium.js(f"{SHOWN}('sign-in-waiting')"), "no code promised to whoever signs in next"
    finally:
        release.set()
        stop_server(server)


GAVE_UP = ("The mirror has not answered for 3 minutes, so the video's code cannot be shown."
           " Check that the mirror is on; once it is back, press Share as one video again.")


@pytest.mark.parametrize("width, height, dialog", [(1024, 768, True), (390, 844, False)],
                         ids=["tablet-dialog-open", "phone-dialog-closed"])
def test_the_wait_gives_up_after_three_minutes_without_the_mirror(tmp_path, chromium, monkeypatch, width, height, dialog):
    """A mirror that does not come back (switched off, not restarted) is waited for 3 minutes, then the
    console says so and what to do, where the associate is looking: under the panes, or on the page's notice
    once the comparison is closed. The 3 minutes are not waited out: the page's own clock (Date.now, which the
    wait measures them with) is moved on, so the console ships no setting a test could shorten them with."""
    from .test_console_notes import screenshot

    began = stopped_once(monkeypatch)
    looks, ids = mirror_folder(tmp_path)
    server = start_server(looks, server_config())
    try:
        if dialog:
            chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                          deviceScaleFactor=1, mobile=False)
        else:
            chromium.phone(width, height)
        share_two_looks(chromium, server.url, ids, began)
        if not dialog:
            chromium.js("document.getElementById('compare-dialog').close()")
        where = text_of("compare-status") if dialog else f"({SHOWN}('notice') && {text_of('notice-text')})"

        stop_server(server)  # switched off: nothing answers any more
        server = None
        said = chromium.wait(f"(t => t && t.includes('restarting') && t)({where})", timeout=20)
        assert said == "The mirror is restarting; still waiting for the video…"
        chromium.js("(real => { Date.now = () => real() + 3 * 60 * 1000; })(Date.now)")  # three minutes on

        said = chromium.wait(f"(t => t && !t.includes('restarting') && t)({where})", timeout=20)  # the next try: 8 s at most
        assert said == GAVE_UP
        assert chromium.js(WAITING) is None, "nothing left to wait for: a reload or a new sign-in does not wait again"
        if dialog:  # no longer waiting, but the mirror is away: greyed, saying when it can be pressed again
            chromium.wait(f"{SHARE_GREYED} && {WHY} === 'Share as one video works again once the connection is back.'")
        assert chromium.js("document.getElementById('qr-dialog').open") is False
        (tmp_path / f"console-share-gave-up-{width}.png").write_bytes(screenshot(chromium))
    finally:
        if server is not None:
            stop_server(server)
