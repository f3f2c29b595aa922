"""A recorded look plays in a real headless Chromium, served over HTTP like the API will."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from tests.integration.test_record_media import kiosk

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

PAGE = """<!doctype html><html><body><div id="out">pending</div>
<video id="v" src="look.mp4" muted autoplay playsinline></video>
<script>
const v = document.getElementById('v'), out = document.getElementById('out');
function show(tag) {
  out.textContent = tag + ' readyState=' + v.readyState + ' t=' + v.currentTime.toFixed(2) +
    ' size=' + v.videoWidth + 'x' + v.videoHeight + ' duration=' + v.duration.toFixed(2);
}
v.addEventListener('loadeddata', () => show('loaded'));
v.addEventListener('timeupdate', () => { if (v.currentTime > 0.5) show('played'); });
v.addEventListener('error', () => { out.textContent = 'error ' + (v.error && v.error.code); });
v.play().catch(e => { out.textContent = 'rejected ' + e; });
</script></body></html>"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(tmp_path):
    """A tiny HTTP server on 127.0.0.1 serving ``tmp_path/site``; yields (folder, base URL)."""
    site = tmp_path / "site"
    site.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={profile}",
                "--virtual-time-budget=8000", "--dump-dom", url,
            ],
            capture_output=True, text=True, timeout=90,
        )
    return result.stdout


def test_chromium_plays_a_recorded_look(served, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    site, base = served
    lib = tmp_path / "lib"
    result = kiosk("record", "--source", "synthetic:?width=640&height=360&fps=30", "--seconds", "2", "--library", str(lib))
    assert result.returncode == 0, result.stderr
    look_id = result.stdout.strip().splitlines()[-1]
    shutil.copyfile(lib / "looks" / f"{look_id}.mp4", site / "look.mp4")
    (site / "index.html").write_text(PAGE)
    dom = dump_dom(f"{base}/index.html")
    line = next((part for part in dom.split('<div id="out">')[1:2]), "").split("</div>")[0]
    assert line.startswith("played"), dom[:500]
    ready = int(line.split("readyState=")[1].split()[0])
    assert ready >= 2
    assert "size=640x360" in line
    assert 1.96 <= float(line.split("duration=")[1].split()[0]) <= 2.15  # what was recorded
