"""Usage mistakes store IT makes (a misspelt option, a command without what it needs, arguments that cannot
work together): one sentence, exit status 2, naming the help of the command that was given when argparse finds them."""

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


@pytest.mark.parametrize("argv, sentence", [
    (["doctor", "--camera-seconds", "0"], "kiosk: --camera-seconds must be 0.5 – 60"),
    (["discover", "--timeout", "0"], "kiosk: --timeout must be 0.2 – 120 seconds"),
    (["discover", "--once"], "kiosk: --once goes with --prometheus FILE or --ansible-inventory FILE"),
    (["reader-sim", "--protocol", "rdm6300", "--hold", "0"], "kiosk: --hold must be more than 0 and --gap at least 0 seconds"),
    (["serve", "--config", "{tmp}/kiosk.toml", "--port", "70000"], "kiosk: command line: port: expected a value ≤ 65535, got 70000"),
    (["serve", "--config", "{tmp}/kiosk.toml", "--interface", "eth0"], "kiosk: --interface: 'eth0' is not an IPv4 address"),
])
def test_a_usage_error_found_after_parsing_exits_2_as_argparse_does(capsys, tmp_path, argv, sentence):
    """Arguments that cannot work together, found by the command itself: status 2, so store IT's scripts
    tell "called wrongly" from "it failed" (1, e.g. a doctor check)."""
    (tmp_path / "kiosk.toml").write_text(f'[library]\ndata_dir = "{tmp_path / "data"}"\n')
    code = main([a.format(tmp=tmp_path) for a in argv])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.strip().splitlines() == [sentence], captured.err
    assert not (tmp_path / "data").exists(), "refused before anything started"


def test_a_failure_still_exits_1(capsys, tmp_path):
    code = main(["looks", "list", "--library", str(tmp_path / "nowhere")])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err.startswith(f"kiosk: there is no look library in {tmp_path / 'nowhere'};"), captured.err
