"""The card reader unplugged and plugged back in, on the running mirror.

The reader is the PN532 simulator (``kiosk reader-sim``) on a pseudo-terminal behind a fixed
link, as ``/dev/serial/by-id`` names a USB reader. A shopper keeps a look with their card;
then the simulator stops (the pty closes under the kiosk, as when the USB cable is pulled),
and starts again on the same link. The mirror must keep painting, tell the shopper once that
the card reader does not work and again when it does, pick the reader up by itself within its
backoff (``reader.backoff_max_s``, 4 s here), and a tap must work again; the kept look stays
kept and tied to the card, and no thread or port handle is left behind.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import PYTHON, ROOT
from tests.integration.faults.kiosk_process import KioskProcess, ReaderSim, Setup
from tests.integration.faults.waiting import wait_until

pytestmark = [pytest.mark.ui, pytest.mark.slow]

UID = "0416C6C2D73881"
LOAD_SLACK_S = 30.0


@pytest.fixture(scope="module")
def mirror(xvfb, person_clip, tmp_path_factory):
    work = tmp_path_factory.mktemp("reader")
    library = work / "library"
    crm = work / "crm.csv"
    crm.write_text(f"card_uid,first_name,loyalty_tier\n{UID},Anna,gold\n")
    config = work / "import.toml"
    config.write_text(f'[library]\ndata_dir = "{library}"\n')
    imported = subprocess.run([PYTHON, "-m", "kiosk", "customers", "import", str(crm), "--config", str(config)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert imported.returncode == 0, imported.stderr
    reader = ReaderSim(work / "reader").plug()
    toml = f'[reader]\nport = "{reader.link}"\nprotocol = "pn532"\nbackoff_max_s = 4.0\n'
    setup = Setup(library=library, source=f"file:{person_clip}?loop=1", toml=toml)
    try:
        with KioskProcess(xvfb, work, setup) as kiosk:
            kiosk.reader = reader
            kiosk.touch()
            yield kiosk
            assert kiosk.stop() == 0, kiosk.tail()
    finally:
        reader.unplug()


def test_the_card_reader_unplugged_and_back(mirror):
    reader = mirror.reader
    mirror.live(timeout=60)
    mirror.wait_log(r"card reader \S+: connected", 0, LOAD_SLACK_S)
    look_id = mirror.record()
    wait_until(lambda: any(look["id"] == look_id for look in mirror.api("GET", "/api/v1/looks").json()["looks"]),
               "the look landing", 60)
    reader.tap(UID)  # the loyalty card: the consent question; yes keeps the look on the card
    mirror.answer(0)
    kept = wait_until(lambda: (lambda look: look if look["consent"] == "granted" else None)(mirror.looks()[0]),
                      "the look being kept", 30)
    assert kept["customer_id"]
    mirror.touch_replay(0, kept=True)  # back to the mirror (kept: Keep says "Kept ✓")
    mirror.live(timeout=30)
    before = mirror.resources()

    since = mirror.mark()
    reader.unplug()
    mirror.wait_log(r"card reader \S+: unavailable \(card reader \S+ disconnected", since, LOAD_SLACK_S)
    told = mirror.wait_shown("card reader is not working", since)
    assert "Keep" not in told, "she said yes already: Keep is gone, and pointing to it would be wrong"
    mirror.live(timeout=30)  # the mirror does not care
    assert before.threads - 1 <= mirror.resources().threads <= before.threads  # the reader thread retries, alone

    back = mirror.mark()
    reader.plug()
    mirror.wait_log(r"card reader \S+: connected", back, 4.0 + LOAD_SLACK_S)
    mirror.wait_shown("card reader works again", back)
    assert mirror.shown(since).count(told) == 1, "the outage was announced more than once"
    reader.tap(UID)  # the same card again in this visit: "forget me?" — taps work again
    mirror.answer(1)  # "No, keep my looks"
    mirror.settles_to(before, timeout=30)
    [look] = mirror.looks()
    assert look["id"] == look_id and look["consent"] == "granted" and look["customer_id"] == kept["customer_id"]
    assert not mirror.tracebacks()
