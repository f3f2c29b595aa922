"""Parse camera source specs such as ``v4l2:/dev/video0?width=1920&fps=30``.

A spec is ``KIND:TARGET?key=value&...``. The kinds and the keys each accepts are listed in
``KINDS``; anything else is refused with one line naming the bad part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl


class SourceSpecError(ValueError):
    """A source spec string that cannot be used; the message names the bad part."""


def _positive_int(key: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SourceSpecError(f"source option {key}={text!r} is not a whole number") from None
    if value <= 0:
        raise SourceSpecError(f"source option {key}={text} must be greater than 0")
    return value


def _positive_float(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SourceSpecError(f"source option {key}={text!r} is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise SourceSpecError(f"source option {key}={text} must be a number greater than 0")
    return value


def _non_negative_float(key: str, text: str) -> float:
    if text in ("0", "0.0"):
        return 0.0
    return _positive_float(key, text)


def _flag(key: str, text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SourceSpecError(f"source option {key}={text!r} must be 0 or 1")


def _fourcc(key: str, text: str) -> str:
    if len(text) != 4 or not text.isascii() or not text.isprintable():
        raise SourceSpecError(f"source option {key}={text!r} must be four characters, e.g. MJPG or YUYV")
    return text.upper()


_SIZE = {"width": _positive_int, "height": _positive_int, "fps": _positive_float}

# kind -> (whether a target is required, {option: parser})
KINDS: dict[str, tuple[bool, dict]] = {
    "v4l2": (True, {**_SIZE, "fourcc": _fourcc}),
    "file": (True, {"loop": _flag, "realtime": _flag}),
    "synthetic": (
        False,
        {**_SIZE, "stall_at": _non_negative_float, "stall_for": _non_negative_float},
    ),
}


@dataclass(frozen=True)
class SourceSpec:
    """A parsed source spec: kind, target (device path or file) and typed options."""

    kind: str
    target: str = ""
    options: dict = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.options.get(key, default)

    def __str__(self) -> str:
        query = "&".join(f"{k}={_render(v)}" for k, v in self.options.items())
        return f"{self.kind}:{self.target}" + (f"?{query}" if query else "")


def _render(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_source_spec(text: str) -> SourceSpec:
    """Parse ``text`` into a ``SourceSpec`` or raise ``SourceSpecError`` naming the bad part."""
    if not isinstance(text, str) or not text.strip():
        raise SourceSpecError("empty source spec; expected e.g. synthetic: or v4l2:/dev/video0")
    text = text.strip()
    kind, sep, rest = text.partition(":")
    if not sep:
        raise SourceSpecError(
            f"source spec {text!r} has no kind; expected KIND:TARGET, e.g. v4l2:/dev/video0, "
            "file:clip.mp4 or synthetic:"
        )
    if kind not in KINDS:
        raise SourceSpecError(f"unknown source kind {kind!r}; expected v4l2, file or synthetic")
    needs_target, parsers = KINDS[kind]
    target, _, query = rest.partition("?")
    if needs_target and not target:
        example = "/dev/video0" if kind == "v4l2" else "PATH.mp4"
        raise SourceSpecError(f"source kind {kind!r} needs a target, e.g. {kind}:{example}")
    if not needs_target and target:
        raise SourceSpecError(f"source kind {kind!r} takes no target, got {target!r}")
    options: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in parsers:
            known = ", ".join(sorted(parsers))
            raise SourceSpecError(f"unknown option {key!r} for {kind} source; expected one of {known}")
        if key in options:
            raise SourceSpecError(f"source option {key!r} given twice")
        options[key] = parsers[key](key, value)
    if query and not options:
        raise SourceSpecError(f"cannot read source options {query!r}; expected key=value&key=value")
    return SourceSpec(kind, target, options)
