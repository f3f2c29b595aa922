"""The release id the kiosk reports (kiosk.release): the .release file of the tree it runs from."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kiosk.release import DEV, UNKNOWN, read_release

ROOT = Path(__file__).resolve().parents[2]


def test_the_release_file_of_the_first_tree_that_has_one_names_the_release(tmp_path):
    checkout, release = tmp_path / "site-packages", tmp_path / "releases" / "0.1.0-3f2a9c01b7de"
    checkout.mkdir()
    release.mkdir(parents=True)
    (release / ".release").write_text("0.1.0-3f2a9c01b7de\n")
    assert read_release([checkout, release]) == "0.1.0-3f2a9c01b7de"


def test_a_release_file_that_holds_something_else_says_unknown_never_copies_it(tmp_path):
    for text in ('0.1.0" } evil{x="1', "", "two words\n", "x" * 200):
        (tmp_path / ".release").write_text(text)
        assert read_release([tmp_path]) == UNKNOWN, text


def test_a_tree_that_is_no_release_and_no_checkout_is_dev(tmp_path):
    assert read_release([tmp_path]) == DEV


def test_this_checkout_run_in_place_is_dev_and_its_git_description(tmp_path):
    if not (ROOT / ".git").exists() or (ROOT / ".release").exists():
        pytest.skip("not run from a git checkout")
    head = subprocess.run(["git", "-C", str(ROOT), "describe", "--always"], capture_output=True, text=True).stdout.strip()
    assert read_release([ROOT]) == f"{DEV}-{head}"

