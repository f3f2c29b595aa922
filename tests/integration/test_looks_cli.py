"""`kiosk looks ...` on a real library folder: list, export, delete, purge, recover, bad input."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from kiosk.library import Library
from kiosk.recording.take import finish
from kiosk.users import user_name
from tests.conftest import AS_ANOTHER_USER, PYTHON
from tests.integration.test_record_media import assert_playable_mp4, kiosk, library_state
from tests.unit._locks import locked, short_busy_timeout
from tests.unit.test_recording_recovery import crashed_take, json_meta

KEYS = ("id", "created", "duration_s", "width", "height", "bytes", "path", "consent")


@pytest.fixture
def lib(tmp_path) -> Path:
    """A library with two real looks (1.5 s and 2 s of tiny H.264)."""
    folder = tmp_path / "lib"
    with Library(folder) as library:
        for seconds in (1.5, 2.0):
            look_id = crashed_take(library, seconds)
            take = library.layout.take_dir(look_id)
            library.add_look(finish(take, json_meta(take), 0.0, stills=True))
            for path in take.iterdir():
                path.unlink()
            take.rmdir()
    return folder


def looks(*args: str, lib: Path):
    return kiosk("looks", *args, "--library", str(lib), timeout=60)


def test_list_json_and_text(lib):
    result = looks("list", "--json", lib=lib)
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert len(items) == 2 and all(all(key in item for key in KEYS) for item in items)
    assert sorted(item["duration_s"] for item in items) == pytest.approx([1.5, 2.0], abs=0.04)
    for item in items:
        assert item["bytes"] == Path(item["path"]).stat().st_size and item["consent"] == "none"
    text = looks("list", lib=lib)
    assert text.returncode == 0 and all(item["id"] in text.stdout for item in items)


def test_export_copies_the_video(lib, tmp_path):
    look = next(iter(library_state(lib).values()))
    out = tmp_path / "copy.mp4"
    result = looks("export", look["id"], "--out", str(out), lib=lib)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == Path(look["path"]).read_bytes()
    assert_playable_mp4(out)
    again = looks("export", look["id"], "--out", str(out), lib=lib)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_delete_removes_the_look_and_its_files(lib):
    state = library_state(lib)
    look_id = next(iter(state))
    result = looks("delete", look_id, lib=lib)
    assert result.returncode == 0, result.stderr
    after = library_state(lib)
    assert look_id not in after and len(after) == 1
    assert not [p for p in (lib / "looks").iterdir() if p.name.startswith(look_id)]


def test_delete_revokes_the_looks_share_links_as_the_api_does(lib):
    from kiosk.net.db import NetworkDatabase
    from kiosk.net.shares import ShareStore

    look_id, other = list(library_state(lib))
    db = NetworkDatabase(lib / "network.sqlite3").open()
    try:
        shares = ShareStore(db, 3600)
        links = [shares.create(look_id), shares.create(look_id), shares.create(other)]
    finally:
        db.close()
    result = looks("delete", look_id, lib=lib)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"deleted {look_id}; 2 share links revoked"
    db = NetworkDatabase(lib / "network.sqlite3").open()
    try:
        shares = ShareStore(db, 3600)
        assert [shares.opens(link.token) for link in links] == [False, False, True]
    finally:
        db.close()


def delete_in_process(lib: Path, config: Path, look_id: str, capsys) -> tuple[int, str, str]:
    """``kiosk looks delete`` run in this process (so its busy timeout can be short)."""
    from kiosk.cli import main

    code = main(["looks", "delete", look_id, "--library", str(lib), "--config", str(config)])
    out, err = capsys.readouterr()
    return code, out, err


def network_state(lib: Path, links) -> tuple[list[bool], list[tuple[str, str]]]:
    """Which of ``links`` still open, and the waiting outbox entries (kind, look id)."""
    from kiosk.net.db import NetworkDatabase
    from kiosk.net.shares import ShareStore

    db = NetworkDatabase(lib / "network.sqlite3").open()
    try:
        shares = ShareStore(db, 3600)
        opens = [shares.opens(link.token) for link in links]
        rows = db.query("SELECT kind, body FROM outbox WHERE delivered_at IS NULL")
    finally:
        db.close()
    return opens, [(row["kind"], json.loads(row["body"])["data"]["look_id"]) for row in rows]


def test_a_delete_whose_links_cannot_be_revoked_keeps_the_look_and_can_be_run_again(lib, tmp_path, capsys, monkeypatch):
    # Deleted first, the look was gone while its links stayed open and the store service never
    # heard; the command could not be run again, as the look no longer existed.
    import kiosk.net.db as net_db
    from kiosk.net.db import NetworkDatabase
    from kiosk.net.shares import ShareStore

    short_busy_timeout(monkeypatch, net_db)
    look_id, other = sorted(library_state(lib))
    db = NetworkDatabase(lib / "network.sqlite3").open()
    try:
        links = [ShareStore(db, 3600).create(look_id), ShareStore(db, 3600).create(other)]
    finally:
        db.close()
    config = tmp_path / "kiosk.toml"
    config.write_text('[webhook]\nurl = "http://127.0.0.1:9/hook"\nsecret = "webhook-secret-0123456789"\n')
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    with locked(lib / "network.sqlite3", "IMMEDIATE"):
        code, out, err = delete_in_process(lib, config, look_id, capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"kiosk: revoking the share links of look {look_id} failed, so the look was not deleted, and running the "
        f"command again is safe: the network database {lib / 'network.sqlite3'} could not be written (database is "
        "locked); nothing was changed"]
    assert set(library_state(lib)) == {look_id, other}
    assert network_state(lib, links) == ([True, True], [])
    code, out, err = delete_in_process(lib, config, look_id, capsys)  # the lock is gone: run again
    assert (code, out, err) == (0, f"deleted {look_id}; 1 share link revoked\n", "")
    assert set(library_state(lib)) == {other}
    assert network_state(lib, links) == ([False, True], [("look_deleted", look_id)])


def test_a_delete_whose_look_cannot_be_deleted_after_its_links_can_be_run_again(lib, tmp_path, capsys, monkeypatch):
    import kiosk.library.schema as library_schema
    import kiosk.net.db as net_db
    from kiosk.net.db import NetworkDatabase
    from kiosk.net.shares import ShareStore

    short_busy_timeout(monkeypatch, net_db)
    look_id, other = sorted(library_state(lib))
    db = NetworkDatabase(lib / "network.sqlite3").open()
    try:
        links = [ShareStore(db, 3600).create(look_id)]
    finally:
        db.close()
    config = tmp_path / "kiosk.toml"
    config.write_text("")
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    short_busy_timeout(monkeypatch, library_schema)
    with locked(lib / "looks.db", "IMMEDIATE"):
        code, out, err = delete_in_process(lib, config, look_id, capsys)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"kiosk: the share links of look {look_id} were revoked but deleting the look itself failed, and running the "
        f"command again is safe: the look database {lib / 'looks.db'} could not be written (database is locked); "
        "nothing was changed"]
    assert set(library_state(lib)) == {look_id, other}
    assert network_state(lib, links) == ([False], [])
    code, out, err = delete_in_process(lib, config, look_id, capsys)
    assert (code, out, err) == (0, f"deleted {look_id}\n", "")
    assert set(library_state(lib)) == {other}


def test_an_id_that_begins_with_a_dash_is_told_how_to_pass(tmp_path, monkeypatch):
    """Ids made before they were kept from starting with '-' read as options: the error says to put '--' first."""
    folder = tmp_path / "lib"
    monkeypatch.setattr(Library, "new_id", staticmethod(lambda: "-AbCdEfGhIjKlMnOpQrStUv"))
    with Library(folder) as library:
        look_id = crashed_take(library, 1.0)
        take = library.layout.take_dir(look_id)
        library.add_look(finish(take, json_meta(take), 0.0, stills=True))
    assert look_id.startswith("-")
    refused = looks("delete", look_id, lib=folder)
    assert refused.returncode == 2 and f"goes after '--', as in: … -- {look_id}" in refused.stderr
    assert look_id in library_state(folder)
    done = kiosk("looks", "delete", "--library", str(folder), "--", look_id, timeout=60)
    assert done.returncode == 0, done.stderr
    assert look_id not in library_state(folder)


def test_purge_older_than(lib):
    state = library_state(lib)
    old_id = next(iter(state))
    with sqlite3.connect(lib / "looks.db") as conn:
        conn.execute("UPDATE looks SET created = ? WHERE id = ?", (time.time() - 8 * 86400, old_id))
    result = looks("purge", "--older-than", "7d", lib=lib)
    assert result.returncode == 0, result.stderr
    assert "deleted 1 look" in result.stdout
    assert set(library_state(lib)) == set(state) - {old_id}


def test_recover_salvages_an_interrupted_take(lib):
    with Library(lib) as library:
        look_id = crashed_take(library, 1.2)
    result = looks("recover", "--json", lib=lib)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["salvaged"] == [look_id]
    assert look_id in library_state(lib)
    text = looks("recover", lib=lib)
    assert text.returncode == 0 and "0 interrupted recordings saved" in text.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "AAAAAAAAAAAAAAAAAAAAAA", "--out", "{tmp}/x.mp4"], "there is no look with id"),
        (["export", "../../etc/passwd", "--out", "{tmp}/x.mp4"], "there is no look with id"),
        (["delete", "AAAAAAAAAAAAAAAAAAAAAA"], "there is no look with id"),
        (["purge", "--older-than", "7x"], "cannot read the age"),
        (["purge", "--older-than", "soon"], "cannot read the age"),
    ],
)
def test_bad_input_changes_nothing(lib, tmp_path, args, message):
    before = library_state(lib)
    files = sorted(p.name for p in (lib / "looks").iterdir())
    result = looks(*[a.format(tmp=tmp_path) for a in args], lib=lib)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert library_state(lib) == before
    assert sorted(p.name for p in (lib / "looks").iterdir()) == files
    assert not (tmp_path / "x.mp4").exists()


def test_missing_library_is_one_sentence(tmp_path):
    result = kiosk("looks", "list", "--library", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"kiosk: there is no look library in {tmp_path / 'nowhere'}; check --library or "
                                     "library.data_dir (the mirror makes one there when it first starts)")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("closed", ["folder", "file"])
def test_a_library_closed_to_this_user_names_whom_to_run_it_as(lib, closed):
    """An admin's own account on a provisioned mirror (the data folder 0750, looks.db 0600, the
    kiosk's user's): one sentence saying to run the command as that user, not "unexpected error"."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("dropping root's file capabilities needs root and setpriv")
    for path in (lib, *lib.rglob("*")):
        os.chown(path, 65534, 65534)
    (lib / "looks.db").chmod(0o600)
    lib.chmod(0o700 if closed == "folder" else 0o755)
    before = library_state(lib)
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    result = subprocess.run([*AS_ANOTHER_USER, PYTHON, "-m", "kiosk", "looks", "list", "--library", str(lib)],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unexpected error" not in lines[0], result.stderr
    owner = user_name(65534)
    assert lines[0].startswith("kiosk: ") and str(lib) in lines[0] and "Permission denied" in lines[0], lines
    assert lines[0].endswith(f"it is for the user {owner} (this is root): run the command as that user, "
                             f"'sudo -u {owner} kiosk looks list …'"), lines
    assert library_state(lib) == before


# -- a damaged looks.db -----------------------------------------------------------------------------


def damage_middle(db: Path) -> None:
    """Write garbage over the middle pages of a real looks.db, and make sure SQLite notices."""
    with sqlite3.connect(db) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = db.stat().st_size // page
    assert pages >= 4, "the test needs a database of several pages"
    with open(db, "r+b") as f:
        f.seek(page * (pages // 2))
        f.write(os.urandom(page * max(1, pages // 3)))
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] != "ok"
    except sqlite3.DatabaseError:
        pass  # as damaged as can be
    finally:
        conn.close()


@pytest.fixture
def kept_lib(lib) -> Path:
    """The two looks, one kept by the operator and one by a shopper whose card is tied to it."""
    with Library(lib) as library:
        first, second = sorted(library.ids())
        library.set_consent(first, True, by="operator")
        with library._db.transaction() as conn:
            conn.execute("UPDATE looks SET session_id = 's1' WHERE id = ?", (second,))
        library.set_session_consent("s1", True, "card-key-1", "2026-11.1")
    return lib


def test_a_damaged_looks_db_is_rebuilt_with_every_look_and_its_consent(kept_lib):
    before = library_state(kept_lib)
    assert {look["consent"] for look in before.values()} == {"granted"}
    damage_middle(kept_lib / "looks.db")
    result = looks("list", "--json", lib=kept_lib)
    assert result.returncode == 0, result.stderr
    assert {look["id"]: look for look in json.loads(result.stdout)} == before
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"the look database {kept_lib / 'looks.db'} was damaged" in lines[0]
    assert "moved it to looks.db.damaged-" in lines[0] and "restored from their record files" in lines[0]
    assert len(list(kept_lib.glob("looks.db.damaged-*"))) >= 1
    again = looks("list", "--json", lib=kept_lib)
    assert again.returncode == 0 and again.stderr == "" and json.loads(again.stdout) == json.loads(result.stdout)


def test_recording_and_the_mirror_start_on_a_damaged_looks_db(kept_lib):
    before = library_state(kept_lib)
    damage_middle(kept_lib / "looks.db")
    recorded = kiosk("record", "--source", "synthetic:?width=320&height=240&fps=30", "--seconds", "1.5",
                     "--library", str(kept_lib))
    assert recorded.returncode == 0, recorded.stderr
    new_id = recorded.stdout.strip().splitlines()[-1]
    after = library_state(kept_lib)
    assert set(after) == set(before) | {new_id}
    assert all(after[look_id] == look for look_id, look in before.items())
    damage_middle(kept_lib / "looks.db")
    from tests.integration.test_record_crash import restart_mirror

    assert set(restart_mirror(kept_lib)) == set(before) | {new_id}  # the mirror's own start-up path


def test_delete_tells_the_store_service_as_the_api_does(lib, tmp_path):
    # the running kiosk delivers what the command put in the outbox (kiosk/net/outbox.py)
    from kiosk.net.db import NetworkDatabase

    look_id, _ = list(library_state(lib))
    NetworkDatabase(lib / "network.sqlite3").open().close()  # the mirror's network services ran here
    config = tmp_path / "kiosk.toml"
    config.write_text('[api]\nroom = "7"\n\n[webhook]\nurl = "http://127.0.0.1:9/hook"\n'
                      'secret = "webhook-secret-0123456789"\n')
    result = kiosk("looks", "delete", look_id, "--library", str(lib), "--config", str(config), timeout=60)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(lib / "network.sqlite3") as db:
        rows = db.execute("SELECT kind, body FROM outbox WHERE delivered_at IS NULL").fetchall()
        mirror_id = db.execute("SELECT value FROM meta WHERE key = 'mirror_id'").fetchone()[0]
    assert [kind for kind, _ in rows] == ["look_deleted"]
    body = json.loads(rows[0][1])
    assert body["mirror"]["id"] == mirror_id and body["mirror"]["room"] == "7"
    assert {k: v for k, v in body["data"].items() if k != "deleted_at"} == {
        "mirror_id": mirror_id, "look_id": look_id, "by": "store IT"}
