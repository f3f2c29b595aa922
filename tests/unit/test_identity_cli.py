"""``kiosk customers`` as store IT uses it: import, refresh, list, show and forget."""

from __future__ import annotations

import json

import pytest

from kiosk.cli import main
from kiosk.identity import CardKeyer, CustomerDirectory, load_secret
from kiosk.library import Library, NewLook

CSV = (
    "card_uid,first_name,loyalty_tier,staff_role,pref_size_top,opt_in_email,email\n"
    "04:16:C6:C2:D7:38:81,Anna,gold,,M,yes,anna@example.com\n"
    "DEADBEEF,Carla,,associate,,,\n"
)


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[library]\ndata_dir = "{tmp_path / "data"}"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show(config, capsys):
    (config / "crm.csv").write_text(CSV)
    code, out, err = run(capsys, "customers", "import", str(config / "crm.csv"), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["added"], summary["staff"], summary["ignored_fields"]) == (2, 1, ["email"])
    code, out, _ = run(capsys, "customers", "list", "--staff", "--json")
    assert [c["first_name"] for c in json.loads(out)] == ["Carla"]
    code, out, _ = run(capsys, "customers", "show", "--uid", "0416c6c2d73881", "--json")
    info = json.loads(out)
    assert info["customer"]["first_name"] == "Anna" and info["customer"]["preferences"] == {"size_top": "M"}
    # The card number itself is nowhere in the directory file.
    db = (config / "data" / "identity.sqlite3").read_bytes()
    assert b"0416C6C2D73881" not in db.upper() and b"anna@example.com" not in db


def test_bad_file_is_one_sentence_and_changes_nothing(config, capsys):
    (config / "crm.csv").write_text(CSV)
    run(capsys, "customers", "import", str(config / "crm.csv"))
    (config / "bad.csv").write_text("card_uid,first_name\n0416C6C2D73881,Anna\nnot-a-card,Bob\n")
    code, out, err = run(capsys, "customers", "import", str(config / "bad.csv"))
    assert code == 1 and err.strip() == f"kiosk: {config / 'bad.csv'} line 3: card_uid is not a hexadecimal card number such as 04:16:C6:C2"
    assert "not-a-card" not in err  # the row is named, never the (mistyped) card number
    code, out, _ = run(capsys, "customers", "list", "--json")
    assert len(json.loads(out)) == 2


@pytest.mark.parametrize("name, text", [("header.csv", "card_uid,first_name,loyalty_tier\n"), ("none.json", "[]")])
def test_an_export_that_lists_nobody_removes_nobody_unless_asked(config, capsys, name, text):
    # A failed or cut-off CRM export: refreshing from it would drop every customer and staff card.
    (config / "crm.csv").write_text(CSV)
    run(capsys, "customers", "import", str(config / "crm.csv"))
    (config / name).write_text(text)
    code, out, err = run(capsys, "customers", "import", str(config / name))
    assert code == 2 and out == ""  # called without --allow-empty: a usage error
    assert err.strip() == (f"kiosk: {config / name} lists no customers, so importing it would remove every card from "
                           "the directory; check the export, or give --allow-empty if that is what you want")
    code, out, _ = run(capsys, "customers", "list", "--json")
    assert len(json.loads(out)) == 2
    assert run(capsys, "customers", "import", str(config / name), "--merge")[0] == 0  # adds nothing, removes nothing
    assert len(json.loads(run(capsys, "customers", "list", "--json")[1])) == 2
    code, out, _ = run(capsys, "customers", "import", str(config / name), "--allow-empty", "--json")
    assert code == 0 and json.loads(out)["removed"] == 2


def anna_with_a_kept_look(config, capsys) -> str:
    """The CRM imported, and a look Anna agreed to keep; her card key."""
    (config / "crm.csv").write_text(CSV)
    run(capsys, "customers", "import", str(config / "crm.csv"))
    key = CardKeyer(load_secret(config / "data" / "store-secret")).key("0416C6C2D73881")
    video = config / "take.mp4"
    video.write_bytes(b"\x00" * 64)
    with Library(config / "data") as library:
        library.add_look(NewLook("look-0000000000001", video, None, None, 1.0e9, 3.0, 720, 1280,
                                 session_id="s1", customer_id=key, consent_by="customer"))
    return key


def test_forget_deletes_looks_and_records(config, capsys):
    key = anna_with_a_kept_look(config, capsys)
    from kiosk.net.db import FILENAME, NetworkDatabase
    from kiosk.net.outbox import Outbox, OutboxSettings

    net = NetworkDatabase(config / "data" / FILENAME)  # a webhook entry naming the card is waiting
    net.open()
    Outbox(net, OutboxSettings("http://127.0.0.1:9/", "s" * 16), {}).enqueue("card_tapped", {"customer_id": key})
    net.close()
    code, out, err = run(capsys, "customers", "forget", "--uid", "04:16:C6:C2:D7:38:81", "--json")
    assert code == 0, err
    assert json.loads(out) == {"looks": 1, "customers": 1, "consents": 0,
                               "network": {"outbox_entries": 1, "share_links": 0, "checkpointed": True}}
    assert key.encode() not in (config / "data" / FILENAME).read_bytes()
    code, out, err = run(capsys, "customers", "show", "--key", key, "--json")
    assert code == 0 and json.loads(out)["forgotten"] is True
    with Library(config / "data") as library:
        assert library.list(customer_id=key) == []
    with CustomerDirectory(config / "data" / "identity.sqlite3") as directory:
        assert directory.get(key) is None and directory.is_forgotten(key)
    code, out, err = run(capsys, "customers", "forget", "--uid", "zz")
    assert code == 2 and "not a hexadecimal card number" in err


def test_show_before_any_import_says_nothing_is_stored(config, capsys):
    (config / "data").mkdir()  # as provisioning makes it
    code, out, err = run(capsys, "customers", "show", "--uid", "0416C6C2D73881")
    assert code == 1 and "store secret" in err and "does not exist" in err
    assert not (config / "data" / "store-secret").exists()
    code, out, _ = run(capsys, "customers", "list")
    assert code == 0 and "no customers imported yet" in out
    assert list((config / "data").iterdir()) == []  # nor a directory made by reading it


def test_a_damaged_directory_is_one_sentence_saying_how_to_recover(config, capsys):
    (config / "crm.csv").write_text(CSV)
    run(capsys, "customers", "import", str(config / "crm.csv"))
    db = config / "data" / "identity.sqlite3"
    db.write_bytes(b"\x00garbage" * 4096)
    for argv in (["customers", "list"], ["customers", "import", str(config / "crm.csv")]):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == ""
        assert err.startswith(f"kiosk: the customer directory {db} is damaged (file is not a database)")
        assert "'kiosk customers import FILE'" in err and len(err.strip().splitlines()) == 1
    assert db.read_bytes() == b"\x00garbage" * 4096  # left for a backup restore, never emptied


def test_forget_after_an_import_before_the_first_start_forgets_the_customer(config, capsys):
    """Customers imported, the mirror not started yet (no look library): forget still deletes the
    card's directory entry and marks it forgotten (a person's record is never kept for want of looks)."""
    (config / "crm.csv").write_text(CSV)
    assert run(capsys, "customers", "import", str(config / "crm.csv"))[0] == 0
    assert not (config / "data" / "looks.db").exists()
    code, out, err = run(capsys, "customers", "forget", "--uid", "04:16:C6:C2:D7:38:81", "--json")
    assert code == 0, err
    assert json.loads(out) == {"looks": 0, "customers": 1, "consents": 0, "network": None}
    assert not (config / "data" / "looks.db").exists()  # still no library made there
    code, out, _ = run(capsys, "customers", "list", "--json")
    assert [c["first_name"] for c in json.loads(out)] == ["Carla"]


def test_a_forget_the_locked_directory_stops_half_way_says_so_and_finishes_when_run_again(config, capsys, monkeypatch):
    # Her looks go first; the directory, held by another program, then refuses: the sentence must not
    # say "nothing was changed" (her looks are gone), and must say how to finish.
    import kiosk.identity.directory as directory_module
    from tests.unit._locks import locked, short_busy_timeout

    short_busy_timeout(monkeypatch, directory_module)
    key = anna_with_a_kept_look(config, capsys)
    with locked(config / "data" / "identity.sqlite3", "IMMEDIATE"):
        code, out, err = run(capsys, "customers", "forget", "--uid", "04:16:C6:C2:D7:38:81")
    assert code == 1 and out == ""
    assert "could not finish" in err and "run the same command again" in err, err
    assert "nothing was changed" not in err and "Traceback" not in err, err
    with Library(config / "data") as library:
        assert library.list(customer_id=key) == [], "her looks went first"
    code, out, err = run(capsys, "customers", "forget", "--uid", "04:16:C6:C2:D7:38:81", "--json")
    assert code == 0, err
    assert json.loads(out)["customers"] == 1
