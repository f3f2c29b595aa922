"""The associate badge: a staff tap unlocks the panel; it shows a customer only with consent."""

from __future__ import annotations

import pytest

from hardware.card_tap import CardEvent
from kiosk.events import EventBus
from kiosk.identity import (
    STEP_ASSOCIATE,
    WORDING,
    AssociatePanel,
    CardKeyer,
    CardPresented,
    CardTapped,
    ConsentDesk,
    Customer,
    CustomerDirectory,
    Identity,
    IdentityError,
    IdentityParts,
)
from kiosk.library import Library, NewLook

KEYER = CardKeyer(bytes(range(32)))
ANNA, STAFF = "0416C6C2D73881", "DEADBEEF"


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def setup(tmp_path):
    clock = Clock()
    with Library(tmp_path / "lib") as library, CustomerDirectory(tmp_path / "id.sqlite3") as directory:
        directory.import_customers([Customer(KEYER.key(ANNA), "Anna", "gold", {"size_top": "M"}),
                                    Customer(KEYER.key(STAFF), "Carla", staff_role="associate")])
        bus = EventBus()
        desk = ConsentDesk(directory, library)
        panel = AssociatePanel(directory, desk, library, unlock_s=60, clock=clock)
        reader_listener = []

        class Reader:
            def start(self, listener):
                reader_listener.append(listener)

            def stop(self, timeout=3.0):
                pass

        service = Identity(IdentityParts(bus, Reader(), lambda: KEYER, directory, desk, panel, library))
        service.start()
        taps = []
        # What the core does with a card on the reader, in session "s1".
        bus.subscribe(lambda e: service.tap(e.card_key, "s1", e.protocol) if isinstance(e, CardPresented) else None)
        bus.subscribe(lambda e: taps.append(e) if isinstance(e, CardTapped) else None)
        yield service, panel, library, reader_listener[0], clock, tmp_path, taps


def add_look(library, tmp_path, n, session_id="s1"):
    video = tmp_path / f"v{n}.mp4"
    video.write_bytes(b"\x00" * 10)
    look_id = f"look-{n:012d}"
    library.add_look(NewLook(look_id, video, None, None, 1.0e9 + n, 2.0, 720, 1280, session_id=session_id))
    return look_id


def test_panel_needs_a_staff_tap_and_locks_itself(setup):
    service, panel, library, tap, clock, tmp_path, taps = setup
    with pytest.raises(IdentityError, match="tap a staff card"):
        panel.view("s1")
    tap(CardEvent("tap", ANNA, "pn532", "p"))  # a customer card unlocks nothing
    assert panel.staff_role is None
    tap(CardEvent("tap", STAFF, "pn532", "p"))
    assert taps[-1].next_step == STEP_ASSOCIATE and panel.staff_role == "associate"
    clock.now += 61
    with pytest.raises(IdentityError):
        panel.view("s1")


def test_customer_shown_only_with_consent_and_look_moved(setup):
    service, panel, library, tap, clock, tmp_path, taps = setup
    look = add_look(library, tmp_path, 1)
    tap(CardEvent("tap", ANNA, "pn532", "p"))
    tap(CardEvent("tap", STAFF, "pn532", "p"))
    view = panel.view("s1")
    assert not view.consented and view.customer is None and "not agreed" in view.note
    with pytest.raises(IdentityError, match="not agreed"):
        panel.move_look(look, "s1")

    service.consent.accept("s1", WORDING.version)
    view = panel.view("s1")
    assert view.customer.first_name == "Anna" and view.customer.preferences == {"size_top": "M"}
    assert [l.id for l in view.looks] == [look]
    later = add_look(library, tmp_path, 2)  # e.g. recorded while the associate helped
    panel.move_look(later, "s1")
    assert library.get(later).customer_id == KEYER.key(ANNA) and library.get(later).consented
    other = add_look(library, tmp_path, 3, session_id="s0")
    with pytest.raises(IdentityError, match="not recorded in this session"):
        panel.move_look(other, "s1")

    service.session_ended("s1")
    assert panel.staff_role is None  # the next shopper starts with the panel closed
