"""The kiosk unit's main process: runs cage (and through it the kiosk) and relays its notifications.

Why a relay: the kiosk unit opens a logind session for cage (``PAMName=``; cage needs the seat),
and pam_systemd moves the unit's processes into that session's scope. systemd then accepts
notifications only from the unit's main process, found by its PID; the kiosk, cage's child,
is in no cgroup of the unit, so its ``READY=1`` and ``WATCHDOG=1`` were dropped and the unit sat in
"activating" until ``TimeoutStartSec`` killed it, in a loop (found by scripts/test-boot, which
boots a provisioned Debian root under systemd-nspawn).

So this small process is the unit's main process (``ExecStart=… python -m kiosk.sdrelay -- cage
-- kiosk run …``). It binds its own notification socket in the unit's runtime folder, starts the
command with ``NOTIFY_SOCKET`` pointing there (and without ``WATCHDOG_PID``, so the watchdog applies
to whichever descendant notifies), and forwards every datagram to systemd as its own. It also
owns the stop, because systemd's signals reach only the main process (the rest is outside the
unit's cgroup):

- SIGTERM/SIGINT: the kiosk (the process that notified) is asked to stop first, so it finishes
  the look being recorded while the screen is still there; cage ends when its client has gone.
  Whatever still runs after ``--stop-grace`` seconds is killed, before systemd's own
  ``TimeoutStopSec`` would kill the relay alone and leave a stuck kiosk holding the camera.
- SIGABRT (systemd's watchdog: the kiosk stopped pinging): the kiosk gets SIGABRT too (Python's
  faulthandler writes every thread's stack to the journal), then everything is killed.
- A relay killed outright (SIGKILL): cage gets SIGTERM from the kernel (parent-death signal), so
  nothing is left outside the unit holding the camera when systemd starts it again.
- Whatever the session started and left behind (an Xwayland that cage was still starting when it
  ended, its helper process, the kiosk's pose process after a kill): the relay is their child
  subreaper, so they become its children when their parents end; once the command has ended it
  asks them to end (SIGTERM) and kills what is left ``STRAY_GRACE_S`` later. The relay ends, and
  the unit stops, only when nothing of the mirror runs.

The relay exits with the command's exit status (128 + N for a signal), so ``Restart=on-failure``
sees what happened; and with 1 when the command ends by itself with 0: nobody asked the kiosk to
stop, so it crashed or quit, and cage (0.1.4) exits 0 whatever its client's status, which would
leave a dead mirror that systemd does not restart; and with 137 (128 + SIGKILL) when it had to kill
the kiosk, whatever cage's own status (cage may see its client killed and exit 0 before its own
SIGKILL arrives). Without ``$NOTIFY_SOCKET`` (not under systemd) it simply runs the command.
Standard library only: it starts before anything else and must never be the thing that fails.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from kiosk.sdnotify import Notifier

_log = logging.getLogger("kiosk.sdrelay")

STOP_GRACE_S = 15.0  # below the unit's TimeoutStopSec (20 s): the relay, not systemd, ends stragglers
ABORT_GRACE_S = 3.0  # time for faulthandler to write the stacks before the kill
STRAY_GRACE_S = 2.0  # time for what the session left behind to end on SIGTERM before the kill
_CRED = struct.Struct("iII")  # struct ucred: pid, uid, gid
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PR_SET_CHILD_SUBREAPER = 36


class Relay:
    """Runs ``command`` and relays its notifications to ``environ``'s ``$NOTIFY_SOCKET``."""

    def __init__(self, command: list[str], environ: dict[str, str] | None = None,
                 stop_grace_s: float = STOP_GRACE_S, abort_grace_s: float = ABORT_GRACE_S,
                 stray_grace_s: float = STRAY_GRACE_S) -> None:
        if not command:
            raise ValueError("no command to run")
        self.command = command
        self.environ = dict(os.environ if environ is None else environ)
        self.upstream = Notifier(self.environ)
        self.stop_grace_s = stop_grace_s
        self.abort_grace_s = abort_grace_s
        self.stray_grace_s = stray_grace_s
        self.notifier_pid: int | None = None  # the descendant that notifies (the kiosk)
        # The unit's runtime folder; outside a unit with one, a private folder removed at the end.
        self._runtime = (self.environ.get("RUNTIME_DIRECTORY") or "").split(":")[0]
        self._own_folder: str | None = None
        self.path = ""  # the relay's socket, once bound
        self._sock: socket.socket | None = None
        self._child: subprocess.Popen | None = None
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._signals: list[int] = []
        self._aborting = False
        self._own_children: set[int] = set()

    # -- running --------------------------------------------------------------------------------

    def run(self) -> int:
        """Run the command to its end; its exit status (128 + N when a signal ended it)."""
        if not self.upstream.enabled:
            os.execvp(self.command[0], self.command)  # nothing to relay: become the command
        self._bind()
        _become_subreaper()
        # Children the relay had before the command: systemd's "(sd-pam)", which closes the logind
        # session when the relay ends. Not the session's leftovers.
        self._own_children = set(_children())
        env = dict(self.environ, NOTIFY_SOCKET=self.path)
        env.pop("WATCHDOG_PID", None)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGABRT)}
        old_wakeup = signal.set_wakeup_fd(self._wake_w)
        try:
            self._child = subprocess.Popen(self.command, env=env, preexec_fn=_end_with(os.getpid()))
            try:
                return self._loop()
            finally:
                self._end_strays()
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._close()

    def _bind(self) -> None:
        if not self._runtime:
            self._own_folder = tempfile.mkdtemp(prefix="smartmirror-notify-")
        self.path = os.path.join(self._runtime or self._own_folder, "notify")
        try:
            os.unlink(self.path)  # a socket left by a relay that was killed
        except FileNotFoundError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        sock.bind(self.path)
        self._sock = sock

    def _loop(self) -> int:
        assert self._child is not None and self._sock is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self._sock, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            deadline: float | None = None  # when the stop or abort runs out of patience
            killed = False  # the kiosk had to be killed: the relay ends as killed, whatever cage says
            while True:
                for key, _ in sel.select(timeout=0.2):
                    if key.fileobj is self._sock:
                        self._drain()
                    else:
                        _drain_pipe(self._wake_r)
                for sig in self._take_signals():
                    deadline = self._begin_stop(sig, deadline)
                code = self._child.poll()
                if code is not None:
                    self._drain()  # a last STOPPING=1 or STATUS= sent just before the end
                    if code == 0 and deadline is None:
                        # Nobody asked it to stop: the kiosk crashed or quit. cage exits 0 whatever its
                        # client's status, and systemd restarts (Restart=on-failure) only on a failure.
                        _log.error("the kiosk ended without being asked to stop; exiting as a failure so that "
                                   "systemd restarts it")
                        return 1
                    # Killed: cage may have seen its client die before its own SIGKILL came, and
                    # exited 0 first, which would report a forced stop as a clean one.
                    return 128 + signal.SIGKILL if killed else _status(code)
                if deadline is not None and time.monotonic() >= deadline:
                    if self._aborting:
                        _log.error("the kiosk did not end after the watchdog's abort; killing it")
                    else:
                        _log.error("the kiosk did not stop in time; killing it")
                    self._kill(signal.SIGKILL)
                    killed = True
                    deadline = time.monotonic() + 5.0

    def _on_signal(self, signum: int, _frame) -> None:
        self._signals.append(signum)

    def _take_signals(self) -> list[int]:
        taken, self._signals = self._signals, []
        return taken

    def _begin_stop(self, sig: int, deadline: float | None) -> float:
        now = time.monotonic()
        if sig == signal.SIGABRT:
            _log.error("the watchdog fired: writing the kiosk's stacks to the log, then ending it")
            self._aborting = True
            self._send(self.notifier_pid, signal.SIGABRT)
            return now + self.abort_grace_s if deadline is None else min(deadline, now + self.abort_grace_s)
        if deadline is not None:
            return deadline  # a second SIGTERM changes nothing
        # The kiosk first: it stops cleanly while its screen is still there; cage follows its client.
        target = self.notifier_pid if self._alive(self.notifier_pid) else self._child.pid
        self._send(target, signal.SIGTERM)
        return now + self.stop_grace_s

    def _kill(self, sig: int) -> None:
        # cage first: killed before the kiosk, it cannot see its client die and exit by itself
        for pid in (self._child.pid if self._child else None, self.notifier_pid):
            self._send(pid, sig)

    @staticmethod
    def _send(pid: int | None, sig: int) -> None:
        """``sig`` to ``pid``, then SIGCONT, so that a stopped process handles it too (as systemd does)."""
        if pid is None:
            return
        try:
            os.kill(pid, sig)
            if sig != signal.SIGKILL:
                os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    @staticmethod
    def _alive(pid: int | None) -> bool:
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _end_strays(self) -> None:
        """End what the command's processes left behind (now the relay's children) and reap it.

        Runs once the command has ended (its status is taken), so every child left but those the
        relay had before it started is a stray.
        """
        strays = self._strays()
        if not strays:
            return
        names = sorted({_name(pid) for pid in strays})
        _log.warning("the mirror's session left %d process(es) behind (%s); ending them",
                     len(strays), ", ".join(names))
        for pid in strays:
            self._send(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stray_grace_s
        killed = False
        while True:
            _reap()
            left = self._strays()  # a stray's own children come to the relay as it ends
            if not left:
                return
            now = time.monotonic()
            if now >= deadline:
                if killed:
                    _log.error("%d process(es) left behind did not end even when killed", len(left))
                    return
                _log.error("%d process(es) left behind did not end in time; killing them", len(left))
                for pid in left:
                    self._send(pid, signal.SIGKILL)
                killed, deadline = True, now + 2.0
            else:
                for pid in left:
                    if pid not in strays:  # newly come: ask them too
                        strays.append(pid)
                        self._send(pid, signal.SIGTERM)
            time.sleep(0.05)

    def _strays(self) -> list[int]:
        return [pid for pid in _children() if pid not in self._own_children]

    # -- relaying -------------------------------------------------------------------------------

    def _drain(self) -> None:
        assert self._sock is not None
        while True:
            try:
                data, ancillary, _flags, _addr = self._sock.recvmsg(4096, socket.CMSG_SPACE(_CRED.size))
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise
            self._relay(data, _sender(ancillary))

    def _relay(self, data: bytes, sender: int | None) -> None:
        # MAINPID= would let a descendant name another main process; the relay is the main process.
        fields = [line for line in data.decode("utf-8", "replace").split("\n")
                  if line and not line.startswith("MAINPID=")]
        if not fields:
            return
        if sender is not None and sender != os.getpid():
            self.notifier_pid = sender
        self.upstream.notify(*fields)

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
        if self._own_folder is not None:
            os.rmdir(self._own_folder)
            self._own_folder = None
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass


def _end_with(parent: int):
    """For the command's process, before it starts: SIGTERM when the relay dies, however it dies.

    The relay's own stop never leaves anything behind, but a relay killed outright (SIGKILL when
    systemd gives up, the OOM killer) would leave cage and the kiosk running in the logind
    session, outside the unit's cgroup, where systemd cannot see them: a restarted unit would then
    find the camera and the API port taken. With this, cage ends and the kiosk loses its screen.
    The setting survives exec (cage is not setuid).
    """

    def set_parent_death_signal() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the relay died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return set_parent_death_signal


def _become_subreaper() -> None:
    """Orphans of the command's processes become the relay's children instead of init's."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        _log.warning("cannot adopt what the mirror's session leaves behind (prctl: %s)",
                     os.strerror(ctypes.get_errno()))


def _children() -> list[int]:
    """The relay's live children (not zombies: ``_reap`` takes those)."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) "; comm may hold anything
        if len(fields) > 1 and int(fields[1]) == me and fields[0] != b"Z":
            found.append(int(entry))
    return found


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return "?"


def _sender(ancillary) -> int | None:
    """The sending process's PID, from the SCM_CREDENTIALS the kernel attaches (SO_PASSCRED)."""
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= _CRED.size:
            return _CRED.unpack_from(payload)[0]
    return None


def _drain_pipe(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _status(code: int) -> int:
    return 128 - code if code < 0 else code


USAGE = "usage: python -m kiosk.sdrelay [--stop-grace SECONDS] -- COMMAND [ARGS...]"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    grace = STOP_GRACE_S
    if args[:1] == ["--stop-grace"]:
        try:
            grace = float(args[1])
        except (IndexError, ValueError):
            print(USAGE, file=sys.stderr)
            return 2
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args or grace <= 0:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        return Relay(args, stop_grace_s=grace).run()
    except (OSError, ValueError) as exc:
        print(f"kiosk.sdrelay: cannot run {args[0]}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
