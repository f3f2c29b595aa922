"""The systemd notification protocol (sd_notify), spoken by the kiosk itself: no libsystemd.

systemd hands a ``Type=notify`` service ``$NOTIFY_SOCKET``, a unix datagram socket (a path, or
``@name`` in the abstract namespace), and with ``WatchdogSec=`` also ``$WATCHDOG_USEC`` and
``$WATCHDOG_PID``. A notification is one datagram of ``KEY=value`` lines: ``READY=1`` once the
first frame is painted, ``WATCHDOG=1`` while frames flow, ``STATUS=…`` for ``systemctl status``.

Under cage the unit's main process is ``kiosk.sdrelay``, which runs cage and relays the kiosk's
notifications (systemd would drop them: the logind session moves cage and the kiosk out of the
unit's cgroup); it names its own socket in ``$NOTIFY_SOCKET`` and leaves ``WATCHDOG_PID`` out.
The watchdog applies when ``WATCHDOG_PID`` is unset, this process or its parent.

Without ``$NOTIFY_SOCKET`` (not under systemd) every call does nothing and returns False, so the
kiosk runs exactly as before. A failed send is logged once and never raised: the watchdog, not
an exception in the UI thread, decides what happens to a mirror that cannot reach systemd.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

_log = logging.getLogger(__name__)


class Notifier:
    """Sends notifications to the service manager named by an environment (os.environ by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None, pid: int | None = None, ppid: int | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._pid = os.getpid() if pid is None else pid
        self._ppid = os.getppid() if ppid is None else ppid
        self._warned = False

    @property
    def address(self) -> str | bytes | None:
        """The socket address from ``$NOTIFY_SOCKET`` (abstract names as bytes), or None."""
        raw = self._environ.get("NOTIFY_SOCKET", "")
        if raw.startswith("@") and len(raw) > 1:
            return b"\0" + raw[1:].encode()
        if raw.startswith("/"):
            return raw
        return None

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def watchdog_interval(self) -> float | None:
        """Seconds between two ``WATCHDOG=1`` (half the unit's WatchdogSec), or None without a watchdog."""
        return watchdog_interval(self._environ, self._pid, self._ppid)

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def notify(self, *fields: str) -> bool:
        """Send ``fields`` as one notification; True when the service manager got it."""
        address = self.address
        if address is None or not fields:
            return False
        message = "\n".join(f.replace("\n", " ") for f in fields).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, address)
        except OSError as exc:
            if not self._warned:
                _log.warning("cannot notify systemd at %s: %s", self._environ.get("NOTIFY_SOCKET"), exc.strerror or exc)
                self._warned = True
            return False
        return True


def watchdog_interval(environ: Mapping[str, str], pid: int, ppid: int) -> float | None:
    """Half of ``$WATCHDOG_USEC`` in seconds when the watchdog is meant for ``pid`` (or its parent ``ppid``)."""
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    owner = environ.get("WATCHDOG_PID", "")
    if owner:
        try:
            if int(owner) not in (pid, ppid):
                return None
        except ValueError:
            return None
    return usec / 2_000_000
