"""The associate panel a staff card opens follows the shopper's looks while it is open, and only then; it
closes when its unlock ends (the shopper forgotten, the visit over)."""

from __future__ import annotations

import pytest

from kiosk.events import Notice, TrayChanged
from kiosk.identity import Customer
from kiosk.identity.events import (
    PANEL_FORGOTTEN,
    PANEL_SESSION_ENDED,
    STEP_FORGET,
    AssociatePanelClosed,
    AssociatePanelShown,
    CardTapped,
)
from kiosk.identity.prompt import ConsentAsked
from tests.unit._cores import core_config, running, with_customers
from tests.unit.test_core_intents import of, recorded, session_id, wait_for

ANNA, STAFF = "0416C6C2D73881", "DEADBEEF"


@pytest.fixture
def core(tmp_path):
    config = core_config(tmp_path)
    keyer = with_customers(config, lambda keyer: [Customer(keyer.key(ANNA), "Anna", "gold"),
                                                  Customer(keyer.key(STAFF), "Sam", staff_role="associate")])
    with running(config) as (core, events):
        yield core, events, keyer


def panels(events) -> list[dict]:
    return [e.panel for e in of(events, AssociatePanelShown)]


def shows_kept(events, look_ids) -> bool:
    """The newest panel says "Kept" on exactly ``look_ids``."""
    shown = panels(events)
    return bool(shown) and sorted(shown[-1].get("keptIds", [])) == sorted(look_ids)


def test_the_open_panel_follows_a_yes_a_new_look_and_a_deleted_one_until_it_is_closed(core):
    # The panel's "Kept" labels were worked out when it opened and after a keep done from it: a yes
    # given meanwhile, a look recorded or deleted left it saying what was true at its opening.
    core, events, keyer = core
    core.touch()
    session_id(core)
    first = recorded(core, events).look_id
    core.tap_card(keyer.key(STAFF))
    assert wait_for(lambda: panels(events)), "the staff card opens the panel"
    assert panels(events)[-1]["note"] == "The shopper has not agreed to keep their looks."

    # The shopper taps her card and says yes: the panel shows her, her look kept.
    core.tap_card(keyer.key(ANNA))
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    assert wait_for(lambda: shows_kept(events, [first])), panels(events)[-1]
    assert panels(events)[-1]["name"] == "Anna"
    assert all(e.follow_up for e in of(events, AssociatePanelShown)[1:])

    # A look recorded while the panel is open is kept with her yes: the panel says so.
    second = recorded(core, events).look_id
    assert wait_for(lambda: shows_kept(events, [first, second])), panels(events)[-1]

    # A look deleted from the tray leaves the panel.
    core.delete_look(first)
    assert wait_for(lambda: shows_kept(events, [second])), panels(events)[-1]

    # Closed, it follows nothing: the next look brings no panel back.
    core.close_associate_panel()
    shown = len(panels(events))
    third = recorded(core, events).look_id
    assert wait_for(lambda: any(third in {look.id for look in e.looks} for e in of(events, TrayChanged)))
    # Twice: the tray was published while the core handled the take; the second waits for its turn.
    assert core.flush() and core.flush()
    assert len(panels(events)) == shown


def closed(events) -> list[str]:
    return [e.reason for e in of(events, AssociatePanelClosed)]


def test_the_open_panel_closes_when_the_shopper_is_forgotten_and_when_the_visit_ends(core):
    # Forgotten, the shopper's panel stayed up (following her tray, now empty) still unlocked; a
    # visit's end took it down on the screen only by the screen's own rule, and the core said nothing.
    core, events, keyer = core
    core.touch()
    session_id(core)
    core.tap_card(keyer.key(STAFF))
    core.tap_card(keyer.key(ANNA))
    assert wait_for(lambda: of(events, ConsentAsked))
    core.answer_consent(True)
    assert wait_for(lambda: panels(events) and panels(events)[-1]["name"] == "Anna")
    core.tap_card(keyer.key(ANNA))  # her card again: "forget me"
    assert wait_for(lambda: of(events, CardTapped) and of(events, CardTapped)[-1].next_step == STEP_FORGET)
    core.forget_me()
    assert wait_for(lambda: closed(events)) and closed(events) == [PANEL_FORGOTTEN]
    assert not core.parts.identity.panel_unlocked, "the staff card's unlock ends with her"
    assert core.flush() and core.flush()
    assert not any("associate panel closed" in e.text for e in of(events, Notice))  # she reads "Done…"

    core.tap_card(keyer.key(STAFF))  # opened again, then the visit ends
    shown = len(panels(events))
    assert wait_for(lambda: len(panels(events)) > shown)
    core.end_session()
    assert wait_for(lambda: len(closed(events)) == 2) and closed(events)[-1] == PANEL_SESSION_ENDED
