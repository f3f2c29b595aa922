"""The kiosk's log, through a whole visit: one line per event with its session, and nothing private.

A kiosk with a card reader on a real pseudo-terminal (the PN532 simulator), the look library,
identity and the network part (loopback only) goes through a visit: the card is tapped, the
shopper says yes, a look is recorded and shared as a QR code, the card is tapped again and the
shopper asks to be forgotten. Every log line of every logger, down to DEBUG, is then searched
for the card's number in any spelling, its key, the customer's name, the share link and any
image data (PNG bytes or long base64 runs).
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
import time

import pytest

from kiosk.config import Config
from kiosk.identity.events import STEP_CONSENT, STEP_FORGET, CardTapped, CustomerForgotten
from kiosk.identity.prompt import ConsentAsked, ConsentPromptClosed
from kiosk.events import ShareShown
from kiosk.recording.events import LookRecorded, RecordingStarted
from kiosk.wiring import build_core, build_reader_sim
from tests.integration.faults.waiting import wait_until

pytestmark = [pytest.mark.slow]

UID = "0416C6C2D73881"
NAME = "Annabelle"


class Seen:
    """The bus events of one kind, with a wait."""

    def __init__(self, bus) -> None:
        self.events: list = []
        self.cond = threading.Condition()
        bus.subscribe(self._add)

    def _add(self, event) -> None:
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def wait(self, kind, where=lambda e: True, timeout: float = 30.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: any(isinstance(e, kind) and where(e) for e in self.events), timeout)
        assert ok, f"no {kind.__name__} within {timeout:g} s"
        return [e for e in self.events if isinstance(e, kind) and where(e)][-1]


def spellings(uid: str) -> list[str]:
    pairs = [uid[i:i + 2] for i in range(0, len(uid), 2)]
    forms = [uid, ":".join(pairs), " ".join(pairs), "-".join(pairs), str(int(uid, 16))]
    return forms + [f.lower() for f in forms]


def test_a_visit_leaves_no_card_number_key_name_link_or_image_in_the_log(tmp_path, caplog):
    data = tmp_path / "data"
    crm = tmp_path / "crm.csv"
    crm.write_text(f"card_uid,first_name,loyalty_tier\n{UID},{NAME},gold\n")
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[library]\ndata_dir = "{data}"\n')
    subprocess.run([sys.executable, "-m", "kiosk", "customers", "import", str(crm), "--config", str(cfg)], check=True,
                   capture_output=True, timeout=60)

    sim = build_reader_sim("pn532", str(tmp_path / "reader"))
    sim.start()
    config = Config()
    config.library.data_dir = str(data)
    config.analysis.enabled = False
    config.reader.port, config.reader.protocol = sim.path, "pn532"
    config.api.port, config.api.bind, config.api.announce, config.api.token = 0, "127.0.0.1", False, "t" * 32
    config.api.public_url = "http://127.0.0.1:9"
    core = build_core(config, "synthetic:?width=320&height=240&fps=15", network=True)
    seen = Seen(core.bus)
    caplog.set_level(logging.DEBUG)
    core.start()
    try:
        assert sim.connected.wait(20), "the kiosk did not open the card reader"
        sim.present(UID)
        tapped = seen.wait(CardTapped)
        sim.remove()
        assert tapped.next_step == STEP_CONSENT and tapped.first_name == NAME
        session = tapped.session_id
        seen.wait(ConsentAsked)
        core.answer_consent(True)
        seen.wait(ConsentPromptClosed)
        # A take needs a picture: the camera running.
        wait_until(lambda: core.camera_status().state == "running", "the camera delivering a picture", 20, every=0.05)
        core.start_recording()
        seen.wait(RecordingStarted)
        time.sleep(1.5)  # a look of a second and a half
        core.stop_recording()
        look = seen.wait(LookRecorded)
        core.share(look.look_id)
        shown = seen.wait(ShareShown)
        assert shown.qr_png.startswith(b"\x89PNG")
        time.sleep(config.reader.removal_s + 0.3)  # the card was taken away before the second tap
        sim.present(UID)
        again = seen.wait(CardTapped, lambda e: e.next_step == STEP_FORGET)
        sim.remove()
        core.forget_me()
        seen.wait(CustomerForgotten)
        key = tapped.card_key
    finally:
        core.stop()
        sim.stop()

    lines = [record.getMessage() + (("\n" + record.exc_text) if record.exc_text else "") for record in caplog.records]
    text = "\n".join(lines)
    for secret in spellings(UID) + [key, key[:16], NAME, shown.url, shown.url.rsplit("/", 1)[-1]]:
        assert secret not in text, f"{secret!r} is in the log"
    assert "\x89PNG" not in text and "iVBORw0KGgo" not in text, "image data in the log"
    assert not re.search(r"[A-Za-z0-9+/=]{120,}", text), "a long base64 run in the log"
    # One line per event, each naming the session it belongs to.
    for event in (f"session {session} started", f"session {session}: card tapped (pn532 reader; a known card; next: consent)",
                  f"session {session}: consent accepted", f"session {session}: recording {look.look_id} started (manual)",
                  f"session {session}: look {look.look_id} recorded", f"session {session}: look {look.look_id} shared",
                  f"session {session}: card tapped (pn532 reader; a known card; next: forget)",
                  f"session {session}: forgot the customer: 1 look deleted"):
        assert sum(event in line for line in lines) == 1, f"expected one line with {event!r}"
    assert again.session_id == session
