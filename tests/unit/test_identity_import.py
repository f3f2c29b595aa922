"""CRM exports: CSV and JSON, refresh, and bad rows refused with the row named."""

from __future__ import annotations

import json

import pytest

from kiosk.identity import CardKeyer, CustomerDirectory, CustomerImportError, read_export

KEYER = CardKeyer(bytes(range(32)))
CSV = (
    "card_uid;first_name;last_name;loyalty_tier;staff_role;pref_size_top;pref_brands;opt_in_email;email\n"
    "04:16:C6:C2:D7:38:81;Anna;Smith;gold;;M;Acme, Bravo;yes;anna@example.com\n"
    "\n"
    "67003b51c6;Ben;Jones;silver;;L;;no;\n"
    "DEADBEEF;Carla;;;Associate;;;;\n"
)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_export(tmp_path):
    export = read_export(write(tmp_path, "crm.csv", "\ufeff" + CSV), KEYER.key)
    anna, ben, carla = export.customers
    assert anna.card_key == KEYER.key("0416C6C2D73881")
    assert (anna.first_name, anna.tier, anna.staff_role) == ("Anna", "gold", None)
    assert anna.preferences == {"size_top": "M", "brands": "Acme, Bravo"}
    assert anna.opt_in == {"email": True} and ben.opt_in == {"email": False}
    assert carla.is_staff and carla.staff_role == "associate"
    assert export.ignored_fields == ["email", "last_name"]
    # Nothing of the card number or the ignored columns is kept.
    stored = json.dumps([c.to_dict() for c in export.customers])
    assert "0416C6C2D73881" not in stored.upper() and "Smith" not in stored and "example.com" not in stored


def test_json_export_matches_csv(tmp_path):
    data = {"customers": [
        {"card_uid": "04:16:C6:C2:D7:38:81", "first_name": "Anna", "loyalty_tier": "gold",
         "preferences": {"size_top": "M", "brands": ["Acme", "Bravo"]}, "opt_in": {"email": True}},
        {"card_uid": "DEADBEEF", "first_name": "Carla", "staff_role": "associate", "surname": "X"},
    ]}
    export = read_export(write(tmp_path, "crm.json", json.dumps(data)), KEYER.key)
    anna, carla = export.customers
    assert anna.card_key == KEYER.key("0416c6c2d73881")
    assert anna.preferences == {"size_top": "M", "brands": ["Acme", "Bravo"]}
    assert carla.is_staff and export.ignored_fields == ["surname"]


def test_refresh_through_the_directory(tmp_path):
    directory = CustomerDirectory(tmp_path / "id.sqlite3").open()
    first = read_export(write(tmp_path, "a.csv", CSV), KEYER.key)
    assert directory.import_customers(first.customers).added == 3
    second = read_export(write(tmp_path, "b.csv", "card_uid,first_name,loyalty_tier\n0416C6C2D73881,Anna,platinum\n"), KEYER.key)
    summary = directory.import_customers(second.customers)
    assert (summary.updated, summary.removed) == (1, 2)
    assert directory.get(KEYER.key("0416C6C2D73881")).tier == "platinum"
    directory.close()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.csv", "card_uid,first_name\n0416C6C2,Anna\nxyz,Bad\n", "a.csv line 3: card_uid is not a hexadecimal"),
        ("a.csv", "card_uid,first_name\n0416C6C2,Anna\n,NoCard\n", "line 3: card_uid is missing"),
        ("a.csv", "card_uid,first_name\n0416C6C2,Anna\n04:16:c6:c2,Again\n", "line 3: the same card as line 2"),
        ("a.csv", "card_uid,first_name,opt_in_sms\n0416C6C2,Anna,maybe\n", "line 2: opt-in flag 'sms' must be yes or no"),
        ("a.csv", "card_uid,first_name\n0416C6C2,Anna,extra\n", "line 2: more values than there are columns"),
        ("a.csv", "card_uid,first_name\n0416C6C2," + "A" * 80 + "\n", "first_name is longer than 60"),
        ("a.csv", "card_uid,first_name\n04,Anna\n", "card_uid has 2 hex digits; it must have 4 to 64"),
        ("a.csv", "", "the file is empty"),
        ("a.json", '[{"card_uid": "0416C6C2"}, 5]', "a.json entry 2: expected an object"),
        ("a.json", '[{"card_uid": 1234}]', "entry 1: card_uid must be text"),
        ("a.json", '[{"card_uid": "0416C6C2", "preferences": [1]}]', "entry 1: preferences must be an object"),
        ("a.json", '{"people": []}', "expected a list of customers"),
        ("a.json", "[{", "not valid JSON"),
    ],
)
def test_bad_exports_name_the_row(tmp_path, name, text, message):
    with pytest.raises(CustomerImportError, match=message.replace("(", r"\(")):
        read_export(write(tmp_path, name, text), KEYER.key)


def test_unreadable_files(tmp_path):
    with pytest.raises(CustomerImportError, match="no such file"):
        read_export(tmp_path / "missing.csv", KEYER.key)
    with pytest.raises(CustomerImportError, match="not UTF-8"):
        read_export(write(tmp_path, "latin.csv", "card_uid,first_name\n0416C6C2,Zoë\n", "latin-1"), KEYER.key)
