"""The docs in step with the ``kiosk`` command: every command line they show names real
subcommands and options, and the README's exit statuses are every status a command returns."""

from __future__ import annotations

import argparse
import ast
import importlib
import re
from pathlib import Path

from kiosk.cli import Parser, build_parser
from kiosk.commands.bench import _names as bench_names

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return getattr(parser, "benchmarks", {})


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def kiosk_parser() -> argparse.ArgumentParser:
    """The whole command line, ``kiosk bench WHAT`` included (each benchmark parses its own options)."""
    parser = build_parser()
    bench = _subcommands(parser)["bench"]
    inner = Parser(prog="kiosk bench")
    subparsers = inner.add_subparsers(dest="what")
    for name in bench_names():
        importlib.import_module(f"bench.{name}").register(subparsers)
    bench.benchmarks = _subcommands(inner)
    return parser


def command_lines(text: str) -> list[list[str]]:
    """The words after ``kiosk`` in every code span, code block and indented line of a doc."""
    spans = re.findall(r"`([^`\n]+)`", text)
    blocks = [line for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) for line in block.splitlines()]
    indented = [line for line in text.splitlines() if line.startswith("    kiosk ")]
    found = []
    for line in spans + blocks + indented:
        line = line.replace("\\|", "|").split(" #")[0]  # a table's escaped '|'; a shell comment
        for match in re.finditer(r"(?:^|(?<=[\s/(]))kiosk((?:\s+[^\s;&)]+)*)", line):
            found.append(match[1].split())
    return found


def unknown_words(parser: argparse.ArgumentParser, words: list[str]) -> list[str]:
    """The subcommands and options in ``words`` that ``parser`` does not have ("list|export": each)."""
    known, path, wrong = _options(parser), ["kiosk"], []
    for word in words:
        word = word.strip("[](),.:\"'")
        if word in ("", "…", "...", "|", "-"):
            continue
        if word.startswith("-"):
            if word.startswith("--") or word == "-v":  # (a look id after '--' may begin with '-')
                wrong += [f"{' '.join(path)} {o}" for o in re.split(r"[|/]", word.split("=")[0]) if o and o not in known]
            continue
        subcommands = _subcommands(parser)
        names = re.split(r"[|/]", word)
        if not subcommands or names[0].isupper() or not names[0].replace("-", "").isalpha():
            continue  # an argument: FILE, a path, a number
        if not all(name in subcommands for name in names):
            return wrong + [f"{' '.join(path)} {word}"]
        for name in names:
            known |= _options(subcommands[name])
        parser = subcommands[names[0]]
        path.append(word)
    return wrong


def test_every_command_line_in_the_docs_names_real_subcommands_and_options():
    parser = kiosk_parser()
    wrong = [f"{doc.relative_to(ROOT)}: {bad}"
             for doc in DOCS for words in command_lines(doc.read_text()) for bad in unknown_words(parser, words)]
    assert wrong == [], "no such subcommand or option: " + "; ".join(wrong)


def test_the_command_line_check_can_fail():
    parser = kiosk_parser()
    assert command_lines("Run `kiosk looks lst\\|export --library DIR`.") == [["looks", "lst|export", "--library", "DIR"]]
    assert unknown_words(parser, ["looks", "lst|export", "--library", "DIR"]) == ["kiosk looks lst|export"]
    assert unknown_words(parser, ["doctor", "--jsn"]) == ["kiosk doctor --jsn"]
    assert unknown_words(parser, ["bench", "serve", "--clinets", "5"]) == ["kiosk bench serve --clinets"]
    assert unknown_words(parser, ["customers", "show/forget", "--key", "KEY"]) == []


def exit_statuses() -> set[int]:
    """Every status a command can exit with: ``return N``, ``exit(N)`` and the errors' ``exit_status``."""
    found = set()
    for path in [*(ROOT / "kiosk" / "commands").glob("*.py"), ROOT / "kiosk" / "cli.py", ROOT / "kiosk" / "errors.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            value = None
            if isinstance(node, ast.Return):
                value = node.value
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "exit_status" for t in node.targets):
                value = node.value
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("exit", "SystemExit"):
                value = node.args[0] if node.args else None
            if isinstance(value, ast.Constant) and type(value.value) is int:
                found.add(value.value)
    return found


def test_the_readme_names_every_exit_status_a_command_returns():
    readme = (ROOT / "README.md").read_text()
    paragraph = re.search(r"^Every command exits .*?(?=\n\n)", readme, re.M | re.S)
    assert paragraph, "README.md has no paragraph on exit statuses"
    documented = {int(n) for n in re.findall(r"\b\d+\b", paragraph[0])}
    assert {0, 1, 2, 130} <= exit_statuses()
    assert exit_statuses() <= documented, f"not in README.md: {sorted(exit_statuses() - documented)}"
