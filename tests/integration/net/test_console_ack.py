"""Two associates press "On my way" on the same help request (real headless Chromium, two tablets in
browser contexts of their own, real mirrors on loopback): the second is told plainly that someone
else is already going, for a request of the console's own mirror and for one raised at another."""

from __future__ import annotations

import httpx
import pytest

from .chromium import chromium  # noqa: F401 - fixture
from .conftest import copy_library, server_config, start_server, stop_server
from .test_console import SHOWN
from .test_console_attention import sign_in
from .test_console_notes import screenshot

pytestmark = pytest.mark.slow

API = "/api/v1"
ITEM = "document.querySelector('#queue li[data-id=\"{}\"]')".format
NOTICE = f"({SHOWN}('notice') && document.getElementById('notice-text').textContent)"


@pytest.fixture
def store(recorded_library, tmp_path):
    """The mirror whose console the tablets use (room 1) and another mirror of the store (room 5)."""
    here = start_server(copy_library(recorded_library, tmp_path / "lib-a"), server_config(name="Mirror Left", room="1"))
    other = start_server(
        copy_library(recorded_library, tmp_path / "lib-b"),
        server_config(announce=True, name="Mirror Middle", room="5", txt_interval_s=0.5),
    )
    try:
        yield here, other
    finally:
        stop_server(other)
        stop_server(here)


def _acked(mirror, request_id: str) -> bool:
    requests = httpx.get(f"{mirror.url}{API}/assist", headers=mirror.auth).json()["requests"]
    return any(r["id"] == request_id and not r["open"] for r in requests)


def _says(tablet, request_id: str, words: str, timeout: float = 10) -> None:
    """Wait until ``tablet`` draws the request done with ``words`` (a refresh may draw it done first without them)."""
    item = ITEM(request_id)
    tablet.wait(f"({item} && {item}.classList.contains('done') && {item}.querySelector(':scope > .hint').textContent)"
                f" === {words!r}", timeout)


def _press_late(first, second, mirror, request_id: str, timeout: float = 10) -> None:
    """``first`` presses "On my way"; ``second`` presses the button it still showed, after the mirror took ``first``'s."""
    for tablet in (first, second):
        tablet.wait(f"!!({ITEM(request_id)} && {ITEM(request_id)}.querySelector('button:not([disabled])'))", timeout)
    second.js(f"window.__ack = {ITEM(request_id)}.querySelector('button')")  # as it was on screen before
    first.js(f"{ITEM(request_id)}.querySelector('button').click()")
    first.wait(f"{ITEM(request_id)} && {ITEM(request_id)}.classList.contains('done')", timeout)
    assert _acked(mirror, request_id)
    second.js("window.__ack.click()")  # a second or two later, before it heard of the first


def test_the_second_associate_is_told_someone_is_already_on_the_way(store, chromium):
    here, other = store
    first, second = chromium, chromium.tablet()
    sign_in(first, here.url, 1024, 768)
    sign_in(second, here.url, 820, 1180)

    # a shopper at this mirror says "please come"; both tablets press "On my way"
    local = httpx.post(f"{here.url}{API}/assist", headers=here.auth, json={"kind": "associate"}).json()
    _press_late(first, second, here, local["id"])
    assert second.wait(NOTICE) == "Another associate is already on the way to Room 1: no need to go."
    _says(second, local["id"], "Another associate is already on the way")
    _says(first, local["id"], "An associate is on the way")
    assert not first.js(f"{SHOWN}('notice')"), "the associate who took it is told nothing is wrong"

    # a request raised at the other mirror: each press goes there over the peer protocol
    second.js("document.getElementById('notice-close').click()")
    there = httpx.post(f"{other.url}{API}/assist", headers=other.auth, json={"kind": "size", "detail": "32/34"}).json()
    _press_late(first, second, other, there["id"], timeout=20)
    assert second.wait(NOTICE) == "Another associate is already on the way to Room 5: no need to go."
    _says(second, there["id"], "Another associate is already on the way")
    _says(first, there["id"], "An associate is on the way")
    assert not first.js(f"{SHOWN}('notice')")

    # someone with a name took it (through the API): the tablet says who
    named = httpx.post(f"{other.url}{API}/assist", headers=other.auth, json={"kind": "associate"}).json()
    second.wait(f"!!({ITEM(named['id'])} && {ITEM(named['id'])}.querySelector('button'))", timeout=20)
    second.js(f"window.__ack = {ITEM(named['id'])}.querySelector('button')")
    httpx.post(f"{other.url}{API}/assist/{named['id']}/ack", headers=other.auth, json={"by": "Sam"})
    second.js("window.__ack.click()")
    second.wait(f"{NOTICE} && {NOTICE}.startsWith('Sam')")
    assert second.js(NOTICE) == "Sam is already on the way to Room 5: no need to go."
    _says(second, named["id"], "Sam is already on the way")


#: The WCAG contrast ratio of an element's text against what is behind it, as the page paints them: its
#: computed colour and every background and opacity from the root down, composited (flat colours only).
CONTRAST = """(node => {
  const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const chain = []; for (let n = node; n; n = n.parentElement) chain.unshift(n);
  // a pixel: each element paints its background, then what is inside it, and is faded as one by its opacity
  const paint = (i, leaf) => {
    const bg = rgba(getComputedStyle(chain[i]).backgroundColor);
    let px = [bg[0] * bg[3], bg[1] * bg[3], bg[2] * bg[3], bg[3]];  // premultiplied
    const top = i + 1 < chain.length ? paint(i + 1, leaf) : leaf;
    px = px.map((v, k) => top[k] + v * (1 - top[3]));
    const o = Number(getComputedStyle(chain[i]).opacity);
    return px.map((v) => v * o);
  };
  const onWhite = (px) => px.slice(0, 3).map((v) => v + 255 * (1 - px[3]));
  const text = rgba(getComputedStyle(node).color);
  const lum = (rgb) => { const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                         return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [a, b] = [lum(onWhite(paint(0, [text[0] * text[3], text[1] * text[3], text[2] * text[3], text[3]]))),
                  lum(onWhite(paint(0, [0, 0, 0, 0])))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})"""


def test_an_answered_request_is_secondary_yet_readable(recorded_library, tmp_path, chromium):
    """An answered request stays on the list, set apart from the open ones, but "An associate is on the way"
    and the rest of its words read at WCAG AA (4.5:1 for text this size), not faded to 60 % (about 2.8:1)."""
    here = start_server(copy_library(recorded_library, tmp_path / "lib"), server_config(name="Mirror Left", room="1"))
    try:
        sign_in(chromium, here.url, 390, 844)
        answered, waiting = (httpx.post(f"{here.url}{API}/assist", headers=here.auth, json=body).json()["id"]
                             for body in ({"kind": "associate"}, {"kind": "size", "detail": "jeans 32/34"}))
        chromium.wait(f"!!({ITEM(answered)} && {ITEM(answered)}.querySelector('button'))", timeout=10)
        chromium.js(f"{ITEM(answered)}.querySelector('button').click()")
        _says(chromium, answered, "An associate is on the way")
        texts = chromium.js(f"[...{ITEM(answered)}.querySelectorAll('strong, .hint')]"
                            f".map(n => [n.textContent, {CONTRAST}(n)])")
        assert [t for t, _ in texts][-1] == "An associate is on the way", texts
        assert [(t, round(c, 2)) for t, c in texts if c < 4.5] == [], texts
        # still told apart from a request someone waits for: another card, no amber bar
        style = "(n => [getComputedStyle(n).backgroundColor, getComputedStyle(n).borderLeftColor])"
        done, still_open = chromium.js(f"[{style}({ITEM(answered)}), {style}({ITEM(waiting)})]")
        assert done[0] != still_open[0] and done[1] != still_open[1], (done, still_open)
        (tmp_path / "console-answered-request.png").write_bytes(screenshot(chromium))
    finally:
        stop_server(here)
