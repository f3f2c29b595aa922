"""What the console looks like on the store's tablets with awkward data (real headless Chromium, a real
mirror API): long unbroken help details, right-to-left names, and controls that say their state."""

from __future__ import annotations

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .test_console_attention import sign_in
from .test_console_notes import screenshot

pytestmark = pytest.mark.slow

API = "/api/v1"
SKU = "SKU-" + "4021340213" * 19 + "X"  # 195 characters, no space to break at


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_a_long_unbroken_detail_wraps_and_the_button_stays_on_screen(server, chromium, tmp_path, width, height):
    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "size", "detail": SKU}).json()
    try:
        sign_in(chromium, server.url, width, height)
        item = f"document.querySelector('#queue li[data-id=\"{req['id']}\"]')"
        chromium.wait(f"!!{item}", timeout=10)
        assert chromium.js("document.documentElement.scrollWidth") <= width
        right = chromium.js(f"{item}.querySelector('button').getBoundingClientRect().right")
        assert 0 < right <= width, f"'On my way' ends at {right} px on a {width} px screen"
        assert chromium.js(f"{item}.querySelector('.detail').textContent") == SKU  # wrapped, not cut
        (tmp_path / f"console-long-detail-{width}.png").write_bytes(screenshot(chromium))
    finally:
        httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "test"})


#: Where (x) each character of an element's text is drawn, in text order.
CHAR_X = """(node => {
  const xs = [], walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    for (let i = 0; i < t.length; i++) {
      const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + 1);
      xs.push([t.data[i], r.getBoundingClientRect().left]);
    }
  }
  return xs;
})"""


def test_right_to_left_names_do_not_scramble_the_words_around_them(recorded_library, tmp_path, chromium):
    from .conftest import copy_library, server_config, start_server, stop_server

    name, room = "مرآة الطابق الثاني", "غرفة ١٢"
    server = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config(name=name, room=room))
    try:
        req = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "associate"}).json()
        sign_in(chromium, server.url, 1024, 768)
        hint = f"document.querySelector('#queue li[data-id=\"{req['id']}\"] .what .hint')"
        text = chromium.wait(f"{hint} && /\\d+ s ago$/.test({hint}.textContent) && {hint}.textContent", timeout=10)
        assert text.startswith(name)
        chars = chromium.js(f"{CHAR_X}({hint})")
        dot = next(i for i, (c, _) in enumerate(chars) if c == "·")
        after = [x for c, x in chars[dot:] if c != " "]  # "·", the seconds, "s", "ago": left to right, as read
        assert after == sorted(after), f"'{text}' is drawn out of order: {chars[dot:]}"
        isolated = chromium.js("[...document.querySelectorAll('#queue bdi, #mirrors bdi, #mirrors [dir=auto]')]"
                               ".map(e => e.textContent)")
        assert name in isolated and room in isolated
        (tmp_path / "console-rtl.png").write_bytes(screenshot(chromium))
    finally:
        stop_server(server)


def test_the_live_pill_belongs_to_a_signed_in_console_and_disabled_buttons_look_disabled(server, chromium):
    from .test_console import SHOWN

    chromium.open(server.url + "/console")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    assert not chromium.js(f"{SHOWN}('live')"), "no 'offline' on the sign-in screen"
    sign_in(chromium, server.url, 1024, 768)
    chromium.wait(f"{SHOWN}('live') && document.getElementById('live').textContent === 'live'", timeout=10)
    colours = chromium.js("['sign-out', 'compare-open'].map(id => getComputedStyle(document.getElementById(id)).backgroundColor)")
    assert chromium.js("document.getElementById('compare-open').disabled")  # one look: nothing to compare yet
    assert colours[0] != colours[1], "a disabled button looks like an enabled one"
    chromium.js("document.getElementById('sign-out').click()")
    chromium.wait(f"{SHOWN}('sign-in-view')")
    assert not chromium.js(f"{SHOWN}('live')")
    assert chromium.js("document.getElementById('live').textContent") != "live", "not live once signed out"


def test_an_answered_request_says_who_is_on_the_way_in_a_sentence(server, chromium):
    sign_in(chromium, server.url, 820, 1180)
    mine = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "associate"}).json()
    named = httpx.post(f"{server.url}{API}/assist", headers=server.auth, json={"kind": "size"}).json()
    item = "document.querySelector('#queue li[data-id=\"{}\"]')".format
    chromium.wait(f"!!({item(mine['id'])} && {item(named['id'])})", timeout=10)
    chromium.js(f"{item(mine['id'])}.querySelector('button').click()")  # "On my way" on this tablet
    httpx.post(f"{server.url}{API}/assist/{named['id']}/ack", headers=server.auth, json={"by": "Sam"})
    said = chromium.wait(f"(a => a.every(i => i && i.classList.contains('done'))"
                         f" && a.map(i => i.querySelector(':scope > .hint').textContent))"
                         f"([{item(mine['id'])}, {item(named['id'])}])", timeout=10)
    assert said == ["An associate is on the way", "Sam is on the way"], said


def test_mirrors_are_listed_by_room_then_name_whenever_they_were_found(recorded_library, tmp_path, chromium):
    import time

    from .conftest import copy_library, server_config, start_server, stop_server

    server = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config(name="Mirror Seven", room="7"))
    peers = server.service.ctx.peers
    # the store's other mirrors as this one found them, one by one; each stays listed from its last answer
    found = [("Mirror Ten", "10"), ("Mirror Two b", "2"), ("Mirror Hall", ""), ("Mirror Two A", "2")]

    def find(name: str, room: str) -> None:
        card = {"id": f"id-{name}", "name": name, "room": room, "store": "Maison Test", "state": "idle", "self": False,
                "reachable": True, "trusted": True}
        peers.remember(f"127.0.0.{len(peers.last_answers()) + 20}:8080", card, [], time.time())

    listed = "[...document.querySelectorAll('#mirrors .mirror')].map(m => m.dataset.name)"
    try:
        for name, room in found:
            find(name, room)
        sign_in(chromium, server.url, 1024, 768)
        shown = chromium.wait(f"(n => n.length === 5 && n)({listed})", timeout=10)
        assert shown == ["Mirror Two A", "Mirror Two b", "Mirror Seven", "Mirror Ten", "Mirror Hall"], shown
        find("Mirror Three", "3")  # found late: it takes its place, the others stay where they were
        shown = chromium.wait(f"(n => n.length === 6 && n)({listed})", timeout=10)
        assert shown == ["Mirror Two A", "Mirror Two b", "Mirror Three", "Mirror Seven", "Mirror Ten", "Mirror Hall"], shown
        (tmp_path / "console-mirrors-by-room.png").write_bytes(screenshot(chromium))
    finally:
        stop_server(server)


@pytest.mark.parametrize("width, height", [(360, 740), (390, 844)])
def test_on_a_phone_an_answered_request_keeps_most_of_its_row(server, chromium, tmp_path, width, height):
    from .test_console_touch import sign_in_on_phone

    req = httpx.post(f"{server.url}{API}/assist", headers=server.auth,
                     json={"kind": "size", "detail": "jeans 32/34, one size smaller"}).json()
    httpx.post(f"{server.url}{API}/assist/{req['id']}/ack", headers=server.auth, json={"by": "associate"})
    sign_in_on_phone(chromium, server.url, width, height)
    item = f"document.querySelector('#queue li.done[data-id=\"{req['id']}\"]')"
    chromium.wait(f"!!{item}", timeout=10)
    what, who = chromium.js(f"[{item}.querySelector('.what'), {item}.querySelector(':scope > .hint')]"
                            ".map(e => e.getBoundingClientRect().width)")
    assert chromium.js(f"{item}.querySelector(':scope > .hint').textContent") == "An associate is on the way"
    assert what >= who, f"the request gets {what:.0f} px of a {width} px phone, who answered it {who:.0f} px"
    (tmp_path / f"console-answered-{width}.png").write_bytes(screenshot(chromium))


#: Each dialog's Close and Cancel buttons: the dialog's id, the words, and the button's colours.
CLOSERS = """[...document.querySelectorAll('dialog button')]
  .filter(b => ['Close', 'Cancel'].includes(b.textContent.trim()))
  .map(b => [b.closest('dialog').id, b.textContent.trim(), getComputedStyle(b).backgroundColor, getComputedStyle(b).color])"""


def test_every_dialog_s_close_and_cancel_look_alike(server, chromium, tmp_path):
    """The QR code's Close was blue, the colour of a dialog's action, where every other dialog's Close and Cancel
    are grey: it looked like something more than closing. All of them are grey."""
    sign_in(chromium, server.url, 820, 1180)
    share = f"document.querySelector('#looks li.look[data-id=\"{server.looks.consented}\"] button.share')"
    chromium.wait(f"!!{share}", timeout=10)
    chromium.js(f"{share}.click()")
    chromium.wait("document.getElementById('qr-dialog').open && document.getElementById('qr-image').complete", timeout=10)
    (tmp_path / "console-qr-dialog-820.png").write_bytes(screenshot(chromium))
    closers = chromium.js(CLOSERS)
    assert {dialog for dialog, *_ in closers} == {"compare-dialog", "video-dialog", "note-dialog", "delete-dialog", "qr-dialog"}
    colours = {(bg, fg) for *_, bg, fg in closers}
    assert colours == {("rgb(229, 231, 235)", "rgb(17, 24, 39)")}, closers
