"""``kiosk doctor``'s library check names a data folder without looks while a library nearby has some."""

from __future__ import annotations

from pathlib import Path

from kiosk.doctor import Context, State
from kiosk.doctor.storage import check_library
from kiosk.library import Library
from tests.unit.test_doctor_checks import context
from tests.unit.test_library_looks import add


def library_with_looks(folder: Path, looks: int = 1, secret: str = "ab" * 32) -> Path:
    with Library(folder) as library:
        for _ in range(looks):
            add(library)
    (folder / "store-secret").write_text(secret + "\n")
    return folder


def pointed_at(ctx: Context, folder: Path) -> Context:
    ctx.data_dir = folder
    ctx.config.library.data_dir = str(folder)
    return ctx


def test_a_new_empty_library_below_the_real_one_is_named_with_its_other_store_secret(tmp_path):
    real = library_with_looks(tmp_path / "smartmirror", looks=2)
    typo = real / "librray"
    with Library(typo):  # what a kiosk started there left: an empty library and a secret of its own
        pass
    (typo / "store-secret").write_text("cd" * 32 + "\n")
    ctx = pointed_at(context(tmp_path), typo)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    result = check_library(ctx)
    assert result.state is State.WARNING, result
    assert result.sentence.startswith(f"No look is in {typo}, but {real} holds 2 looks: library.data_dir may name "
                                      "the wrong folder"), result.sentence
    assert "store secret differs from the one there" in result.sentence and "cd" * 32 not in result.sentence
    assert "set library.data_dir to it" in result.hint and f"remove {typo}" in result.hint
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before  # the doctor writes nothing


def test_a_mistyped_folder_beside_the_real_one_is_named_before_the_kiosk_starts_there(tmp_path):
    real = library_with_looks(tmp_path / "smartmirror")
    result = check_library(pointed_at(context(tmp_path), tmp_path / "smartmirro"))
    assert result.state is State.WARNING and f"but {real} holds 1 look:" in result.sentence, result
    assert result.sentence.endswith("begins a new, empty library with a new store secret)."), result.sentence


def test_provisionings_folder_is_looked_at_and_a_secret_kept_elsewhere_is_not_mentioned(tmp_path):
    ctx = pointed_at(context(tmp_path), tmp_path / "elsewhere" / "looks-data")
    ctx.config.identity.secret_file = str(tmp_path / "etc-store-secret")
    real = library_with_looks(ctx.root / "var" / "lib" / "smartmirror")
    result = check_library(ctx)
    assert result.state is State.WARNING and f"but {real} holds 1 look:" in result.sentence, result
    assert "store secret" not in result.sentence and result.sentence.endswith("a new, empty library)."), result


def test_an_empty_library_with_none_nearby_and_one_with_looks_are_consistent(tmp_path):
    ctx = pointed_at(context(tmp_path), tmp_path / "smartmirror")
    with Library(ctx.data_dir):
        pass
    (tmp_path / "notes").mkdir()  # a folder beside it that is no library
    assert check_library(ctx).state is State.OK
    library_with_looks(ctx.data_dir)
    library_with_looks(tmp_path / "smartmirror-old", looks=3)  # a library beside one with looks: no matter
    result = check_library(ctx)
    assert result.state is State.OK and "1 look" in result.sentence, result
