"""The network database on the storage layer: same methods, private files, rebuilt when damaged."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from kiosk.net.db import MIGRATIONS, NetworkDatabase, NetworkDatabaseError
from kiosk.net.shares import ShareStore


def test_a_version_1_file_opens_with_its_mirror_id(tmp_path):
    path = tmp_path / "network.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)  # as the first network layer left it
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO meta VALUES ('mirror_id', 'the-old-id')")
    conn.close()
    db = NetworkDatabase(path)
    db.open()
    try:
        assert db.mirror_id() == "the-old-id"
        assert db.query("PRAGMA user_version")[0][0] == len(MIGRATIONS)
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        db.close()


def test_newer_file_is_refused(tmp_path):
    path = tmp_path / "network.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(NetworkDatabaseError, match="newer version of the kiosk"):
        NetworkDatabase(path).open()


def test_write_errors_are_the_layers_error(tmp_path):
    db = NetworkDatabase(tmp_path / "network.sqlite3")
    db.open()
    try:
        with pytest.raises(NetworkDatabaseError, match="could not be written .*nothing was changed"):
            with db.transaction() as conn:
                conn.execute("INSERT INTO meta VALUES ('k', NULL)")
    finally:
        db.close()


def test_a_damaged_file_is_rebuilt_keeping_what_can_be_read(tmp_path, caplog):
    path = tmp_path / "network.sqlite3"
    db = NetworkDatabase(path)
    db.open()
    mirror_id = db.mirror_id()
    shares = ShareStore(db, 3600)
    links = [shares.create(f"look-{i}") for i in range(300)]
    with db.transaction() as conn:  # a big outbox entry pushes the shares' pages apart from meta
        conn.execute("INSERT INTO outbox (delivery_id, kind, body, created_at, next_at) VALUES ('d', 'k', ?, 0, 0)",
                     (b"x" * 20000,))
    db.close()
    size = path.stat().st_size
    with open(path, "r+b") as f:  # break the last pages (the outbox); meta and most shares stay readable
        f.seek(size - 8192)
        f.write(b"\xa5" * 8192)
    with caplog.at_level(logging.WARNING):
        db = NetworkDatabase(path).open()
    try:
        assert db.mirror_id() == mirror_id  # the mirror is still the same mirror to the console
        found = ShareStore(db, 3600).find(links[0].token)
        assert found is not None and found.look_id == "look-0" and found.revoked_at is None
        assert "the network database" in caplog.text and "was damaged" in caplog.text
        assert list(tmp_path.glob("network.sqlite3.damaged-*"))
    finally:
        db.close()
