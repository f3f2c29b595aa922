"""Usage mistakes store IT makes (a misspelt option, a command without what it needs): one
sentence, exit status 2, naming the help of the command that was given."""

from __future__ import annotations

import pytest

from kiosk.cli import main


def usage_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.parametrize("argv, command", [
    (["doctor", "--jsn"], "kiosk doctor"),
    (["looks", "list", "--jsn"], "kiosk looks list"),
    (["config", "check", "--jsno"], "kiosk config check"),
    (["discover", "--prometeus", "x.json"], "kiosk discover"),
    (["bench", "serve", "--jsn"], "kiosk bench serve"),
])
def test_an_unknown_option_points_at_the_help_of_the_command_given(capsys, argv, command):
    said = usage_error(capsys, *argv)
    unknown = " ".join(argv[len(command.split()) - 1:])
    assert said == f"{command}: unrecognized arguments: {unknown} (see {command} --help)", said



@pytest.mark.parametrize("argv, command, unknown", [
    (["--verbsoe", "doctor"], "kiosk", "--verbsoe"),
    (["--jsn", "looks", "list"], "kiosk", "--jsn"),
    (["looks", "--jsn", "list"], "kiosk looks", "--jsn"),
])
def test_an_unknown_option_before_a_subcommand_is_its_parents(capsys, argv, command, unknown):
    """Given to ``kiosk`` (a misspelt -v), it is not the subcommand's: that one's --help would not list it."""
    said = usage_error(capsys, *argv)
    assert said == f"{command}: unrecognized arguments: {unknown} (see {command} --help)", said

def test_bench_without_what_names_only_what(capsys):
    said = usage_error(capsys, "bench")
    assert said == "kiosk bench: the following arguments are required: WHAT (see kiosk bench --help)", said


def test_an_id_that_begins_with_a_dash_is_still_told_how_to_pass(capsys):
    said = usage_error(capsys, "looks", "export", "--out", "x.mp4", "-abcdefghijklmnopqrstu")
    assert said.startswith("kiosk looks export: ") and "goes after '--', as in: … -- -abcdefghijklmnopqrstu" in said, said
