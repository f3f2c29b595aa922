"""The share page on a (headless Chromium) phone: the video plays inline; dead links get a kind 410."""

from __future__ import annotations

import base64
import re
import sqlite3
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import cv2
import httpx
import numpy as np
import pytest

from tests.screen import read_qr

from .chromium import chromium  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

API = "/api/v1"

VIDEO_STATE = """(() => { const v = document.querySelector('video'); if (!v) return null;
  return {readyState: v.readyState, paused: v.paused, currentTime: v.currentTime, width: v.videoWidth,
          error: v.error && v.error.code, playsinline: v.hasAttribute('playsinline'), poster: v.poster,
          box: v.getBoundingClientRect().width}; })()"""


def _share(server) -> dict:
    r = httpx.post(server.url + f"{API}/looks/{server.looks.consented}/share", headers=server.auth)
    assert r.status_code == 201
    return r.json()


def test_share_page_plays_the_look_on_a_phone(server, chromium):
    share = _share(server)
    chromium.phone()
    chromium.open(share["url"])
    state = chromium.wait(
        f"(() => {{ const s = {VIDEO_STATE}; return s && s.readyState >= 2 && !s.paused && s.currentTime > 0 ? s : null; }})()",
        timeout=20,
    )
    assert state["error"] is None
    assert state["width"] == 640  # the recorded look's width: the real video decoded
    assert state["playsinline"]
    assert state["poster"].endswith(f"/s/{share['token']}/poster.jpg")
    assert 0 < state["box"] <= 390  # fits the phone's screen
    assert chromium.js("performance.getEntriesByType('navigation')[0].responseStatus") == 200
    text = chromium.js("document.body.innerText")
    assert "Maison Test" in text
    assert "Download video" in text
    assert "until" in text and share["expires_iso"][:4] in text
    href = chromium.js("document.querySelector('a.button').getAttribute('href')")
    assert href == f"/s/{share['token']}/video?download=1"
    poster_width = chromium.wait(
        "new Promise(r => { const i = new Image(); i.onload = () => r(i.naturalWidth); i.onerror = () => r(-1);"
        " i.src = document.querySelector('video').poster; })"
    )
    assert poster_width > 0


def test_revoked_link_shows_a_friendly_410_page(server, chromium):
    share = _share(server)
    assert httpx.delete(server.url + f"{API}/shares/{share['token']}", headers=server.auth).status_code == 204
    chromium.phone()
    chromium.open(share["url"])
    assert chromium.js("performance.getEntriesByType('navigation')[0].responseStatus") == 410
    text = chromium.js("document.body.innerText")
    assert "no longer available" in text and "Maison Test" in text
    assert chromium.js("document.querySelector('video')") is None


def test_qr_code_holds_the_share_link(server, chromium):
    share = _share(server)
    svg = httpx.get(share["qr_svg_url"])
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    chromium.open(share["qr_svg_url"])  # rendered by a real browser, as the console shows it
    png = base64.b64decode(chromium.send("Page.captureScreenshot", session=True, format="png")["data"])
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    text = read_qr(image)
    assert text == share["url"]


def test_the_products_an_associate_noted_show_under_the_video(server, chromium, tmp_path):
    notes = server.url + f"{API}/looks/{server.looks.consented}/notes"
    for body in ({"product": "Linen shirt, navy, M · SKU 40213"}, {"text": "staff only: waist tight, try 40"},
                 {"product": "Chinos, sand, 40/32"}):
        assert httpx.post(notes, headers=server.auth, json=body).status_code == 201
    share = _share(server)
    chromium.phone()
    chromium.open(share["url"])
    items = chromium.wait("[...document.querySelectorAll('ul.products li')].map(li => li.innerText)")
    assert items == ["Linen shirt, navy, M · SKU 40213", "Chinos, sand, 40/32"]
    assert "waist" not in chromium.js("document.body.innerText")
    below = chromium.js("document.querySelector('ul.products').getBoundingClientRect().top"
                        " >= document.querySelector('a.button').getBoundingClientRect().bottom")
    assert below, "the products come after the video and its download button"
    (tmp_path / "share-products.png").write_bytes(
        base64.b64decode(chromium.send("Page.captureScreenshot", session=True, format="png")["data"]))


def test_a_long_product_line_fits_the_phone(server, chromium):
    product = "SKU-" + "4021340213" * 11 + "X"  # 115 characters, no space to break at
    note = httpx.post(f"{server.url}{API}/looks/{server.looks.consented}/notes", headers=server.auth,
                      json={"product": product})
    assert note.status_code == 201
    try:
        share = _share(server)
        chromium.phone()
        chromium.open(share["url"])
        shown = chromium.wait("[...document.querySelectorAll('ul.products li')].map(li => li.textContent)")
        assert product in shown  # wrapped, not cut
        assert chromium.js("document.documentElement.scrollWidth") <= 390, "the page is wider than the phone"
    finally:
        httpx.delete(f"{server.url}{API}/looks/{server.looks.consented}/notes/{note.json()['id']}", headers=server.auth)


def _on_the_phone(text: str, ts: float, tz: str) -> bool:
    """Whether ``text`` holds ``ts`` as a phone in ``tz`` set to en-GB writes it ("1 December 2026 at 22:53")."""
    d = datetime.fromtimestamp(ts, ZoneInfo(tz))
    return re.search(rf"\b{d.day} {d:%B %Y}\b\D+\b0?{d.hour}:{d:%M}\b", text) is not None


def test_times_are_on_the_phones_clock_and_the_download_on_the_stores(server, chromium, zone):
    zone("Europe/Paris")  # the mirror's clock: what the page says without its script
    share = _share(server)
    chromium.phone()
    chromium.clock("Asia/Tokyo")  # eight hours ahead of the mirror in winter, seven in summer
    chromium.open(share["url"])
    text = chromium.wait("document.querySelector('time') && document.body.innerText")
    assert _on_the_phone(text, share["expires_at"], "Asia/Tokyo"), text
    assert not _on_the_phone(text, share["expires_at"], "Europe/Paris"), text
    assert "CET" not in text and "CEST" not in text
    assert chromium.js("document.querySelector('time').getAttribute('datetime')") == share["expires_iso"]

    created = httpx.get(f"{server.url}{API}/looks/{server.looks.consented}", headers=server.auth).json()["created"]
    name = f"look-{datetime.fromtimestamp(created, ZoneInfo('Europe/Paris')):%Y%m%d-%H%M}.mp4"
    assert chromium.js("document.querySelector('a.button').getAttribute('download')") == name
    download = httpx.head(f"{server.url}/s/{share['token']}/video?download=1")
    assert download.headers["content-disposition"] == f'attachment; filename="{name}"'

    ended = datetime(2026, 12, 1, 13, 53, tzinfo=timezone.utc).timestamp()
    with sqlite3.connect(server.looks.root / "network.sqlite3") as db:  # as if the link had run out
        db.execute("UPDATE shares SET expires_at = ? WHERE expires_at = ?", (ended, share["expires_at"]))
    chromium.open(share["url"])
    assert chromium.js("performance.getEntriesByType('navigation')[0].responseStatus") == 410
    text = chromium.wait("document.querySelector('time') && document.body.innerText")
    assert "This link expired on 1 December 2026 at 22:53." in text, text
