"""A tap through a real pseudo-terminal identifies the customer; built the way the kiosk wires it."""

from __future__ import annotations

import queue

import pytest

from hardware.card_reader_sim import CardReaderSim
from kiosk.config import parse_config
from kiosk.events import EventBus
from kiosk.identity import STEP_ASSOCIATE, STEP_CONSENT, STEP_FORGET, WORDING, CardPresented, CardTapped, read_export
from kiosk.identity.prompt import ConsentAsked
from kiosk.identity.setup import build_identity, load_keyer, open_directory
from kiosk.library import Library
from kiosk.wiring import build_card_reader

pytestmark = pytest.mark.timeout(60)


def test_tap_identifies_customer_and_staff(tmp_path):
    sim = CardReaderSim("pn532", link=str(tmp_path / "usb-reader"))
    sim.start()
    config = parse_config(
        {"library": {"data_dir": str(tmp_path / "data")}, "reader": {"port": sim.path, "protocol": "auto"}}, "test"
    )
    (tmp_path / "crm.csv").write_text("card_uid,first_name,staff_role\n04:16:C6:C2:D7:38:81,Anna,\nDEADBEEF,Carla,manager\n")
    with open_directory(config) as directory:
        directory.import_customers(read_export(tmp_path / "crm.csv", load_keyer(config).key).customers)

    bus = EventBus()
    taps: queue.Queue = queue.Queue()
    bus.subscribe(lambda e: taps.put(e) if isinstance(e, CardTapped) else None)
    library = Library(tmp_path / "data").open()
    service = build_identity(config, bus, build_card_reader(config), looks=library)
    # What the core does with a card on the reader, in session "s1".
    bus.subscribe(lambda e: service.tap(e.card_key, "s1", e.protocol) if isinstance(e, CardPresented) else None)
    service.start()
    try:
        assert sim.connected.wait(10)
        sim.tap("0416C6C2D73881", hold_s=0.5)
        anna = taps.get(timeout=10)
        assert (anna.first_name, anna.next_step, anna.protocol, anna.session_id) == ("Anna", STEP_CONSENT, "pn532", "s1")
        service.consent.accept("s1", WORDING.version)
        assert service.consent.owner("s1") == anna.card_key

        sim.tap("DEADBEEF", hold_s=0.5)
        staff = taps.get(timeout=10)
        assert (staff.first_name, staff.staff_role, staff.next_step) == ("Carla", "manager", STEP_ASSOCIATE)

        sim.tap("0416C6C2D73881", hold_s=0.5)
        assert taps.get(timeout=10).next_step == STEP_FORGET
        assert service.reader_state.state == "connected" and service.reader_state.protocol == "pn532"
    finally:
        service.stop()
        library.close()
        sim.stop()


def test_tap_wakes_the_real_core_and_asks_for_consent(tmp_path):
    from kiosk.wiring import build_core

    sim = CardReaderSim("rdm6300", link=str(tmp_path / "usb-rfid"))
    sim.start()
    config = parse_config({"library": {"data_dir": str(tmp_path / "data")}, "reader": {"port": sim.path},
                           "analysis": {"enabled": False}}, "test")
    core = build_core(config, "synthetic:?width=64&height=48&fps=5")
    taps: queue.Queue = queue.Queue()
    asked: queue.Queue = queue.Queue()
    core.bus.subscribe(lambda e: taps.put(e) if isinstance(e, CardTapped) else None)
    core.bus.subscribe(lambda e: asked.put(e) if isinstance(e, ConsentAsked) else None)
    core.start()
    try:
        assert core.session.session_id is None
        assert sim.connected.wait(10)
        sim.tap("67003B51C6", hold_s=0.5)
        tap = taps.get(timeout=10)
        assert core.session.session_id is not None  # the tap woke the mirror
        assert (tap.session_id, tap.next_step, tap.known, tap.protocol) == (
            core.session.session_id, STEP_CONSENT, False, "rdm6300")
        assert asked.get(timeout=10).offer.session_id == tap.session_id  # and the question is on screen
    finally:
        core.stop()
        sim.stop()
