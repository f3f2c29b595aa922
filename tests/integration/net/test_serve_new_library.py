"""``kiosk serve`` on a mistyped ``--library`` comes up and says in one line that it started a new, empty library.

Store IT who typed ``--library /var/lib/smartmirror/librray`` must hear why the looks are gone
and why the mirror no longer matches the store's others (a new store secret) and is a new mirror to
the fleet (a new mirror id); the next start on that folder, now a library, says nothing.
"""

from __future__ import annotations

import signal
from pathlib import Path

from .conftest import spawn_serve

TOKEN = "new-library-token-" + "n" * 24


def serve_once(tmp_path: Path, library: Path) -> str:
    """Start ``kiosk serve`` on ``library``, stop it once it serves; its stderr."""
    config = tmp_path / "k.toml"
    # not announced: other tests count the mirrors on loopback mDNS
    config.write_text(f'[api]\nname = "New Library Test"\ntoken = "{TOKEN}"\nbind = "127.0.0.1"\nannounce = false\n')
    proc, _ = spawn_serve(config, library)  # it says it serves once every part is up: the library opened before
    try:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    return stderr


def test_serve_on_a_mistyped_library_names_the_new_empty_one_then_not_again(tmp_path):
    typo = tmp_path / "smartmirror" / "librray"
    first = serve_once(tmp_path, typo)
    said = [line for line in first.splitlines() if "no look library was in" in line]
    assert len(said) == 1, first
    assert said[0].split("WARNING ", 1)[1] == (
        f"kiosk.wiring: no look library was in {typo}; started a new, empty one there with a new store secret and "
        "a new mirror id, so the fleet sees this mirror as a new one. "
        "If you meant another folder, stop the mirror and check --library / library.data_dir")
    assert (typo / "looks.db").exists() and (typo / "store-secret").exists()
    assert (typo / "network.sqlite3").exists()  # where the new mirror id is kept
    again = serve_once(tmp_path, typo)
    assert "no look library" not in again, again
