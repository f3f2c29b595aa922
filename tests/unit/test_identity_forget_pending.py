""""Forget me" left unfinished by a locked database, across a restart: the card keys still to forget are
kept on disk beside the customer directory (``forgets-pending.json``), read back at start and finished
at the first try after it; nothing else about her is in the file, and nothing is left once done."""

from __future__ import annotations

import json
import logging
import math
import stat

import pytest

import kiosk.identity.directory as directory_module
import kiosk.library.schema as library_schema
from hardware.card_tap import CardEvent
from kiosk.events import EventBus
from kiosk.identity import STEP_FORGET, AssociatePanel, CardPresented, CardTapped, ConsentDesk, Customer
from kiosk.identity import CustomerForgotten, IdentityError
from kiosk.identity.pending import FILENAME, PendingForgets
from kiosk.identity.service import FORGET_UNFINISHED, Identity, IdentityParts
from tests.unit._locks import locked, short_busy_timeout
from tests.unit.test_identity_consent import ANNA_UID, KEYER, V, DrivenReader, add_look, stores
from tests.unit.test_identity_forget_locked import tap

ANNA = KEYER.key(ANNA_UID)


@pytest.fixture(autouse=True)
def answered_soon(monkeypatch):
    """A locked database answers in 0.2 s instead of the kiosk's 10 s."""
    short_busy_timeout(monkeypatch, directory_module, library_schema)


library, directory = stores(Customer(ANNA, "Anna"))


def started(directory, library, pending_path):
    """The identity part as ``build_identity`` makes it (its unfinished forgets kept at ``pending_path``),
    started; her card on the reader is tapped in ``session["id"]``."""
    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    desk = ConsentDesk(directory, library, notify=bus.emit)
    reader = DrivenReader()
    parts = IdentityParts(bus, reader, lambda: KEYER, directory, desk, AssociatePanel(directory, desk, library),
                          library, PendingForgets(pending_path))
    service = Identity(parts)
    session = {"id": None}
    bus.subscribe(lambda e: service.tap(e.card_key, session["id"], e.protocol) if isinstance(e, CardPresented) else None)
    service.start()
    return service, reader, session, events


def left_unfinished(library, directory, tmp_path, database="identity.sqlite3"):
    """Anna said yes with her card in s1 and asked to be forgotten while ``database`` (the customer
    directory unless told) was locked: the forget is unfinished."""
    service, reader, session, events = started(directory, library, tmp_path / FILENAME)
    session["id"] = "s1"
    tap(reader)
    service.consent.accept("s1", V)
    tap(reader)
    assert events[-1].next_step == STEP_FORGET
    with locked(tmp_path / database), pytest.raises(IdentityError, match=FORGET_UNFINISHED[:40]):
        service.forget_me("s1")
    return service, reader, session


@pytest.mark.parametrize("database", ["identity.sqlite3", "library/looks.db"])
def test_an_unfinished_forget_survives_a_restart_and_finishes_at_the_first_try_after_it(
        library, directory, tmp_path, database):
    # Remembered in memory only: the kiosk restarted (crash, power cut, update) before the clock's
    # retry, and her consent records and "forgotten" mark (and, looks.db locked, her looks) stayed
    # for good, though she asked.
    look = add_look(library, tmp_path, "s1", 1)
    service, reader, session = left_unfinished(library, directory, tmp_path, database)
    service.stop()

    again, reader, session, events = started(directory, library, tmp_path / FILENAME)
    assert directory.consents(card_key=ANNA) != [] and not directory.is_forgotten(ANNA), "not finished yet"
    done = again.finish_forgets()  # the first tick after start: due at once, no backoff
    looks = 0 if database == "identity.sqlite3" else 1  # deleted before the directory failed, or now
    assert [(sid, report.looks, report.consents) for sid, report in done] == [(None, looks, 1)], "nobody to tell"
    assert directory.is_forgotten(ANNA) and directory.consents(card_key=ANNA) == [] and directory.get(ANNA) is None
    assert library.find(look) is None and library.list(customer_id=ANNA) == []
    assert [e.card_key for e in events if isinstance(e, CustomerForgotten)] == [ANNA], "the network part purges then"
    assert not (tmp_path / FILENAME).exists(), "nothing left once done"
    assert again.finish_forgets(math.inf) == []
    again.stop()


def test_after_a_restart_her_tap_offers_forget_me_again(library, directory, tmp_path):
    service, reader, session = left_unfinished(library, directory, tmp_path)
    service.stop()
    with locked(directory.path):  # still locked after the restart: the first try fails again
        again, reader, session, events = started(directory, library, tmp_path / FILENAME)
        assert again.finish_forgets() == []
        session["id"] = "s2"
        tap(reader)
    tapped = [e for e in events if isinstance(e, CardTapped)][-1]
    assert tapped.next_step == STEP_FORGET and tapped.forgetting and not tapped.tied
    assert again.forget_me("s2") is not None
    assert directory.is_forgotten(ANNA) and not (tmp_path / FILENAME).exists()
    again.stop()


def test_the_file_holds_her_card_key_only_and_is_private(library, directory, tmp_path):
    service, reader, session = left_unfinished(library, directory, tmp_path)
    path = tmp_path / FILENAME
    raw = path.read_bytes()
    assert json.loads(raw) == {"format": 1, "card_keys": [ANNA]}
    for uid in (ANNA_UID, "04:16:C6:C2:D7:38:81", "04 16 C6 C2 D7 38 81"):
        assert uid.encode().lower() not in raw.lower(), "never the card number"
    assert b"Anna" not in raw and b"s1" not in raw, "nor her name or her visit"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    service.stop()


def test_a_forget_that_finishes_leaves_no_file(library, directory, tmp_path):
    service, reader, session = left_unfinished(library, directory, tmp_path)
    assert (tmp_path / FILENAME).exists()
    assert len(service.finish_forgets(math.inf)) == 1
    assert not (tmp_path / FILENAME).exists() and not (tmp_path / (FILENAME + ".part")).exists()
    # a forget that finishes at once leaves nothing either
    other = KEYER.key("DEADBEEF")
    directory.import_customers([Customer(other, "Bea")], merge=True)
    session["id"] = "s2"
    reader.listener(CardEvent("tap", "DEADBEEF", "pn532", "/dev/pts/3"))
    service.consent.accept("s2", V)
    reader.listener(CardEvent("tap", "DEADBEEF", "pn532", "/dev/pts/3"))
    assert service.forget_me("s2") is not None and directory.is_forgotten(other)
    assert not (tmp_path / FILENAME).exists()
    service.stop()


@pytest.mark.parametrize("text", ["{not json", '{"format": 1, "card_keys": "abc"}', "[1, 2]", ""])
def test_a_damaged_file_is_said_and_the_kiosk_starts_with_none_pending(library, directory, tmp_path, caplog, text):
    (tmp_path / FILENAME).write_text(text)
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.pending"):
        service, reader, session, events = started(directory, library, tmp_path / FILENAME)
    assert "could not be read" in caplog.text and "the kiosk starts with none pending" in caplog.text
    assert service.finish_forgets(math.inf) == []
    # the next forget, here one left unfinished, writes a sound file over it
    session["id"] = "s1"
    tap(reader)
    service.consent.accept("s1", V)
    tap(reader)
    with locked(directory.path), pytest.raises(IdentityError):
        service.forget_me("s1")
    assert json.loads((tmp_path / FILENAME).read_text())["card_keys"] == [ANNA]
    service.stop()


def test_an_entry_that_is_not_a_card_key_is_skipped_and_the_rest_kept(library, directory, tmp_path, caplog):
    (tmp_path / FILENAME).write_text(json.dumps({"format": 1, "card_keys": [ANNA_UID, 7, ANNA]}))
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.pending"):
        service, reader, session, events = started(directory, library, tmp_path / FILENAME)
    assert "not card keys" in caplog.text and ANNA_UID not in caplog.text
    assert [sid for sid, _ in service.finish_forgets()] == [None]
    assert directory.is_forgotten(ANNA) and not (tmp_path / FILENAME).exists()
    service.stop()


def test_a_file_that_cannot_be_written_keeps_the_forget_in_memory_and_says_so_without_her_key(
        library, directory, tmp_path, caplog):
    # (a full disk: here a folder that is not there)
    service, reader, session, events = started(directory, library, tmp_path / "gone" / FILENAME)
    session["id"] = "s1"
    tap(reader)
    service.consent.accept("s1", V)
    tap(reader)
    with caplog.at_level(logging.DEBUG, logger="kiosk.identity.pending"), locked(directory.path):
        with pytest.raises(IdentityError) as raised:
            service.forget_me("s1")
        assert str(raised.value) == FORGET_UNFINISHED, "she reads the same"
        assert service.finish_forgets(math.inf) == []  # tried again, still locked: said once
    saves = [r for r in caplog.records if "could not be saved" in r.getMessage()]
    assert saves and saves[0].levelno == logging.WARNING and {r.levelno for r in saves[1:]} == {logging.DEBUG}, \
        "said once, then quietly at each try"
    assert "a restart of the kiosk would lose them" in saves[0].getMessage()
    assert ANNA not in caplog.text and ANNA_UID not in caplog.text
    assert [sid for sid, _ in service.finish_forgets(math.inf)] == ["s1"], "still finished from memory"
    assert directory.is_forgotten(ANNA)
    service.stop()


def test_her_card_is_on_disk_before_anything_of_hers_is_deleted(library, directory, tmp_path, monkeypatch):
    # A crash (power cut, SIGKILL) between deleting her looks and deleting her records must still
    # finish at the next start: the card is written first, and the file goes once all is done.
    import kiosk.identity.service as service_module
    seen = []
    real = service_module.forget_card

    def watched(card_key, *args):
        seen.append(json.loads((tmp_path / FILENAME).read_text())["card_keys"])
        return real(card_key, *args)

    monkeypatch.setattr(service_module, "forget_card", watched)
    service, reader, session, events = started(directory, library, tmp_path / FILENAME)
    session["id"] = "s1"
    tap(reader)
    service.consent.accept("s1", V)
    tap(reader)
    assert service.forget_me("s1") is not None
    assert seen == [[ANNA]] and directory.is_forgotten(ANNA)
    assert not (tmp_path / FILENAME).exists(), "nothing left once done"
    service.stop()


def test_a_file_a_failed_save_left_naming_a_forgotten_card_is_written_again_by_the_clock(
        library, directory, tmp_path, monkeypatch):
    # The forget finished, but removing the file failed (a disk error): it still named her card, and a
    # restart weeks later would forget her again, a yes she gave since included.
    import kiosk.identity.pending as pending_module
    service, reader, session = left_unfinished(library, directory, tmp_path)
    path = tmp_path / FILENAME
    unlink = pending_module.os.unlink

    def broken(target, *args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(pending_module.os, "unlink", broken)
    assert len(service.finish_forgets(math.inf)) == 1 and directory.is_forgotten(ANNA)
    assert json.loads(path.read_text())["card_keys"] == [ANNA], "the removal failed"
    monkeypatch.setattr(pending_module.os, "unlink", unlink)  # the disk works again
    assert service.finish_forgets(math.inf) == []
    assert not path.exists(), "written again at the next tick"
    service.stop()
