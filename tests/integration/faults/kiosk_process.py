"""`kiosk run --windowed` as the fault tests drive it: its window, its API, its log and its /proc.

``KioskProcess`` starts the real mirror in a child process on a private X server (optionally
inside a network namespace the test made), finds its window by process id and its API port in
its log, and offers what a fault test needs: the screen (``screen.Screen``: screenshots, taps,
the mirror's controls, whether live frames are painted), the threads and open files of the process,
the lines of its log since a mark (every plain-words message the screen shows is logged by the
bridges as "shown to the shopper: …"), authenticated API calls and the look library as
``kiosk looks list --json`` sees it. Every wait is bounded and polls a condition.
"""

from __future__ import annotations

import json
import os
import shutil
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import PYTHON, ROOT, ui_env
from tests.integration.faults.screen import Screen
from tests.integration.faults.waiting import Timeout, wait_until

TOKEN = "fault-campaign-token-0123456789abcdef"
SHOWN = "shown to the shopper: "


@dataclass
class Setup:
    """How the kiosk under test runs."""

    library: Path
    source: str
    width: int = 480
    height: int = 640
    toml: str = ""  # extra configuration sections
    netns: str | None = None  # run inside this network namespace (API bound in it)
    bind: str = "127.0.0.1"
    port: int = 0  # 0: any free port; fixed when a link must survive a restart
    announce: bool = False  # zeroconf: only inside a namespace the test made
    analysis: bool = False  # off: takes start only when a test presses Record
    idle_timeout_s: float = 900.0  # a visit (started by a touch: no analysis) ends after this long untouched
    env: dict = field(default_factory=dict)

    def config_text(self) -> str:
        return (
            "[display]\n"
            f'fill = "fit"\nwindow_width = {self.width}\nwindow_height = {self.height}\nshow_status = false\n'
            "[api]\n"
            f'bind = "{self.bind}"\nport = {self.port}\nannounce = {str(self.announce).lower()}\ntoken = "{TOKEN}"\n'
            f"[session]\nidle_timeout_s = {self.idle_timeout_s}\n"
            "[camera]\nbackoff_max_s = 4.0\n"
            f"[analysis]\nenabled = {str(self.analysis).lower()}\n"
            + self.toml
        )


@dataclass(frozen=True)
class Resources:
    """What the kiosk process holds at one moment."""

    threads: int
    fds: tuple[str, ...]  # what each open descriptor points at (sockets and pipes by kind)
    names: tuple[str, ...] = ()  # the threads' names, sorted

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for target in self.fds:
            kinds[target] = kinds.get(target, 0) + 1
        return f"{self.threads} threads {list(self.names)}, {len(self.fds)} open files: {kinds}"


class KioskProcess(Screen):
    """The mirror in a child process; use as a context manager or ``start``/``stop``."""

    def __init__(self, display: str, workdir: Path, setup: Setup) -> None:
        self.display = display
        self.workdir = workdir
        self.setup = setup
        self.config = workdir / "kiosk.toml"
        self.log_path = workdir / "kiosk.log"
        self.proc: subprocess.Popen | None = None
        self.window = ""
        self.api_url = ""
        self.runs = 0
        self.http = httpx  # what makes requests to the API (from inside the kiosk's namespace, if it has one)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, timeout: float = 90.0, api: bool = True) -> "KioskProcess":
        """Start the mirror and wait for its window and (with ``api``) its API (a plain mirror's: health and metrics)."""
        self.config.write_text(self.setup.config_text())
        self.runs += 1
        with self.log_path.open("a") as log:
            log.write(f"---- run {self.runs} ----\n")
        self._log_start = self.log_path.stat().st_size
        cmd = [PYTHON, "-m", "kiosk", "run", "--windowed", "--config", str(self.config), "--source",
               self.setup.source, "--library", str(self.setup.library)]
        if self.setup.netns:
            cmd = ["ip", "netns", "exec", self.setup.netns, *cmd]
        self.proc = subprocess.Popen(
            cmd, env=ui_env(self.display, **self.setup.env), cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.log_path.open("a"),
        )
        self.window = wait_until(self._find_window, f"the mirror window (run {self.runs})", timeout, every=0.3)
        if not api:
            return self
        match = wait_until(lambda: self._alive() and re.search(r"serving on (http://\S+) ", self.log(self._log_start)),
                           "the API serving", timeout)
        self.api_url = match.group(1)
        return self

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as systemd stops the service; returns the exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(f"the kiosk did not exit within {timeout:g} s of SIGTERM:\n{self.tail()}") from None

    def kill(self) -> None:
        """SIGKILL: a power cut as far as the kiosk can tell."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def __enter__(self) -> "KioskProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _alive(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the kiosk exited (status {self.proc.returncode}):\n{self.tail()}")
        return True

    def _find_window(self) -> str:
        self._alive()
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(self.pid), "--name", "Smart Mirror"],
                             env=ui_env(self.display), capture_output=True, text=True).stdout.split()
        return out[0] if out else ""

    # -- the process --------------------------------------------------------------------------

    def resources(self) -> Resources:
        pid = self.pid
        names = []
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/comm", encoding="utf-8") as f:
                    names.append(f.read().strip())
            except OSError:
                continue  # ended while we looked
        threads = len(names)
        fds = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue  # closed while we looked
            fds.append(re.sub(r"\[\d+\]$", "", target))  # socket:[123] -> socket:
        return Resources(threads, tuple(sorted(fds)), tuple(sorted(names)))

    def settles_to(self, before: Resources, timeout: float = 30.0, slack_threads: int = 0) -> Resources:
        """Wait until the process holds no more threads or files than ``before`` (a leak never settles)."""
        seen: list[Resources] = []

        def settled():
            now = self.resources()
            seen[:] = [now]
            return now.threads <= before.threads + slack_threads and len(now.fds) <= len(before.fds)

        try:
            wait_until(settled, "threads and open files returning to what they were", timeout, every=0.5)
        except Timeout:
            extra = sorted(set(seen[0].fds) - set(before.fds)) or "none by kind"
            spy = shutil.which("py-spy")  # where a developer has it: every thread's stack, by name
            if spy:
                dump = subprocess.run([spy, "dump", "--pid", str(self.pid)], capture_output=True, text=True, timeout=60)
                extra = f"{extra}\n{dump.stdout}"
            raise AssertionError(
                f"leak: before {before.describe()}; after {seen[0].describe()}; new kinds: {extra}"
            ) from None
        return seen[0]

    # -- the log ------------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the log; ``log(mark)`` and ``shown(mark)`` read from there on."""
        return self.log_path.stat().st_size

    def log(self, since: int = 0) -> str:
        with self.log_path.open("rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_log(self, pattern: str, since: int, timeout: float) -> re.Match:
        """Wait for a log line matching ``pattern`` written after ``since``."""
        try:
            return wait_until(lambda: self._alive() and re.search(pattern, self.log(since)), f"log line /{pattern}/",
                              timeout)
        except Timeout as exc:
            raise Timeout(f"{exc}:\n{self.tail()}") from None

    def shown(self, since: int = 0) -> list[str]:
        """Every plain-words message the screen showed the shopper since ``since``."""
        return [line.split(SHOWN, 1)[1] for line in self.log(since).splitlines() if SHOWN in line]

    def wait_shown(self, words: str, since: int, timeout: float = 30.0) -> str:
        """Wait until the screen showed a message containing ``words`` (case-insensitive)."""
        try:
            return wait_until(lambda: next((m for m in self.shown(since) if words.lower() in m.lower()), None),
                              f"the screen saying {words!r}", timeout)
        except Timeout as exc:
            raise Timeout(f"{exc}; it said {self.shown(since)}:\n{self.tail()}") from None

    def tracebacks(self, since: int = 0, allow: tuple[str, ...] = ()) -> list[str]:
        """The log records since ``since`` that carry a traceback, but those of the ``allow``ed loggers."""
        found, record = [], ""
        for line in self.log(since).splitlines():
            if re.match(r"\d{4}-\d\d-\d\d ", line):
                record = line
            elif line.startswith("Traceback") and not re.match(r"\S+ \S+ \w+ (%s):" % "|".join(allow or ["-"]), record):
                found.append(record or line)
        return found

    # -- the API and the library --------------------------------------------------------------

    def api(self, method: str, path: str, timeout: float = 15.0, **kw) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", **kw.pop("headers", {})}
        return self.http.request(method, self.api_url + path, headers=headers, timeout=timeout, **kw)

    def looks(self) -> list[dict]:
        """The library as store IT sees it: ``kiosk looks list --json``."""
        return list_looks(self.setup.library)


def list_looks(library: Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    done = subprocess.run([PYTHON, "-m", "kiosk", "looks", "list", "--library", str(library), "--json"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, f"kiosk looks list failed: {done.stderr}"
    return json.loads(done.stdout)


class ReaderSim:
    """``kiosk reader-sim`` (a PN532 on a pseudo-terminal) behind a fixed link, like /dev/serial/by-id."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.proc: subprocess.Popen | None = None

    def plug(self) -> "ReaderSim":
        env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "kiosk", "reader-sim", "--protocol", "pn532", "--link", str(self.link)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
        )
        assert self.proc.stdout.readline().strip(), "reader-sim printed no port"
        return self

    def tap(self, uid: str, hold_s: float = 0.8) -> None:
        self.proc.stdin.write(f"tap {uid} {hold_s}\n")
        self.proc.stdin.flush()

    def unplug(self) -> None:
        """Stop the simulator: its pseudo-terminal closes under the kiosk."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.terminate()
            self.proc.wait(15)
        self.proc = None
