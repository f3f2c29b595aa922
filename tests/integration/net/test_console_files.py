"""The console page's own files: each script and stylesheet it names is served, typed, under its CSP."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.slow

TYPES = {"js": "text/javascript", "css": "text/css"}


def test_every_file_the_console_page_names_is_served_with_its_type(server):
    page = httpx.get(server.url + "/console")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    names = re.findall(r'<(?:script src|link rel="stylesheet" href)="(/console/[^"]+)"', page.text)
    scripts = [n for n in names if n.endswith(".js")]
    assert len(scripts) >= 6 and scripts[0] == "/console/console-api.js", scripts  # the helpers first
    for name in names:
        r = httpx.get(server.url + name)
        assert r.status_code == 200, name
        assert r.headers["content-type"].split(";")[0] == TYPES[name.rsplit(".", 1)[1]], name
        assert r.headers["content-security-policy"] == csp, name
    assert httpx.get(server.url + "/console/console.html").status_code == 404  # a fixed list, nothing else
