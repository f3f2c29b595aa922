"""The status line (camera and screen fps, camera state) is for setting up: off unless asked for."""

from __future__ import annotations

import pytest

from kiosk.cli import build_parser
from kiosk.config import Config


def test_the_status_line_is_off_by_default():
    assert Config().display.show_status is False


@pytest.mark.parametrize("argv, shown", [([], None), (["--status"], True), (["--no-status"], False)])
def test_run_shows_or_hides_it_for_one_run(argv, shown):
    args = build_parser().parse_args(["run", *argv])
    asked = True if args.status else False if args.no_status else None
    assert asked is shown


def test_run_refuses_both_at_once(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["run", "--status", "--no-status"])
    assert exited.value.code != 0
    assert "not allowed with" in capsys.readouterr().err
