"""Store IT's commands beside the running kiosk (``kiosk customers forget``, ``kiosk looks delete``)
reach the visit in front of the mirror at once, not at its next tap or its end."""

from __future__ import annotations

import logging

import pytest

from kiosk.cli import main
from kiosk.effects import FORGOTTEN_BY_STORE, LOOK_GONE
from kiosk.events import BY_STORE_IT, CoreFault, LookDeleted, Notice, TrayChanged
from kiosk.identity import Customer, CustomerForgotten
from kiosk.identity.prompt import ConsentAsked
from tests.unit._cores import core_config, running, with_customers
from tests.unit.test_core_intents import of, recorded, session_id, wait_for

ANNA = "0416C6C2D73881"


@pytest.fixture
def core(tmp_path):
    config = core_config(tmp_path)
    keyer = with_customers(config, lambda keyer: [Customer(keyer.key(ANNA), "Anna", "gold")])
    (tmp_path / "kiosk.toml").write_text(f'[library]\ndata_dir = "{tmp_path / "lib"}"\n')
    with running(config) as (core, events):
        yield core, events, keyer, str(tmp_path / "kiosk.toml")


def tray(events) -> set[str]:
    changes = of(events, TrayChanged)
    return {look.id for look in changes[-1].looks + changes[-1].kept} if changes else set()


def told(events) -> list[str]:
    return [e.text for e in of(events, Notice)]


@pytest.fixture
def logged():
    """What the kiosk logs, down to debug (kept on the ``kiosk`` logger: the command resets the root's
    handlers and level)."""
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger("kiosk")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_shopper_forgotten_by_store_it_at_the_mirror_is_forgotten_by_her_visit_at_once(core, logged):
    # She said yes with her card; store IT forgets her card while she still stands there. The
    # running visit kept her yes and her card: her next take would have been kept under her.
    core, events, keyer, config = core
    core.touch()
    sid = session_id(core)
    core.tap_card(keyer.key(ANNA))
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    first = recorded(core, events).look_id
    assert wait_for(lambda: first in tray(events))
    assert core.parts.identity.owner(sid) == keyer.key(ANNA)

    assert main(["customers", "forget", "--uid", ANNA, "--config", config]) == 0
    assert wait_for(lambda: FORGOTTEN_BY_STORE in told(events), 10), told(events)
    assert core.parts.identity.owner(sid) is None and not core.parts.identity.is_consented(sid)
    assert first not in tray(events)
    assert [e.card_key for e in of(events, CustomerForgotten)] == [keyer.key(ANNA)]

    # Her next take is this visit's only, not kept, and goes when she leaves.
    later = recorded(core, events).look_id
    assert core.flush()
    look = core.parts.library.get(later)
    assert not look.consented and look.customer_id is None
    core.end_session()
    assert wait_for(lambda: core.parts.library.find(later) is None)
    assert not of(events, CoreFault)
    text = "\n".join(logged)
    assert "forgotten by another program" in text
    assert ANNA not in text.upper() and keyer.key(ANNA)[:12] not in text


def test_a_look_store_it_deletes_leaves_the_tray_at_once(core):
    # ``kiosk looks delete`` reached the screen only at the tray's next change or a tap on the look.
    core, events, _keyer, config = core
    core.touch()
    session_id(core)
    first = recorded(core, events).look_id
    second = recorded(core, events).look_id
    assert wait_for(lambda: tray(events) == {first, second})

    assert main(["looks", "delete", first, "--config", config]) == 0
    assert wait_for(lambda: tray(events) == {second}, 10), tray(events)
    assert [(e.look_id, e.by) for e in of(events, LookDeleted)] == [(first, BY_STORE_IT)]
    assert wait_for(lambda: LOOK_GONE in told(events))
    assert not of(events, CoreFault)


def test_a_check_that_fails_is_a_fault_in_health_and_the_other_check_goes_on(core, monkeypatch):
    from kiosk.identity import IdentityError

    core, events, _keyer, config = core

    def locked(current):
        raise IdentityError("the customer directory could not be read (database is locked)")

    monkeypatch.setattr(core.parts.identity, "follow_directory", locked)
    core.touch()
    session_id(core)
    assert wait_for(lambda: any(e.what == "a card forgotten elsewhere" for e in of(events, CoreFault)), 10)
    health = core.health()
    assert health["alive"] and health["faults"] >= 1 and "database is locked" in health["last_fault"]

    look_id = recorded(core, events).look_id
    assert wait_for(lambda: look_id in tray(events))
    assert main(["looks", "delete", look_id, "--config", config]) == 0
    assert wait_for(lambda: look_id not in tray(events), 10), "the looks' check must still run"
