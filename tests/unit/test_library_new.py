"""A mirror started on a mistyped library folder says so in one line, and only then.

``kiosk serve --library /var/lib/smartmirror/librray`` (or a mistyped ``library.data_dir``) starts
a new, empty library there, with a new store secret when the secret lives in the data folder;
store IT must hear why the looks are gone. A first start in the empty folder that provisioning
made, and every later start, stays quiet.
"""

from __future__ import annotations

import logging

import pytest

from kiosk.config import Config
from kiosk.library import Library
from kiosk.wiring import build_library
from tests.unit.test_library_looks import add

HINT = "If you meant another folder, stop the mirror and check --library / library.data_dir"


def started(folder, caplog, config: Config | None = None) -> list[str]:
    """The kiosk's warnings while its library opens on ``folder`` (as ``kiosk run``/``serve`` build it)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kiosk.wiring"):
        library = build_library(config or Config(), str(folder))
        library.open()
        library.close()
    return [r.getMessage() for r in caplog.records if r.name == "kiosk.wiring"]


def test_a_mistyped_folder_is_named_once_with_its_new_store_secret(tmp_path, caplog):
    folder = tmp_path / "smartmirror" / "librray"
    lines = started(folder, caplog)
    assert lines == [f"no look library was in {folder}; started a new, empty one there with a new store secret. {HINT}"]
    assert (folder / "looks.db").exists()  # the mirror still comes up, on the new library
    assert started(folder, caplog) == []  # the next start finds that library


def test_a_store_secret_kept_elsewhere_is_not_called_new(tmp_path, caplog):
    config = Config()
    config.identity.secret_file = str(tmp_path / "etc" / "store-secret")  # as scripts/provision sets it
    lines = started(tmp_path / "smartmirro", caplog, config)
    assert len(lines) == 1 and "started a new, empty one there. If you meant" in lines[0], lines


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
