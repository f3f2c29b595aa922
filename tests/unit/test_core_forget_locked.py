""""Forget me" at the mirror while another program holds the customer directory's write lock: she reads
why in plain words, her next take is not kept, and the core's clock finishes the forget once it can."""

from __future__ import annotations

import pytest

import kiosk.identity.directory as directory_module
import kiosk.identity.service as identity_service
from kiosk.events import CoreFault, Notice
from kiosk.identity import Customer, CustomerForgotten
from kiosk.identity.events import STEP_FORGET, CardTapped
from kiosk.identity.prompt import ConsentAsked
from kiosk.identity.setup import directory_path, open_directory, pending_forgets_path
from tests.unit._cores import core_config, running, with_customers
from tests.unit._locks import locked, short_busy_timeout
from tests.unit.test_core_intents import of, recorded, session_id, wait_for

ANNA = "0416C6C2D73881"


@pytest.fixture
def core(tmp_path, monkeypatch):
    short_busy_timeout(monkeypatch, directory_module)
    monkeypatch.setattr(identity_service, "FORGET_RETRY_S", (0.5, 0.5))
    config = core_config(tmp_path)
    keyer = with_customers(config, lambda keyer: [Customer(keyer.key(ANNA), "Anna")])
    with running(config, network=True) as (core, events):
        yield core, events, keyer.key(ANNA), config


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

    with locked(directory_path(config)):
        core.forget_me()
        assert wait_for(lambda: any(e.text == identity_service.FORGET_UNFINISHED for e in of(events, Notice)))
        assert not of(events, CoreFault) and not of(events, CustomerForgotten)
        later = recorded(core, events).look_id
        assert core.flush()
        look = core.parts.library.find(later)
        assert look is not None and not look.consented and look.customer_id is None

    # Unlocked, the clock's next try finishes it; she reads "Done" while still here.
    assert wait_for(lambda: of(events, CustomerForgotten))
    assert wait_for(lambda: any(e.text.startswith("Done. The mirror has forgotten you") for e in of(events, Notice)))
    with open_directory(config) as directory:
        assert directory.is_forgotten(anna) and directory.consents(card_key=anna) == []
    assert core.parts.library.list(customer_id=anna) == []
    core.end_session()
    assert wait_for(lambda: core.parts.library.find(later) is None), "the unkept take goes with the visit"
    assert sid is not None


def test_a_forget_left_unfinished_when_the_kiosk_stops_is_finished_by_its_next_start(tmp_path, monkeypatch):
    # Remembered in memory only, it was lost with the stop (a crash, a power cut, an update): her
    # consent records stayed and her card was never marked forgotten, though she asked.
    short_busy_timeout(monkeypatch, directory_module)
    monkeypatch.setattr(identity_service, "FORGET_RETRY_S", (600.0, 600.0))  # the clock does not retry before the stop
    config = core_config(tmp_path)
    anna = with_customers(config, lambda keyer: [Customer(keyer.key(ANNA), "Anna")]).key(ANNA)
    with running(config) as (core, events):
        core.touch()
        core.tap_card(anna)
        assert wait_for(lambda: of(events, ConsentAsked))
        core.answer_consent(True)
        core.tap_card(anna)
        assert wait_for(lambda: of(events, CardTapped) and of(events, CardTapped)[-1].next_step == STEP_FORGET)
        with locked(directory_path(config)):
            core.forget_me()
            assert wait_for(lambda: any(e.text == identity_service.FORGET_UNFINISHED for e in of(events, Notice)))
    assert pending_forgets_path(config).exists()

    with running(config) as (core, events):
        assert wait_for(lambda: of(events, CustomerForgotten)), "the first ticks after the start finish it"
        assert not any(e.text.startswith("Done.") for e in of(events, Notice)), "nobody at the mirror to tell"
    with open_directory(config) as directory:
        assert directory.is_forgotten(anna) and directory.consents(card_key=anna) == []
    assert not pending_forgets_path(config).exists()
