""""Forget me" at the mirror while another program holds the customer directory's write lock: she reads
why in plain words, her next take is not kept, and the core's clock finishes the forget once it can."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

import kiosk.identity.directory as directory_module
import kiosk.identity.service as identity_service
from kiosk.config import Config
from kiosk.events import CoreFault, Notice
from kiosk.identity import Customer, CustomerForgotten
from kiosk.identity.events import STEP_FORGET, CardTapped
from kiosk.identity.prompt import ConsentAsked
from kiosk.identity.setup import directory_path, load_keyer, open_directory
from kiosk.wiring import build_core
from tests.unit.test_core_intents import of, recorded, session_id, wait_for

ANNA = "0416C6C2D73881"


@pytest.fixture
def core(tmp_path, monkeypatch):
    monkeypatch.setattr(directory_module, "SCHEMA", dataclasses.replace(directory_module.SCHEMA, busy_timeout_s=0.2))
    monkeypatch.setattr(identity_service, "FORGET_RETRY_S", (0.5, 0.5))
    config = Config()
    config.library.data_dir = str(tmp_path / "lib")
    config.analysis.enabled = False
    keyer = load_keyer(config)
    with open_directory(config) as directory:
        directory.import_customers([Customer(keyer.key(ANNA), "Anna")])
    core = build_core(config, "synthetic:?width=320&height=240&fps=15", network=True)
    events = []
    core.bus.subscribe(events.append)
    core.start()
    assert wait_for(lambda: core.hub.latest() is not None)
    yield core, events, keyer.key(ANNA), config
    core.stop()


def test_forget_me_under_a_locked_directory_says_so_keeps_nothing_more_and_finishes_on_the_clock(core):
    # The button went and nothing was said (the error a CoreFault nobody sees); her looks were deleted
    # but her card stayed tied to the visit, so her next take was kept under her card.
    core, events, anna, config = core
    core.touch()
    sid = session_id(core)
    first = recorded(core, events).look_id
    core.tap_card(anna)
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    assert wait_for(lambda: core.parts.library.get(first).consented)
    core.tap_card(anna)
    assert wait_for(lambda: of(events, CardTapped) and of(events, CardTapped)[-1].next_step == STEP_FORGET)

    lock = sqlite3.connect(directory_path(config), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        core.forget_me()
        assert wait_for(lambda: any(e.text == identity_service.FORGET_UNFINISHED for e in of(events, Notice)))
        assert not of(events, CoreFault) and not of(events, CustomerForgotten)
        later = recorded(core, events).look_id
        assert core.flush()
        look = core.parts.library.find(later)
        assert look is not None and not look.consented and look.customer_id is None
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    # Unlocked, the clock's next try finishes it; she reads "Done" while still here.
    assert wait_for(lambda: of(events, CustomerForgotten))
    assert wait_for(lambda: any(e.text.startswith("Done. The mirror has forgotten you") for e in of(events, Notice)))
    with open_directory(config) as directory:
        assert directory.is_forgotten(anna) and directory.consents(card_key=anna) == []
    assert core.parts.library.list(customer_id=anna) == []
    core.end_session()
    assert wait_for(lambda: core.parts.library.find(later) is None), "the unkept take goes with the visit"
    assert sid is not None
