"""Logging set-up: plain lines on stderr (journald adds its own timestamps under systemd)."""

from __future__ import annotations

import logging
import os
import sys


def setup_logging(verbose: int = 0) -> None:
    """Send logs to stderr so ``--json`` output on stdout stays clean."""
    level = logging.WARNING - 10 * verbose
    if os.environ.get("KIOSK_LOG_LEVEL"):
        level = getattr(logging, os.environ["KIOSK_LOG_LEVEL"].upper(), level)
    under_systemd = "INVOCATION_ID" in os.environ or "JOURNAL_STREAM" in os.environ
    fmt = "%(levelname)s %(name)s: %(message)s" if under_systemd else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, level))


class QuietLogger:
    """Logs a repeating error at warning (or error) level once, then at debug until it changes."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._last: str | None = None

    def warning(self, message: str, *args) -> None:
        self._log(logging.WARNING, message, args)

    def error(self, message: str, *args) -> None:
        """As ``warning``, at ERROR the first time (it reaches health's ``last_error``)."""
        self._log(logging.ERROR, message, args)

    def _log(self, first_level: int, message: str, args: tuple) -> None:
        text = message % args if args else message
        level = logging.DEBUG if text == self._last else first_level
        self._last = text
        self._logger.log(level, "%s", text)

    def clear(self) -> None:
        self._last = None
