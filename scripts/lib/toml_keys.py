"""Read and set single keys of a TOML file in place, for scripts/provision (standard library only).

Provision must change a few settings of /etc/smartmirror/kiosk.toml (store, room, token…) and
keep everything else a person wrote, comments and layout included. So this edits lines, not a
parsed document: the ``key = value`` line inside its ``[section]`` is replaced, or a new line is
put right under the section header; then the result is parsed with tomllib and every key is read
back, so a file this cannot edit safely is refused instead of damaged.

    python3 toml_keys.py get FILE section.key            prints the value (nothing if absent)
    python3 toml_keys.py set FILE OUT section.key=JSON…  writes FILE with the keys set to OUT;
                                                         prints "section.key: old -> new" per change
    python3 toml_keys.py set FILE OUT -                  the same with the section.key=JSON pairs
                                                         read from standard input, one a line

Provision hands its pairs over on standard input: the token and the PIN are among them, and a
command line can be read by any user of the machine (ps, /proc/PID/cmdline).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib

# Keys whose values never appear in provision's output (it may end up in a log or a ticket).
SECRET_KEYS = {"api.token", "api.pin", "webhook.secret"}
SECTION = re.compile(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$")


def key_line(key: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(key)}\s*=")


def render(value: object) -> str:
    """A TOML literal for a string, bool, int, float or list of strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(render(v) for v in value) + "]"
    raise ValueError(f"cannot write {value!r} as a TOML value")


def read(text: str, dotted: str) -> object | None:
    section, key = dotted.split(".", 1)
    return tomllib.loads(text).get(section, {}).get(key)


def set_key(lines: list[str], dotted: str, value: object) -> list[str]:
    """``lines`` with ``section.key`` set to ``value`` (the key's line replaced or added)."""
    section, key = dotted.split(".", 1)
    pattern = key_line(key)
    current, header = None, None
    for i, line in enumerate(lines):
        match = SECTION.match(line)
        if match:
            current = match.group(1)
            if current == section and header is None:
                header = i
            continue
        if current == section and pattern.match(line):
            return lines[:i] + [f"{key} = {render(value)}\n"] + lines[i + 1 :]
    if header is None:
        tail = [] if not lines or lines[-1].endswith("\n") else ["\n"]
        return lines + tail + ["\n", f"[{section}]\n", f"{key} = {render(value)}\n"]
    return lines[: header + 1] + [f"{key} = {render(value)}\n"] + lines[header + 1 :]


def shown(dotted: str, value: object) -> str:
    """The value as printed in a change line; secrets only say whether they are set."""
    if dotted in SECRET_KEYS:
        return "(set)" if value else "(empty)"
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "get":
        with open(argv[1], "rb") as fh:
            value = tomllib.load(fh)
        section, key = argv[2].split(".", 1)
        found = value.get(section, {}).get(key)
        if found is not None:
            print(found if isinstance(found, str) else json.dumps(found))
        return 0
    if len(argv) >= 3 and argv[0] == "set":
        source, out, pairs = argv[1], argv[2], argv[3:]
        if pairs == ["-"]:
            pairs = [line for line in sys.stdin.read().splitlines() if line]
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
        tomllib.loads(text)  # refuse a file that is not TOML before touching anything
        lines = text.splitlines(keepends=True)
        wanted = {}
        for pair in pairs:
            dotted, raw = pair.split("=", 1)
            wanted[dotted] = json.loads(raw)
            old = read("".join(lines), dotted)
            if old != wanted[dotted]:
                lines = set_key(lines, dotted, wanted[dotted])
                print(f"{dotted}: {shown(dotted, old)} -> {shown(dotted, wanted[dotted])}")
        result = "".join(lines)
        for dotted, value in wanted.items():
            if read(result, dotted) != value:
                print(f"cannot set {dotted} in {source} safely; set it by hand", file=sys.stderr)
                return 1
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(result)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        print(f"{sys.argv[2] if len(sys.argv) > 2 else 'toml_keys'}: {exc}", file=sys.stderr)
        sys.exit(1)
