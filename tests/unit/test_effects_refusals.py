"""Share, Delete, a call for help and the identity part's intents (a card tap, "forget me", the
associate panel, "keep for customer") refused by the mirror's own parts (a database another
program holds locked, the network part off): the shopper reads one plain sentence; the file and the
error are in the journal only, for store IT. The identity part's own refusals keep their words."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from hardware.card_tap import CardEvent
from kiosk.effects import (
    DELETE_FAILED,
    FORGET_FAILED,
    KEEP_FOR_CUSTOMER_FAILED,
    PANEL_FAILED,
    Effects,
)
from kiosk.errors import IdentityError, LibraryError
from kiosk.events import EventBus, Notice
from kiosk.identity import WORDING, AssociatePanel, CardKeyer, ConsentDesk, Customer, CustomerDirectory, Identity, IdentityParts
from kiosk.identity.consent import TAP_NOT_SAVED
from kiosk.identity.events import CardPresented
from kiosk.library import Library, NewLook, RetentionPolicy
from kiosk.net.db import NetworkDatabase
from kiosk.share_consent import SHARE_FAILED, SHARE_OFF
from kiosk.studio import Studio
from tests.unit._locks import locked
from tests.unit.test_library_looks import add


def impatient(db) -> None:
    """Give up on a lock after 0.1 s rather than the kiosk's 10 s."""
    with db.reading() as conn:
        conn.execute("PRAGMA busy_timeout = 100")


def effects(**parts):
    bus, notices = EventBus(), []
    bus.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
    return Effects(SimpleNamespace(bus=bus, **parts)), notices


def shown_plainly(text: str) -> None:
    assert "/" not in text and "database" not in text and "locked" not in text, text


@pytest.fixture
def library(tmp_path):
    with Library(tmp_path / "lib") as lib:
        yield lib


def test_a_delete_refused_by_a_locked_look_database_says_so_plainly_and_keeps_the_tile(library, caplog):
    look = add(library, session="s1")
    recorder = SimpleNamespace(room_to_record=lambda: True, cannot_write=lambda: "")
    studio = Studio(library, recorder, EventBus(), RetentionPolicy())
    studio.session_started("s1")
    fx, notices = effects(studio=studio)
    impatient(library)
    with locked(library.layout.db):
        with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
            fx.delete_look(look.id)
    assert [(n.text, n.topic) for n in notices] == [(DELETE_FAILED, "studio")]
    shown_plainly(notices[0].text)
    assert library.find(look.id) is not None and studio.find(look.id) is not None  # nothing was deleted
    logged = [r.getMessage() for r in caplog.records if look.id in r.getMessage()]
    assert logged and "locked" in logged[0] and str(library.layout.db) in logged[0], logged
    fx.delete_look(look.id)  # the lock is gone: the same tap works
    assert notices[-1].text == "Look deleted." and library.find(look.id) is None


def test_a_share_refused_by_a_locked_network_database_says_so_plainly(tmp_path, caplog):
    look = SimpleNamespace(id="L1", consented=True)
    studio = SimpleNamespace(find=lambda look_id: look, vanished=lambda look_id: False)
    with NetworkDatabase(tmp_path / "network.sqlite3") as db:
        impatient(db)
        network = SimpleNamespace(available=True, share_look=lambda look_id: db.mirror_id())  # a link is a row
        fx, notices = effects(studio=studio, network=network)
        with locked(db.path):
            with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
                fx.share("L1", "s1")
    assert [(n.text, n.topic) for n in notices] == [(SHARE_FAILED, "studio")]
    shown_plainly(notices[0].text)
    logged = [r.getMessage() for r in caplog.records if "L1" in r.getMessage()]
    assert logged and "network.sqlite3" in logged[0] and "locked" in logged[0], logged


def test_a_share_on_a_mirror_whose_network_part_is_off_asks_for_an_associate(caplog):
    from kiosk.parts import NoNetwork

    look = SimpleNamespace(id="L1", consented=True)
    studio = SimpleNamespace(find=lambda look_id: look, vanished=lambda look_id: False)
    fx, notices = effects(studio=studio, network=NoNetwork())
    with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
        fx.share("L1", "s1")
    assert [n.text for n in notices] == [SHARE_OFF]  # "try again in a moment" would not help
    assert any("network service, which is off" in r.getMessage() for r in caplog.records)


# -- the identity part ----------------------------------------------------------------------------

CARD = "c0ffee-card-key"
LEAK = LibraryError("the look library /var/lib/smartmirror/looks.db could not be read (database is locked)")
INTENTS = {  # each identity intent of the effects, and what the shopper reads when a database refuses it
    "tap": (lambda fx: fx.card_presented(CardPresented(card_key=CARD, protocol="pn532"), "s1"), TAP_NOT_SAVED),
    "forget_me": (lambda fx: fx.forget_me("s1"), FORGET_FAILED),
    "associate_view": (lambda fx: fx.associate_view("s1"), PANEL_FAILED),
    "keep_for_customer": (lambda fx: fx.keep_for_customer("L1", "s1"), KEEP_FOR_CUSTOMER_FAILED),
}


def refusing_identity(error: Exception):
    def refuse(*args, **kwargs):
        raise error

    return SimpleNamespace(tap=refuse, forget_me=refuse, associate_view=refuse, keep_for_customer=refuse)


@pytest.mark.parametrize("intent", INTENTS)
def test_an_identity_intent_refused_by_a_database_says_so_plainly(intent, caplog):
    # The associate panel showed "the look library /var/lib/.../looks.db could not be read (database is locked)".
    do, plain = INTENTS[intent]
    fx, notices = effects(identity=refusing_identity(LEAK), studio=SimpleNamespace(publish_tray=lambda: None))
    with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
        do(fx)
    assert [(n.text, n.topic) for n in notices] == [(plain, "identity")]
    shown_plainly(notices[0].text)
    logged = [r.getMessage() for r in caplog.records if str(LEAK) in r.getMessage()]
    assert len(logged) == 1 and "s1" in logged[0] and CARD not in logged[0], caplog.records


@pytest.mark.parametrize("intent", INTENTS)
def test_an_identity_intent_s_own_refusal_keeps_its_words(intent):
    do, _ = INTENTS[intent]
    refusal = "tap a staff card to open the associate panel"
    fx, notices = effects(identity=refusing_identity(IdentityError(refusal)),
                          studio=SimpleNamespace(publish_tray=lambda: None))
    do(fx)
    assert [n.text for n in notices] == [refusal]


KEYER = CardKeyer(bytes(range(32)))
ANNA, STAFF = "0416C6C2D73881", "DEADBEEF"


def test_keep_for_customer_over_a_locked_look_database_says_so_plainly(tmp_path, caplog):
    """The real identity part, its library held locked by another program as the associate keeps a
    look for the customer (the panel, which only reads, still opens)."""
    with Library(tmp_path / "lib") as library, CustomerDirectory(tmp_path / "id.sqlite3") as directory:
        directory.import_customers([Customer(KEYER.key(ANNA), "Anna"),
                                    Customer(KEYER.key(STAFF), "Carla", staff_role="associate")])
        bus, listeners = EventBus(), []
        reader = SimpleNamespace(start=listeners.append, stop=lambda timeout=3.0: None)
        desk = ConsentDesk(directory, library)
        identity = Identity(IdentityParts(bus, reader, lambda: KEYER, directory, desk,
                                          AssociatePanel(directory, desk, library, unlock_s=60), library))
        identity.start()
        bus.subscribe(lambda e: identity.tap(e.card_key, "s1", e.protocol) if isinstance(e, CardPresented) else None)
        listeners[0](CardEvent("tap", ANNA, "pn532", "p"))
        identity.consent.accept("s1", WORDING.version)
        listeners[0](CardEvent("tap", STAFF, "pn532", "p"))
        video = tmp_path / "v.mp4"
        video.write_bytes(b"\x00" * 10)
        library.add_look(NewLook("look-000000000001", video, None, None, 1.0e9, 2.0, 720, 1280, session_id="s1"))
        notices = []
        bus.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
        fx = Effects(SimpleNamespace(bus=bus, identity=identity, library=library,
                                     studio=SimpleNamespace(publish_tray=lambda: None)))
        assert fx.associate_view("s1")["name"] == "Anna"
        impatient(library)
        with locked(library.layout.db):
            with caplog.at_level(logging.WARNING, logger="kiosk.effects"):
                fx.keep_for_customer("look-000000000001", "s1")
        fx.keep_for_customer("look-000000000001", "s1")  # the lock is gone: the same tap works
        identity.stop()
    assert [n.text for n in notices] == [KEEP_FOR_CUSTOMER_FAILED, "The look is now on the customer's card."]
    shown_plainly(notices[0].text)
    logged = [r.getMessage() for r in caplog.records if "locked" in r.getMessage()]
    assert len(logged) == 1 and "looks.db" in logged[0] and KEYER.key(ANNA) not in logged[0], logged
