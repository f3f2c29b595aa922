"""The ``kiosk`` command: one program, subcommands discovered from ``kiosk.commands``.

Each module in ``kiosk/commands/`` defines ``register(subparsers)``, which adds its
subcommand(s) and sets ``func`` to a callable taking the parsed arguments and returning an exit
code. Failures are reported as one plain sentence on stderr with a non-zero exit; a traceback
is shown only with ``-v``. ``--json`` output goes to stdout alone; logs go to stderr.

Exit status: 2 when the command was called wrongly (argparse's usage errors and ``UsageError``),
1 when it failed (``kiosk doctor``: a check failed), 130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Callable

from kiosk import __version__
from kiosk.errors import KioskError
from kiosk.log import install_thread_hook, setup_logging
from kiosk.users import refused_file, user_name, whose

_log = logging.getLogger("kiosk")


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one sentence and exit status 2."""

    hint = ""  # set by main() for the command line being parsed

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}{Parser.hint} (see {self.prog} --help)\n")


def _dash_id_hint(argv: list[str]) -> str:
    """Older look ids may begin with ``-`` and then read as options: say how to pass them."""
    before = argv[: argv.index("--")] if "--" in argv else argv
    dashed = [a for a in before if a.startswith("-") and not a.startswith("--") and len(a) >= 16]
    return f"; an id that begins with '-' goes after '--', as in: … -- {dashed[0]}" if dashed else ""


def _wrong_user_hint(exc: BaseException, args: argparse.Namespace) -> str:
    """Whom to run the command as when a file was refused to this user: the mirror's files are the
    kiosk's user's (provision makes the data folder 0750 and the configuration 0640 root:mirror)."""
    refused = refused_file(exc)
    owner = whose(refused.filename) if refused is not None else ""
    if not owner:
        return ""
    return f"; it is for the user {owner} (this is {user_name()}): run the command as that user, 'sudo -u {owner} {_command(args)}'"


def _command(args: argparse.Namespace) -> str:
    """The command and its action as typed, e.g. ``kiosk looks list`` (never its arguments: a card number)."""
    return " ".join(["kiosk", *(name for name in _actions(args) if isinstance(name, str))]) + " …"


def parse(parser: argparse.ArgumentParser, argv: list[str] | None, actions: Callable[[argparse.Namespace], list]):
    """``parser.parse_args(argv)``, but an unknown option is refused by the (sub)command it was given
    to, whose --help lists its options (``kiosk looks list``, not ``kiosk``); ``actions(args)``
    names the subcommands chosen, outermost first."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        typed = sys.argv[1:] if argv is None else list(argv)
        first_extra = min((typed.index(word) for word in extra if word in typed), default=len(typed))
        at = -1
        for name in actions(args):
            choices = next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {})
            if name not in choices:
                break
            at = _position(typed, name, at + 1)
            if at > first_extra:  # given before this subcommand (``kiosk --verbsoe doctor``): its parent's
                break
            parser = choices[name]
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _position(words: list[str], word: str, start: int) -> int:
    """Where ``word`` is in ``words`` from ``start`` on (past the end when it is not there)."""
    try:
        return words.index(word, start)
    except ValueError:
        return len(words)


def _actions(args: argparse.Namespace) -> list:
    """The command and its action (``looks``, ``list``)."""
    return [args.command, getattr(args, f"{args.command.replace('-', '_')}_command", None)]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="kiosk", description="Smart-mirror kiosk for fitting rooms.")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr (-vv: debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    subparsers.required = True
    import kiosk.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"kiosk.commands.{info.name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    Parser.hint = _dash_id_hint(sys.argv[1:] if argv is None else argv)
    args = parse(parser, argv, _actions)
    setup_logging(args.verbose)
    install_thread_hook()  # a thread that dies on an exception says so at ERROR (health's last_error)
    try:
        return int(args.func(args) or 0)
    except KioskError as exc:
        print(f"kiosk: {exc}{_wrong_user_hint(exc, args)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one sentence, traceback only when asked for
        refused = refused_file(exc)
        if refused is not None:  # a file of the mirror's, refused to whoever ran the command
            print(f"kiosk: {refused.filename}: {refused.strerror}{_wrong_user_hint(exc, args)}", file=sys.stderr)
            return 1
        _log.debug("unexpected error", exc_info=True)
        if args.verbose:
            import traceback

            traceback.print_exc()
        print(f"kiosk: unexpected error ({type(exc).__name__}: {exc}); run with -v for details", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
