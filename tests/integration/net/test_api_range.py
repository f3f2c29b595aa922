"""HTTP Range on look videos and share links, checked byte for byte against the file."""

from __future__ import annotations

import httpx
import pytest

API = "/api/v1"


@pytest.fixture(scope="module")
def video(server):
    path = server.looks.root / "looks" / f"{server.looks.consented}.mp4"
    return path.read_bytes()


@pytest.fixture(scope="module")
def share_url(server):
    r = httpx.post(server.url + f"{API}/looks/{server.looks.consented}/share", headers=server.auth)
    return r.json()["url"]


def _expected(data: bytes, spec: str) -> tuple[int, int]:
    """(first, last) byte of a single range spec like 0-99, 100- or -500."""
    size = len(data)
    first, _, last = spec.partition("-")
    if first == "":
        return size - int(last), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


SPECS = ["0-0", "0-99", "100-", "-500", "1000-1999", "5-4095", "0-99999999"]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("where", ["api", "share"])
def test_single_ranges_are_exact(server, video, share_url, spec, where):
    url = server.url + f"{API}/looks/{server.looks.consented}/video" if where == "api" else share_url + "/video"
    r = httpx.get(url, headers={**server.auth, "Range": f"bytes={spec}"})
    first, last = _expected(video, spec)
    assert r.status_code == 206
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["content-range"] == f"bytes {first}-{last}/{len(video)}"
    assert int(r.headers["content-length"]) == last - first + 1
    assert r.content == video[first : last + 1]


def test_a_browser_style_sequence_reassembles_the_file(server, video):
    url = server.url + f"{API}/looks/{server.looks.consented}/video"
    chunks, pos, step = [], 0, 7919  # a prime, so chunk edges land everywhere
    with httpx.Client(headers=server.auth) as client:
        while pos < len(video):
            r = client.get(url, headers={"Range": f"bytes={pos}-{pos + step - 1}"})
            assert r.status_code == 206
            chunks.append(r.content)
            pos += len(r.content)
    assert b"".join(chunks) == video


def test_range_past_the_end_is_416(server, video):
    r = httpx.get(
        server.url + f"{API}/looks/{server.looks.consented}/video",
        headers={**server.auth, "Range": f"bytes={len(video)}-{len(video) + 10}"},
    )
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{len(video)}"


def test_head_and_download_name(server, video, share_url):
    head = httpx.head(share_url + "/video")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(video)
    dl = httpx.get(share_url + "/video?download=1")
    assert dl.status_code == 200 and dl.content == video
    assert dl.headers["content-disposition"].startswith("attachment;")
    assert ".mp4" in dl.headers["content-disposition"]
