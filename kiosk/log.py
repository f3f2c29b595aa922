"""Logging set-up: plain lines on stderr (journald adds its own timestamps under systemd)."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

SUMMARY_S = 60.0  # how often a failure that keeps repeating is summed up in one line


#: syslog priorities (``sd-daemon(3)``'s ``<N>`` prefixes) of the logging levels
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def setup_logging(verbose: int = 0) -> None:
    """Send logs to stderr so ``--json`` output on stdout stays clean."""
    level = logging.WARNING - 10 * verbose
    if os.environ.get("KIOSK_LOG_LEVEL"):
        level = getattr(logging, os.environ["KIOSK_LOG_LEVEL"].upper(), level)
    under_systemd = "INVOCATION_ID" in os.environ or "JOURNAL_STREAM" in os.environ
    fmt = "%(levelname)s %(name)s: %(message)s" if under_systemd else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JournalFormatter(fmt) if stderr_is_journal() else logging.Formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, level))


def stderr_is_journal() -> bool:
    """Whether stderr is systemd's journal stream (``JOURNAL_STREAM`` names its device and inode), not
    a file or pipe it was redirected to: only there do ``<N>`` prefixes mean something."""
    try:
        device, inode = (int(part) for part in os.environ.get("JOURNAL_STREAM", "").split(":"))
        found = os.fstat(sys.stderr.fileno())
    except (ValueError, OSError, AttributeError):  # unset or odd; no real stderr (a closed or replaced one)
        return False
    return (found.st_dev, found.st_ino) == (device, inode)


class JournalFormatter(logging.Formatter):
    """Each line led by its syslog priority (``<3>`` for ERROR, ``sd-daemon(3)``): journald takes it as
    the entry's priority and strips it, so ``journalctl -p err`` and the store's log shipping see the
    kiosk's errors as errors, where every line was stored as info. Every line of a traceback gets it too
    (journald stores each line as an entry of its own)."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)}>"
        return "\n".join(prefix + line for line in super().format(record).split("\n"))


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
    """Logs a repeating error at warning (or error) level once, then at debug until it changes.

    ``exception`` is for a loop whose every pass fails the same way: the traceback once, then a
    one-line count every ``summary_s`` while it goes on, so a lasting fault cannot flood the journal.
    """

    def __init__(self, logger: logging.Logger, summary_s: float = SUMMARY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._last: str | None = None
        self._summary_s = summary_s
        self._clock = clock
        self._repeats = 0  # the same failure since the last line about it
        self._said_at = 0.0

    def warning(self, message: str, *args) -> None:
        self._log(logging.WARNING, message, args)

    def error(self, message: str, *args) -> None:
        """As ``warning``, at ERROR the first time (it reaches health's ``last_error``)."""
        self._log(logging.ERROR, message, args)

    def exception(self, message: str, *args) -> None:
        """In an ``except`` block: ``message`` at ERROR with the traceback, the first time.

        The same failure again (the same message, exception type and place it was raised) is
        counted, and said in one line at ERROR (it keeps health's ``last_error`` current) at most
        every ``summary_s``; a different one gets its traceback.
        """
        exc = sys.exc_info()[1]
        text = message % args if args else message
        key = f"{text}\0{_origin(exc)}"
        now = self._clock()
        if key != self._last:
            self._last, self._repeats, self._said_at = key, 0, now
            self._logger.error("%s", text, exc_info=True)
            return
        self._repeats += 1
        if now - self._said_at >= self._summary_s:
            self._logger.error("%s again, %d times in the last %.0f s (%s: %s)", text, self._repeats,
                               now - self._said_at, type(exc).__name__, exc)
            self._repeats, self._said_at = 0, now

    def _log(self, first_level: int, message: str, args: tuple) -> None:
        text = message % args if args else message
        level = logging.DEBUG if text == self._last else first_level
        self._last = text
        self._logger.log(level, "%s", text)

    def clear(self) -> bool:
        """The trouble is over; True when there was some (so its end can be said once)."""
        had, self._last, self._repeats = self._last is not None, None, 0
        return had


def _origin(exc: BaseException | None) -> str:
    """The exception's type and the line that raised it: what makes two failures "the same"."""
    if exc is None:
        return ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""
    return f"{type(exc).__name__}@{where}"
