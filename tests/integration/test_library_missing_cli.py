"""Commands that only read or change looks, given a folder without a look library (a mistyped
``--library`` or ``library.data_dir``): one sentence naming the folder, a non-zero exit and
nothing made there; a library that is there, even an empty one, works as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.library import Library
from tests.integration.test_record_media import kiosk

HINT = "(the mirror makes one there when it first starts)"
LOOK_ID = "AAAAAAAAAAAAAAAAAAAAAA"
KEY = "0123456789abcdef0123456789abcdef"  # a card key as `kiosk reader` prints it
LOOKS = [
    ["list"],
    ["list", "--json"],
    ["export", LOOK_ID, "--out", "{tmp}/x.mp4"],
    ["delete", LOOK_ID],
    ["purge", "--older-than", "7d"],
    ["recover"],
    ["recover", "--json"],
]


def tree(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*"))


def refused(result, folder: Path, setting: str = "--library or library.data_dir") -> None:
    assert result.returncode == 1 and result.stdout == "", result.stdout
    assert result.stderr.strip() == f"kiosk: there is no look library in {folder}; check {setting} {HINT}"


@pytest.fixture
def empty_library(tmp_path) -> Path:
    """A library the mirror made and never recorded in."""
    folder = tmp_path / "lib"
    Library(folder).open().close()
    return folder


@pytest.mark.parametrize("action", LOOKS, ids=" ".join)
def test_looks_on_a_mistyped_folder_say_so_and_make_nothing(tmp_path, action):
    typo = tmp_path / "librray"
    result = kiosk("looks", *[word.format(tmp=tmp_path) for word in action], "--library", str(typo))
    refused(result, typo)
    assert tree(tmp_path) == []


@pytest.mark.parametrize("action", [["list"], ["recover", "--json"]], ids=" ".join)
def test_a_folder_holding_other_things_is_no_library_either(empty_library, action):
    """The library's own looks folder given for the library (or /var/lib): refused, nothing added."""
    before = tree(empty_library)
    refused(kiosk("looks", *action, "--library", str(empty_library / "looks")), empty_library / "looks")
    assert tree(empty_library) == before


def test_an_empty_library_lists_no_looks_as_before(empty_library):
    before = tree(empty_library)
    text = kiosk("looks", "list", "--library", str(empty_library))
    assert (text.returncode, text.stdout, text.stderr) == (0, "no looks\n", "")
    listed = kiosk("looks", "list", "--json", "--library", str(empty_library))
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    gone = kiosk("looks", "delete", LOOK_ID, "--library", str(empty_library))
    assert gone.returncode == 1 and f"there is no look with id '{LOOK_ID}'" in gone.stderr
    assert tree(empty_library) == before


def test_compare_names_the_mistyped_library_of_a_look_id(tmp_path):
    typo = tmp_path / "librray"
    result = kiosk("compare", LOOK_ID, LOOK_ID[::-1].lower(), "--out", str(tmp_path / "out.mp4"), "--json",
                   "--library", str(typo))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (f"kiosk: there is no video file {LOOK_ID}, and there is no look library in {typo}; "
                                     f"check --library or library.data_dir {HINT}")
    assert tree(tmp_path) == []


def test_compare_in_a_library_without_the_look_says_so_as_before(empty_library, tmp_path):
    before = tree(tmp_path)
    result = kiosk("compare", LOOK_ID, LOOK_ID[::-1].lower(), "--out", str(tmp_path / "out.mp4"),
                   "--library", str(empty_library))
    assert result.returncode == 1 and result.stderr.strip() == (
        f"kiosk: there is no video file {LOOK_ID} and no look with that id in the library")
    assert tree(tmp_path) == before


@pytest.fixture
def mistyped_config(tmp_path) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[library]\ndata_dir = "{tmp_path / "librray"}"\n')
    return config


@pytest.mark.parametrize("action", [["list"], ["list", "--json"], ["show", "--key", KEY]], ids=" ".join)
def test_customers_on_a_mistyped_data_folder_say_so_and_make_nothing(tmp_path, mistyped_config, action):
    result = kiosk("customers", *action, "--config", str(mistyped_config))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        f"kiosk: there is no folder {tmp_path / 'librray'} for the customer directory; check library.data_dir "
        "(the mirror makes it when it first starts, as kiosk customers import does)")
    assert tree(tmp_path) == ["kiosk.toml"]


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_forget_on_a_mistyped_data_folder_forgets_nothing_and_says_so(tmp_path, mistyped_config, json_flag):
    """Not "forgot card …: 0 looks" while the card's looks stay in the real library."""
    result = kiosk("customers", "forget", "--key", KEY, *json_flag, "--config", str(mistyped_config))
    refused(result, tmp_path / "librray", "library.data_dir")
    assert tree(tmp_path) == ["kiosk.toml"]


def test_customers_in_a_prepared_data_folder_read_without_making_anything(tmp_path):
    """A provisioned folder (empty) before the mirror's first start: nobody imported, no library yet."""
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[library]\ndata_dir = "{data}"\n')
    listed = kiosk("customers", "list", "--json", "--config", str(config))
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    shown = kiosk("customers", "show", "--key", KEY, "--json", "--config", str(config))
    assert shown.returncode == 0 and json.loads(shown.stdout) == {
        "card_key": KEY, "customer": None, "forgotten": False, "consents": []}
    refused(kiosk("customers", "forget", "--key", KEY, "--config", str(config)), data, "library.data_dir")
    assert tree(data) == []
