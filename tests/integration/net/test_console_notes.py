"""An associate notes a look in the console (real headless Chromium, a real ``kiosk serve``): the
note shows under the look for the staff, the product on the customer's share page."""

from __future__ import annotations

import base64

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import PIN, TOKEN, copy_library
from .test_console import SHOWN, _serve
from .test_console_attention import FOCUSED, press_escape

pytestmark = pytest.mark.slow

API = "/api/v1"
NOTES = "[...document.querySelectorAll('#looks li.look[data-id=\"{id}\"] .notes li')].map(li => li.innerText)"


def screenshot(browser) -> bytes:
    return base64.b64decode(browser.send("Page.captureScreenshot", session=True, format="png")["data"])


def test_an_associate_adds_a_note_and_a_product_and_deletes_a_note(recorded_library, tmp_path, chromium):
    lib = copy_library(recorded_library, tmp_path / "lib")
    proc, url = _serve(tmp_path, lib.root, "Mirror Left", "1")
    try:
        # an associate's tablet, portrait
        chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=820, height=1180, deviceScaleFactor=1,
                      mobile=False)
        chromium.open(url + "/console")
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        look = f"document.querySelector('#looks li.look[data-id=\"{lib.consented}\"]')"
        chromium.wait(f"!!{look}", timeout=20)
        notes = NOTES.format(id=lib.consented)

        chromium.js(f"{look}.querySelector('button.add-note').click()")
        chromium.wait(f"{SHOWN}('note-dialog')")
        chromium.js("document.getElementById('note-save').click()")  # nothing typed: said, nothing sent
        assert chromium.wait("document.getElementById('note-error').textContent") == "Type a product or a note first."
        chromium.js("document.getElementById('note-product').value = 'Linen shirt, navy, M · SKU 40213';"
                    "document.getElementById('note-text').value = 'Wants it in navy <b>38</b>';"
                    "document.getElementById('note-save').click()")
        chromium.wait(f"!{SHOWN}('note-dialog')")
        shown = chromium.wait(f"(() => {{ const n = {notes}; return n.length === 1 ? n : null; }})()", timeout=10)
        assert shown == ["Delete\nProduct: Linen shirt, navy, M · SKU 40213\nWants it in navy <b>38</b>"], shown
        assert chromium.js(f"{look}.querySelector('.notes b')") is None, "typed text is never markup"
        # its Delete says what it does, as a look's does, and names the note by its first words for a screen reader
        assert chromium.accessible_name(f"#looks li.look[data-id=\"{lib.consented}\"] .notes li button") == \
            "Delete note: Linen shirt, navy, M · SKU..."

        chromium.js(f"{look}.querySelector('button.add-note').click()")
        chromium.js("document.getElementById('note-text').value = 'Come back Saturday for the 40'")
        (tmp_path / "console-note-dialog.png").write_bytes(screenshot(chromium))
        chromium.js("document.getElementById('note-save').click()")
        chromium.wait(f"{notes}.length === 2", timeout=10)
        (tmp_path / "console-notes.png").write_bytes(screenshot(chromium))

        # the customer's link shows the product, not what the staff wrote
        auth = {"Authorization": f"Bearer {TOKEN}"}
        share = httpx.post(f"{url}{API}/looks/{lib.consented}/share", headers=auth).json()
        page = httpx.get(share["url"]).text
        assert "Linen shirt, navy, M · SKU 40213" in page and "Wants it in navy" not in page and "Saturday" not in page

        # deleting a note asks first in the console's own dialog, as deleting a look does (a browser
        # confirm box, here answered no at once, is never used); Cancel, focused, keeps the note
        chromium.js("window.confirm = () => false;"
                    f"{look}.querySelector('.notes li button').click()")
        chromium.wait("document.getElementById('delete-dialog').open", timeout=5)
        # the question names which note (a look may have several): its first words, quoted, cut at a word
        assert chromium.accessible_name("#delete-dialog") == 'Delete the note "Linen shirt, navy, M · SKU..." for good?'
        assert chromium.js("document.getElementById('delete-about').textContent") == \
            "Its product no longer shows on the customer's link."
        assert chromium.js(FOCUSED)[1] == "Cancel"
        press_escape(chromium)
        chromium.wait("!document.getElementById('delete-dialog').open", timeout=5)
        assert chromium.js(f"{notes}.length") == 2
        assert len(httpx.get(f"{url}{API}/looks/{lib.consented}", headers=auth).json()["notes"]) == 2
        chromium.js(f"{look}.querySelector('.notes li button').click()")
        chromium.wait("document.getElementById('delete-dialog').open", timeout=5)
        assert chromium.js("document.getElementById('delete-yes').textContent") == "Delete the note"
        chromium.js("document.getElementById('delete-yes').click()")
        left = chromium.wait(f"(() => {{ const n = {notes}; return n.length === 1 ? n : null; }})()", timeout=10)
        assert left == ["Delete\nCome back Saturday for the 40"]
        assert chromium.accessible_name(f"#looks li.look[data-id=\"{lib.consented}\"] .notes li button") == \
            "Delete note: Come back Saturday for the 40"
        listed = httpx.get(f"{url}{API}/looks/{lib.consented}", headers=auth).json()["notes"]
        assert [(n["text"], n["product"]) for n in listed] == [("Come back Saturday for the 40", "")]
        assert "Linen shirt" not in httpx.get(share["url"]).text
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture(scope="module")
def noted(server):
    """The module's mirror, its consented look noted as associates do: products, a long note, a short one."""
    for product, text in [("Linen shirt, navy, M · SKU 40213", "Wants it in navy, size 38; back Saturday for the 40"),
                          ("Chinos, stone, 32/34", ""), ("", "Tried the blue jeans too: too long")]:
        r = httpx.post(f"{server.url}{API}/looks/{server.looks.consented}/notes", headers=server.auth,
                       json={"product": product, "text": text})
        assert r.status_code == 201, r.text
    return server


#: The tile's, its poster's and its notes' boxes, and how wide the page is.
BOXES = """(t => {
  const box = (e) => (r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}))(
    e.getBoundingClientRect());
  return {tile: box(t), poster: box(t.querySelector('button.play')), notes: box(t.querySelector('.notes')),
          page: document.documentElement.scrollWidth};
})"""


@pytest.mark.parametrize("width, height, phone", [(1024, 768, False), (390, 844, True)], ids=["tablet", "phone"])
def test_a_looks_notes_use_the_width_of_its_tile(noted, chromium, tmp_path, width, height, phone):
    """Notes and products beside the poster, not in a long narrow column under it."""
    if phone:
        chromium.phone(width, height)
    else:
        chromium.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                      deviceScaleFactor=1, mobile=False)
    chromium.open(noted.url + "/console")
    chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
    look = f"document.querySelector('#looks li.look[data-id=\"{noted.looks.consented}\"]')"
    chromium.wait(f"!!{look} && {look}.querySelectorAll('.notes li').length === 3"
                  f" && {look}.querySelector('img').naturalWidth > 0", timeout=20)
    chromium.js(f"{look}.scrollIntoView()")
    (tmp_path / f"console-noted-look-{width}.png").write_bytes(screenshot(chromium))
    b = chromium.js(f"{BOXES}({look})")
    tile, poster, notes = b["tile"], b["poster"], b["notes"]
    assert b["page"] <= width, f"the page is {b['page']} px wide on a {width} px screen"
    assert tile["width"] / tile["height"] >= 0.75, f"a {tile['width']:.0f}×{tile['height']:.0f} px column"
    assert notes["left"] >= poster["right"] and notes["top"] < poster["bottom"], f"notes {notes} not beside {poster}"
    assert notes["width"] >= tile["width"] / 2, f"notes {notes['width']:.0f} px wide in a {tile['width']:.0f} px tile"


def open_console(browser, url: str, width: int, height: int, phone: bool) -> None:
    """Sign in to the console on a tablet (a desktop browser's screen) or a phone of that size."""
    if phone:
        browser.phone(width, height)
    else:
        browser.send("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                     deviceScaleFactor=1, mobile=False)
    browser.open(url + "/console")
    browser.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")


#: The width of each look's tile in the visit of ``ids``, and of the row they are laid out in.
WIDTHS = """(ids => {
  const tiles = ids.map(id => document.querySelector(`#looks li.look[data-id="${id}"]`));
  return {tiles: tiles.map(t => t.getBoundingClientRect().width),
          row: tiles[0].closest('ul.looks').getBoundingClientRect().width};
})"""


@pytest.mark.parametrize("width, height, phone", [(1024, 768, False), (390, 844, True)], ids=["tablet", "phone"])
def test_a_look_with_one_short_note_keeps_the_width_of_a_tile(recorded_library, tmp_path, chromium, width, height, phone):
    """Only long notes take a row of their own: a look with one short note stays a tile among the others."""
    import time

    from .conftest import server_config, start_server, stop_server
    from .test_console_looks import add_look

    server = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config())
    try:
        now = time.time()
        ids = [add_look(server.library, server.looks.consented, now - 60 * n, "visit-a") for n in (1, 2, 3)]
        plain, short, long = ids  # newest first, as the visit lists them
        for look_id, product, text in [(short, "", "Wants it in navy, 38"),
                                       (long, "Linen shirt, navy, M · SKU 40213", "Wants it in navy, size 38; back Saturday for the 40")]:
            r = httpx.post(f"{server.url}{API}/looks/{look_id}/notes", headers=server.auth, json={"product": product, "text": text})
            assert r.status_code == 201, r.text
        open_console(chromium, server.url, width, height, phone)
        tiles = " && ".join(f"document.querySelector('#looks li.look[data-id=\"{i}\"] img')?.naturalWidth > 0" for i in ids)
        chromium.wait(f"{tiles} && document.querySelectorAll('#looks li.look .notes li').length === 2", timeout=20)
        chromium.js(f"document.querySelector('#looks li.look[data-id=\"{plain}\"]').scrollIntoView()")
        (tmp_path / f"console-short-note-{width}.png").write_bytes(screenshot(chromium))
        w = chromium.js(f"{WIDTHS}({ids!r})")
        (plain_w, short_w, long_w), row = w["tiles"], w["row"]
        assert abs(short_w - plain_w) <= 1, f"one short note: a {short_w:.0f} px tile beside a {plain_w:.0f} px one"
        assert short_w < row / 2, f"one short note takes {short_w:.0f} px of a {row:.0f} px row"
        assert abs(long_w - row) <= 1, f"long notes: a {long_w:.0f} px tile in a {row:.0f} px row"
    finally:
        stop_server(server)


def test_a_note_saved_as_its_sign_in_ends_leaves_the_next_associates_note_alone(server, chromium, monkeypatch):
    """An associate saves a note, the mirror is slow, and she signs out; the next associate signs in and starts a
    note. The first save's answer must not close the second associate's dialog (nor say anything in it)."""
    import threading

    started, release = threading.Event(), threading.Event()
    real = server.library.add_note

    def held(look_id, text="", product=""):
        if text == "first associate's":
            started.set()
            release.wait(30)
        return real(look_id, text, product)

    monkeypatch.setattr(server.library, "add_note", held)
    look = f"document.querySelector('#looks li.look[data-id=\"{server.looks.consented}\"]')"
    open_console(chromium, server.url, 820, 1180, False)
    # when the mirror's answer to the note reaches the page (its body is never read: no timing entry is written)
    chromium.js("window.__fetchNow = window.fetch; window.fetch = (path, options) => {"
                " const answer = window.__fetchNow(path, options);"
                " if (String(path).endsWith('/notes')) answer.finally(() => { window.__answered = Date.now(); }); return answer; }")
    try:
        chromium.wait(f"!!{look}", timeout=10)
        chromium.js(f"{look}.querySelector('button.add-note').click()")
        chromium.wait("document.getElementById('note-dialog').open")
        chromium.js("document.getElementById('note-text').value = \"first associate's\"; "
                    "document.getElementById('note-save').click()")
        assert started.wait(10), "the note never reached the mirror"
        chromium.js("document.getElementById('sign-out').click()")
        chromium.wait(f"{SHOWN}('sign-in-view')", timeout=10)
        chromium.js(f"document.getElementById('secret').value = '{PIN}'; document.getElementById('sign-in').requestSubmit()")
        chromium.wait(f"{SHOWN}('console-view') && !!{look}", timeout=10)
        chromium.js(f"{look}.querySelector('button.add-note').click()")
        chromium.wait("document.getElementById('note-dialog').open")
        chromium.js("document.getElementById('note-text').value = 'Wants it in navy'")
    finally:
        release.set()
    # the first save is answered, then a moment for the page
    chromium.wait("window.__answered", timeout=10)
    chromium.wait("Date.now() - window.__answered > 500", timeout=5)
    assert chromium.js("document.getElementById('note-dialog').open"), "the last associate's save closed the next one's note"
    assert chromium.js("document.getElementById('note-text').value") == "Wants it in navy"
    assert chromium.js("document.getElementById('note-error').textContent") == ""
    chromium.js("document.getElementById('note-dialog').close()")


def test_the_empty_note_message_goes_once_something_is_typed(server, chromium):
    open_console(chromium, server.url, 820, 1180, False)
    look = f"document.querySelector('#looks li.look[data-id=\"{server.looks.consented}\"]')"
    chromium.wait(f"!!{look}", timeout=10)
    chromium.js(f"{look}.querySelector('button.add-note').click()")
    chromium.wait("document.getElementById('note-dialog').open")
    chromium.js("document.getElementById('note-save').click()")  # nothing typed yet
    error = "document.getElementById('note-error').textContent"
    assert chromium.wait(error) == "Type a product or a note first."
    # the associate types, as a keyboard does: the words no longer say what is wrong, so they go
    chromium.js("document.getElementById('note-text').focus()")
    chromium.send("Input.insertText", session=True, text="Wants it in navy")
    chromium.wait(f"document.getElementById('note-text').value === 'Wants it in navy' && {error} === ''")
    chromium.js("document.getElementById('note-dialog').close()")
