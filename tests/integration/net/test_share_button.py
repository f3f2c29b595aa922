"""The mirror's own buttons through ``NetService``: Share (link + QR) and "another size, please"."""

from __future__ import annotations

import time

import cv2
import httpx
import numpy as np
import pytest

from kiosk.net.service import NetServiceError
from tests.screen import read_qr


def test_share_button_gives_a_link_and_a_scannable_qr(server):
    t0 = time.perf_counter()
    link = server.service.share_look(server.looks.consented)
    elapsed = time.perf_counter() - t0
    assert link.url.startswith(server.url + "/s/") and link.url.endswith(link.token)
    assert link.qr_svg.startswith(b"<svg")
    image = cv2.imdecode(np.frombuffer(link.qr_png, np.uint8), cv2.IMREAD_COLOR)
    assert read_qr(image) == link.url
    assert httpx.get(link.url).status_code == 200
    assert elapsed < 5  # a sanity bound only; the figure is measured by kiosk bench serve


def test_share_button_refuses_what_cannot_be_shared(server):
    with pytest.raises(NetServiceError, match="has not agreed"):
        server.service.share_look(server.looks.private)
    with pytest.raises(NetServiceError, match="no look"):
        server.service.share_look("AAAAAAAAAAAAAAAAAAAAAA")


def test_assist_button_reaches_the_api(server):
    req = server.service.request_assist("associate", "fitting room 7")
    listed = httpx.get(server.url + "/api/v1/assist", headers=server.auth).json()["requests"]
    assert any(r["id"] == req["id"] and r["kind"] == "associate" and r["open"] for r in listed)
    with pytest.raises(ValueError):
        server.service.request_assist("pizza")
