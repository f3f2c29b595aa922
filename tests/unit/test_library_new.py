"""A mirror started on a mistyped library folder says so in one line, and only then.

``kiosk serve --library /var/lib/smartmirror/librray`` (or a mistyped ``library.data_dir``) starts
a new, empty library there, with a new store secret when the secret lives in the data folder and
a new mirror id unless ``api.mirror_id`` names one (only with the network part on: ``kiosk run
--no-network`` makes no id); store IT must hear why the looks are gone. A first start in the empty folder that provisioning
made, and every later start, stays quiet.
"""

from __future__ import annotations

import logging

import pytest

from kiosk.config import Config
from kiosk.library import Library
from kiosk.wiring import Switches, build_library, build_parts
from tests.unit.test_library_looks import add

HINT = "If you meant another folder, stop the mirror and check --library / library.data_dir"
NEW_ID = "a new mirror id, so the fleet sees this mirror as a new one"


def started(folder, caplog, config: Config | None = None) -> list[str]:
    """The kiosk's warnings while its library opens on ``folder`` (as ``kiosk run``/``serve`` build it, network on)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kiosk.wiring"):
        library = build_library(config or Config(), str(folder), network=True)
        library.open()
        library.close()
    return [r.getMessage() for r in caplog.records if r.name == "kiosk.wiring"]


def test_a_mistyped_folder_is_named_once_with_its_new_store_secret_and_mirror_id(tmp_path, caplog):
    folder = tmp_path / "smartmirror" / "librray"
    lines = started(folder, caplog)
    assert lines == [f"no look library was in {folder}; started a new, empty one there with a new store secret and {NEW_ID}. {HINT}"]
    assert (folder / "looks.db").exists()  # the mirror still comes up, on the new library
    assert started(folder, caplog) == []  # the next start finds that library


def test_a_store_secret_kept_elsewhere_is_not_called_new(tmp_path, caplog):
    config = Config()
    config.identity.secret_file = str(tmp_path / "etc" / "store-secret")  # as scripts/provision sets it
    lines = started(tmp_path / "smartmirro", caplog, config)
    assert len(lines) == 1 and f"started a new, empty one there with {NEW_ID}. If you meant" in lines[0], lines


def test_a_mirror_id_kept_in_the_configuration_or_the_folder_is_not_called_new(tmp_path, caplog):
    """The id lives in the data folder's network database, unless ``api.mirror_id`` names one."""
    from kiosk.net.db import FILENAME, NetworkDatabase

    config = Config()
    config.identity.secret_file = str(tmp_path / "etc" / "store-secret")
    config.api.mirror_id = "0b8e2c5e-5d0e-4c3a-9a57-0c1d2e3f4a5b"
    lines = started(tmp_path / "smartmirro", caplog, config)
    assert len(lines) == 1 and "started a new, empty one there. If you meant" in lines[0], lines
    folder = tmp_path / "network-only"  # the looks.db deleted, say: the network database still holds the id
    folder.mkdir()
    db = NetworkDatabase(folder / FILENAME)
    db.open()
    db.mirror_id()
    db.close()
    lines = started(folder, caplog)
    assert len(lines) == 1 and "with a new store secret. If you meant" in lines[0], lines


def test_a_folder_holding_other_things_is_named(tmp_path, caplog):
    real = tmp_path / "smartmirror"
    with Library(real) as library:
        add(library)
    lines = started(real / "looks", caplog)  # the library's looks folder taken for the library
    assert len(lines) == 1 and f"no look library was in {real / 'looks'};" in lines[0], lines


@pytest.mark.parametrize("prepared", ["empty folder", "library"])
def test_a_first_start_in_a_prepared_folder_and_an_existing_library_stay_quiet(tmp_path, caplog, prepared):
    folder = tmp_path / "smartmirror"
    folder.mkdir()  # scripts/provision and systemd's StateDirectory= make it empty
    if prepared == "library":
        with Library(folder) as library:
            add(library)
    assert started(folder, caplog) == []


def test_a_folder_holding_only_customers_imported_before_the_first_start_stays_quiet(tmp_path, caplog):
    """``kiosk customers import`` before the mirror's first start leaves the customer directory and
    the store secret in the data folder: the folder was made ready for the mirror, not mistyped."""
    from kiosk.identity.setup import DB_NAME
    from kiosk.net.trust import secret_path

    config = Config()
    folder = tmp_path / "smartmirror"
    folder.mkdir()
    for name in (DB_NAME, DB_NAME + "-wal", secret_path(config, folder).name):
        (folder / name).write_bytes(b"x")
    assert started(folder, caplog, config) == []
    other = tmp_path / "other"  # anything more than those is still named
    other.mkdir()
    for name in (DB_NAME, "notes.txt"):
        (other / name).write_bytes(b"x")
    assert len(started(other, caplog, config)) == 1


@pytest.mark.parametrize("network", [True, False], ids=["serve-or-run", "run-no-network"])
def test_a_new_mirror_id_is_said_only_with_the_network_part_on(tmp_path, caplog, network):
    """``kiosk run --no-network`` makes no network database, so no mirror id: the line does not claim one."""
    folder = tmp_path / "smartmirror" / "librray"
    # kiosk run's parts, less the camera and the analysis this test has no use for
    parts = build_parts(Config(), Switches(camera=False, analysis=False, network=network, library_dir=str(folder)))
    with caplog.at_level(logging.WARNING, logger="kiosk.wiring"):
        parts.library.open()
        parts.library.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "kiosk.wiring"]
    said = "with a new store secret and a new mirror id, so the fleet sees this mirror as a new one." if network \
        else "with a new store secret."
    assert lines == [f"no look library was in {folder}; started a new, empty one there {said} {HINT}"], lines
