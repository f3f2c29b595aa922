"""Card keys (HMAC-SHA256 with the store secret) and the SQLite customer directory."""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3

import pytest

from kiosk.identity import CardKeyer, ConsentRecord, Customer, CustomerDirectory, IdentityError, load_secret

SECRET = bytes(range(32))


def test_key_is_hmac_sha256_of_the_normalised_uid():
    expected = hmac.new(SECRET, b"smartmirror/card-key/v1:0416C6C2D73881", hashlib.sha256).hexdigest()[:32]
    keyer = CardKeyer(SECRET)
    assert keyer.key("0416C6C2D73881") == expected
    assert keyer.key("04:16:c6:c2:d7:38:81") == expected
    assert keyer.key(" 04-16-C6-C2-D7-38-81 ") == expected


def test_keys_differ_per_store_and_never_contain_the_uid():
    a, b = CardKeyer(SECRET), CardKeyer(bytes(32))
    assert a.key("67003B51C6") != b.key("67003B51C6")
    assert a.key("67003B51C6") != a.key("67003B51C7")
    assert "67003b51c6" not in a.key("67003B51C6")
    assert SECRET.hex() not in repr(a) and repr(SECRET) not in repr(a)


def test_bad_uid_and_short_secret():
    with pytest.raises(ValueError):
        CardKeyer(SECRET).key("not-a-card")
    with pytest.raises(IdentityError):
        CardKeyer(b"short")


def test_secret_file_created_once_private_and_reused(tmp_path):
    path = tmp_path / "store-secret"
    with pytest.raises(IdentityError, match="does not exist"):
        load_secret(path)
    first = load_secret(path, create=True)
    assert len(first) == 32 and os.stat(path).st_mode & 0o777 == 0o600
    assert load_secret(path, create=True) == first
    path.write_text("zz\n")
    with pytest.raises(IdentityError, match="not hexadecimal"):
        load_secret(path)
    path.write_text("abcd\n")
    with pytest.raises(IdentityError, match="too short"):
        load_secret(path)


def _customer(key, name="Anna", **kw):
    return Customer(card_key=key, first_name=name, **kw)


def test_directory_import_refresh_and_merge(tmp_path):
    with CustomerDirectory(tmp_path / "id.sqlite3") as d:
        s = d.import_customers([_customer("k1", tier="gold", preferences={"size": "M"}), _customer("k2", "Ben"),
                                _customer("k3", "Carla", staff_role="associate")])
        assert (s.added, s.updated, s.removed, s.staff) == (3, 0, 0, 1)
        assert d.get("k1").preferences == {"size": "M"} and d.get("k3").is_staff
        assert [c.card_key for c in d.list(staff=True)] == ["k3"]
        # A refresh drops cards that left the CRM export and updates changed ones.
        s = d.import_customers([_customer("k1", tier="silver"), _customer("k3", "Carla", staff_role="associate")])
        assert (s.added, s.updated, s.unchanged, s.removed) == (0, 1, 1, 1)
        assert d.get("k2") is None and d.get("k1").tier == "silver"
        s = d.import_customers([_customer("k4", "Dan")], merge=True)
        assert (s.added, s.removed) == (1, 0) and d.get("k1") is not None
    assert os.stat(tmp_path / "id.sqlite3").st_mode & 0o777 == 0o600


def test_failed_import_changes_nothing(tmp_path):
    with CustomerDirectory(tmp_path / "id.sqlite3") as d:
        d.import_customers([_customer("k1")])

        def rows():
            yield _customer("k2")
            raise RuntimeError("export broke half-way")

        with pytest.raises(RuntimeError):
            d.import_customers(rows())
        assert [c.card_key for c in d.list()] == ["k1"]


def test_forget_removes_rows_and_blocks_reimport_until_new_consent(tmp_path):
    with CustomerDirectory(tmp_path / "id.sqlite3") as d:
        d.import_customers([_customer("k1"), _customer("k2", "Ben")])
        d.record_consent(ConsentRecord(1.0, "s1", "k1", "keep-looks", "accepted", "v1", "touch"))
        d.record_consent(ConsentRecord(2.0, "s2", "k2", "keep-looks", "accepted", "v1", "touch"))
        assert d.forget("k1") == {"customers": 1, "consents": 1}
        assert d.get("k1") is None and d.consents(card_key="k1") == [] and d.is_forgotten("k1")
        assert len(d.consents(card_key="k2")) == 1
        assert d.import_customers([_customer("k1"), _customer("k2", "Ben")]).skipped_forgotten == 1
        assert d.get("k1") is None
        d.record_consent(ConsentRecord(3.0, "s3", "k1", "keep-looks", "accepted", "v1", "touch"))
        assert not d.is_forgotten("k1")


def test_forgotten_names_are_not_left_on_disk(tmp_path):
    path = tmp_path / "id.sqlite3"
    with CustomerDirectory(path) as d:
        d.import_customers([_customer("k1", "Zoltanova")])
        d.forget("k1")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert b"Zoltanova" not in path.read_bytes()


def test_claim_session_ties_anonymous_answers_to_the_card(tmp_path):
    with CustomerDirectory(tmp_path / "id.sqlite3") as d:
        d.record_consent(ConsentRecord(1.0, "s1", None, "keep-looks", "accepted", "v1", "gesture"))
        assert d.claim_session("s1", "k9") == 1
        (record,) = d.consents(card_key="k9")
        assert (record.session_id, record.via) == ("s1", "gesture")


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "id.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(IdentityError, match="newer version of the kiosk"):
        CustomerDirectory(path).open()


def test_a_damaged_directory_is_refused_not_replaced_by_an_empty_one(tmp_path):
    path = tmp_path / "id.sqlite3"
    with CustomerDirectory(path) as d:
        d.import_customers([_customer(f"k{i}", "x" * 500) for i in range(100)])
        d.record_consent(ConsentRecord(1.0, "s1", "k1", "keep-looks", "accepted", "v1", "touch"))
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 8192)
    before = path.read_bytes()
    with pytest.raises(IdentityError) as refused:
        CustomerDirectory(path).open()
    message = str(refused.value)
    assert message.startswith(f"the customer directory {path} is damaged (")
    assert "will not go on with an empty one: restore it from a backup, or move it aside and import" in message
    assert "\n" not in message
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("id.sqlite3.damaged-*"))


def test_the_directory_files_are_private(tmp_path):
    with CustomerDirectory(tmp_path / "id.sqlite3") as d:
        d.import_customers([_customer("k1", "Anna")])
        for name in ("id.sqlite3", "id.sqlite3-wal", "id.sqlite3-shm"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
