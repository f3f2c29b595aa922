"""Logging set-up: plain lines on stderr (journald adds its own timestamps under systemd)."""

from __future__ import annotations

import logging
import os
import sys
import threading


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


def install_thread_hook() -> None:
    """Log an exception that ends a thread at ERROR (logger ``kiosk.threads``) instead of only on stderr.

    Every long-running loop catches its own exceptions; one that slips through still reaches
    the journal and ``/api/v1/health``'s ``last_error`` this way.
    """
    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        logging.getLogger("kiosk.threads").error(
            "the %s thread ended on an unexpected error (%s: %s)", name, args.exc_type.__name__, args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    threading.excepthook = hook


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

    def clear(self) -> bool:
        """The trouble is over; True when there was some (so its end can be said once)."""
        had, self._last = self._last is not None, None
        return had
