"""On the real mirror window, with a card reader on a real pseudo-terminal (the PN532 simulator):
a tap asks the consent question, yes keeps the visit's look on the card (the replay's buttons
stay where they were), a second tap offers "forget me", and yes deletes everything."""

from __future__ import annotations

import json
import subprocess
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PYTHON
from tests.integration.test_mirror_keep import kept_column, replay_column
from tests.integration.test_mirror_share import H, RECORD, W, choice_buttons, record_a_take
from tests.integration.test_mirror_window import MirrorWindow, markers_visible

pytestmark = [pytest.mark.ui, pytest.mark.slow]

UID = "0416C6C2D73881"


def looks(library) -> list[dict]:
    out = subprocess.run(
        [PYTHON, "-m", "kiosk", "looks", "list", "--library", str(library), "--json"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


@contextmanager
def reader_sim(link: Path):
    """``kiosk reader-sim`` as a child process on ``link``; write a UID line to its stdin to tap that card."""
    sim = subprocess.Popen(
        [PYTHON, "-m", "kiosk", "reader-sim", "--protocol", "pn532", "--link", str(link)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert sim.stdout.readline().strip(), "reader-sim printed no port"
        yield sim
    finally:
        sim.stdin.close()
        sim.terminate()
        sim.wait(10)


@pytest.fixture
def reader(tmp_path):
    """The PN532 simulator on ``tmp_path/reader``: (link, the simulator's process)."""
    link = tmp_path / "reader"
    with reader_sim(link) as sim:
        yield link, sim


def greeting_lit(image) -> bool:
    """White letters in the messages' band at the top: drawn above a dialog's shading, not under
    it (where white would be dimmed to grey like the picture)."""
    return int((image[72:130].min(axis=2) > 200).sum()) > 40


def recording_notice(image) -> bool:
    """The red "Recording" notice at the top centre, at full strength (over a black picture its
    red is about 130; under a dialog's shading it would be half that)."""
    top = image[:60, image.shape[1] // 2 - 80: image.shape[1] // 2 + 80].astype(np.int16)
    b, g, r = top[..., 0], top[..., 1], top[..., 2]
    return int(((r > 110) & (r - np.maximum(g, b) > 90)).sum()) >= 300


def tap(sim) -> None:
    sim.stdin.write(f"{UID}\n")
    sim.stdin.flush()


def test_tap_consent_keep_then_forget_me(xvfb, tmp_path, reader):
    link, sim = reader
    library = tmp_path / "library"
    crm = tmp_path / "crm.csv"
    crm.write_text(f"card_uid,first_name,loyalty_tier\n{UID},Anna,gold\n")
    cfg = tmp_path / "import.toml"
    cfg.write_text(f'[library]\ndata_dir = "{library}"\n')
    subprocess.run([PYTHON, "-m", "kiosk", "customers", "import", str(crm), "--config", str(cfg)], check=True,
                   capture_output=True)
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with MirrorWindow(xvfb, tmp_path, W, H, library=library, mirror=False, extra_toml=extra) as win:
        win.touch(W // 2, 40)
        win.wait_for(markers_visible, "the camera picture")
        record_a_take(win)
        win.wait_until(lambda: looks(library), "the look in the library")
        assert [look["consent"] for look in looks(library)] == ["none"]
        before = replay_column(win)  # the take replays, Keep among its buttons

        tap(sim)  # the loyalty card: the consent question comes up, "Hello, Anna!" above its shading
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2 and greeting_lit(im),
                              "the consent question with the greeting readable above it")
        win.touch(W // 2, choice_buttons(dialog)[0])  # "Yes, keep my looks"
        win.wait_until(lambda: looks(library)[0]["consent"] == "granted", "the consent on the look", timeout=10)
        kept = looks(library)[0]
        assert kept["consent"] == "granted" and kept["customer_id"], kept
        assert UID not in json.dumps(kept), "the raw card number must never be stored"
        kept_column(win, before)  # kept by the card: "Kept ✓" in Keep's place, Share and Delete unmoved

        # the card leaves the reader before the next tap (the reader says so in the log)
        win.wait_until(lambda: "card removed" in win.log.read_text(), "the card leaving the reader", timeout=10)
        tap(sim)  # the same card again: "forget me?"
        dialog = win.wait_for(lambda im: len(choice_buttons(im)) == 2, "the forget-me question")
        win.touch(W // 2, choice_buttons(dialog)[0])  # "Yes, forget me"
        win.wait_until(lambda: looks(library) == [], "the looks deleted", timeout=10)
        assert UID not in win.log.read_text(), "the raw card number must never reach the log"
    shown = subprocess.run(
        [PYTHON, "-m", "kiosk", "customers", "show", "--uid", UID, "--config", str(cfg), "--json"],
        capture_output=True, text=True,
    )
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["customer"] is None, "forget me must delete the customer's record too"
    assert record["forgotten"] is True and record["card_key"]


def test_the_recording_notice_stays_bright_above_a_question(xvfb, tmp_path, reader):
    # A card tapped mid-take brings the consent question, whose shading dims the screen; the red
    # "Recording" notice must not dim with it: the shopper must always see that the camera records.
    link, sim = reader
    extra = f'[reader]\nport = "{link}"\nprotocol = "pn532"\n[analysis]\nenabled = false\n'
    with MirrorWindow(xvfb, tmp_path, W, H, library=tmp_path / "library", mirror=False, extra_toml=extra) as win:
        win.touch(W // 2, 40)
        win.wait_for(markers_visible, "the camera picture")
        win.touch(*RECORD)
        win.wait_until(lambda: win.api("/status")["state"] == "recording", "the recording start")
        win.wait_for(recording_notice, "the Recording notice")
        tap(sim)
        win.wait_for(lambda im: len(choice_buttons(im)) == 2 and recording_notice(im),
                     "the consent question with the Recording notice bright above its shading")
