"""What a check is: an id, a state (ok, warning, fail), one plain sentence and a hint; and its context.

A check is a function ``check(ctx) -> Result | list[Result]``. ``Context`` carries everything
a check looks at, so a test points it at temporary folders, a fake ``/sys`` and a fake clock
instead of the machine's: the configuration (or why it is invalid), the data folder, the
environment, the file-system root for ``/sys``, ``/proc``, ``/run``, ``/dev`` and ``/etc`` paths, a
command runner, the clock's ``adjtimex`` state, the time zone, this device's addresses, where a
Python package is installed, the time and the time budgets. No check writes anything.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import Config
from kiosk.paths import SYSTEM_DATA_DIR

Runner = Callable[[list[str]], tuple[int, str]]


class State(str, enum.Enum):
    OK = "ok"
    WARNING = "warning"
    FAIL = "fail"


@dataclass(frozen=True)
class Result:
    """One answer: ``sentence`` says what was found, ``hint`` what to do about it ("" when nothing)."""

    id: str
    state: State
    sentence: str
    hint: str = ""

    def as_dict(self) -> dict:
        return {"id": self.id, "state": self.state.value, "sentence": self.sentence, "hint": self.hint}


def ok(check_id: str, sentence: str, hint: str = "") -> Result:
    return Result(check_id, State.OK, sentence, hint)


def warning(check_id: str, sentence: str, hint: str) -> Result:
    return Result(check_id, State.WARNING, sentence, hint)


def fail(check_id: str, sentence: str, hint: str) -> Result:
    return Result(check_id, State.FAIL, sentence, hint)


def run_command(argv: list[str], timeout: float = 10.0, env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """(exit status, stdout and stderr); 127 when the program is missing, 124 when it timed out.
    ``env``: the program's environment (None: this one's)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, env=env)
    except FileNotFoundError:
        return 127, f"{argv[0]} is not installed"
    except subprocess.TimeoutExpired:
        return 124, f"{argv[0]} did not answer within {timeout:g} s"
    except OSError as exc:
        return 126, f"{argv[0]} cannot run ({exc.strerror})"
    return done.returncode, (done.stdout + done.stderr).strip()


#: The kiosk's body analysis loaded and run on one blank picture, as the kiosk starts it; at a
#: lower priority than the running kiosk's, whose mirror must not stutter while store IT asks.
_POSE_TRIAL = ("import os; os.nice(10); import numpy as np; from kiosk.analysis.pose import PoseEstimator, PoseSettings; "
               "p = PoseEstimator(PoseSettings(model_complexity={complexity})); p.start(); "
               "p.estimate(np.zeros((360, 640, 3), np.uint8), 0.0); p.close()")


#: What the trial's Python goes without, as the kiosk's pose process does (``kiosk.analysis.pose_process``):
#: given a display, mediapipe opens an EGL context on it that the model never uses (over ``ssh -X``, on
#: the store IT's own screen).
_NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY")


def try_pose_model(complexity: int) -> tuple[int, str]:
    """Load and run the pose model in a Python of its own (this one's interpreter), as
    ``run_command`` answers: whether it works, without loading it here. 60 s: it takes seconds on a Pi.

    Nothing stays written: mediapipe imports matplotlib, which makes its settings folder and font
    list in the home of whoever runs the doctor (root's under sudo) unless ``MPLCONFIGDIR`` names
    another, so the trial gets a temporary one, removed afterwards (the kiosk units name the
    kiosk's cache). ``-P``: a module in the folder the doctor is run from is never imported (under
    sudo, from a folder another user can write)."""
    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as settings:
        environ = {k: v for k, v in os.environ.items() if k not in _NO_DISPLAY}
        environ["MPLCONFIGDIR"] = settings
        return run_command([sys.executable, "-P", "-c", _POSE_TRIAL.format(complexity=int(complexity))],
                           timeout=60.0, env=environ)


def installed_package(name: str) -> Path | None:
    """The folder of the installed package ``name``, found without importing it; None when not installed."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@dataclass
class Context:
    """What the checks look at; ``memo`` lets checks of one area share a slow measurement."""

    config: Config
    config_error: str = ""  # why the file is invalid ("" when valid); the checks then use the defaults
    data_dir: Path = SYSTEM_DATA_DIR  # the command passes kiosk.paths.data_dir(config)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    root: Path = Path("/")  # where /sys, /proc, /run, /dev and /etc are (tests: a fake tree)
    run: Runner = run_command
    adjtimex: Callable[[], int | None] | None = None  # the kernel clock state (5: unsynchronised); None: ask the kernel
    local_zone: Callable[[], str] | None = None  # the time zone's name ("" unset); None: read /etc/localtime under root
    addresses: Callable[[], list[str]] | None = None  # the IPv4 addresses this device holds; None: ask the kernel
    find_package: Callable[[str], Path | None] = installed_package  # a package's folder; None: not installed
    try_pose: Callable[[int], tuple[int, str]] = try_pose_model  # (exit status, output) of running the pose model
    now: Callable[[], float] = time.time
    camera_s: float = 3.0  # seconds the camera's real frame rate is measured
    reader_s: float = 4.0  # seconds the card reader gets to answer
    mdns_s: float = 3.0  # seconds to look for the mirror's own announcement
    http_timeout_s: float = 3.0
    memo: dict = field(default_factory=dict)

    def path(self, absolute: str) -> Path:
        """``absolute`` (e.g. /sys/…) under ``root``."""
        return self.root / absolute.lstrip("/")

    def identity_database(self) -> Path:
        """The customer directory: ``identity.database``, else beside the looks in ``data_dir``."""
        from kiosk.paths import IDENTITY_DB_NAME

        configured = self.config.identity.database
        return Path(configured).expanduser() if configured else self.data_dir / IDENTITY_DB_NAME

    def once(self, key: str, compute: Callable[[], object]):
        """``compute()`` the first time ``key`` is asked for, the same answer after."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


def kiosk_holders(ctx: Context) -> list[int] | None:
    """The running kiosk's processes: those holding a database of the data folder open (its
    ``NAME.lock`` flock). The data folder is the mirror user's (0750): run by another user the
    doctor cannot look at those files, and then finds the kiosk by its command line instead
    (``kiosk run`` or ``kiosk serve``); None when it cannot tell (``/proc`` hides other users'
    processes too). A kiosk on a data folder it cannot write runs as a plain mirror
    (``plain_mirror``), which opens no database: it too is found by its command line."""
    files = [ctx.data_dir / name for name in ("looks.db.lock", "network.sqlite3.lock")]
    held = flock_holders(ctx, files)
    if held:
        return held
    if _closed(files):
        return kiosk_processes(ctx) or None
    return kiosk_processes(ctx) if plain_mirror(ctx) else held


def plain_mirror(ctx: Context) -> bool:
    """Whether a kiosk on this data folder runs as a plain mirror: the folder cannot be written
    (``kiosk.plain_mirror``; it holds the camera, but no database and no card reader)."""
    from kiosk.storage.writable import unwritable

    return bool(unwritable(ctx.data_dir))


def _closed(files: list[Path]) -> bool:
    """Whether this user may not look at any of ``files``."""
    for file in files:
        try:
            file.stat()
        except PermissionError:
            return True
        except OSError:
            continue
    return False


def kiosk_processes(ctx: Context) -> list[int]:
    """Processes (other than this one) whose command line is a kiosk's: ``kiosk run`` or ``kiosk
    serve``, started as the ``kiosk`` script or ``python -m kiosk``, from ``/proc``."""
    pids = []
    try:
        entries = list(ctx.path("/proc").iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")
        except OSError:
            continue  # gone meanwhile, or hidden
        if _is_kiosk(argv):
            pids.append(int(entry.name))
    return sorted(pids)


def _is_kiosk(argv: list[str]) -> bool:
    """``[python] .../kiosk [OPTIONS] run|serve ...`` or ``python -m kiosk [OPTIONS] run|serve ...``
    (the kiosk's own options before its command take no value). Programs that only start the
    kiosk (cage, env, the systemd relay) name it further on in their command lines."""
    names = [os.path.basename(a) for a in argv[:3]]
    if names[:1] == ["kiosk"]:
        rest = argv[1:]
    elif len(names) > 1 and names[0].startswith("python") and names[1] == "kiosk":
        rest = argv[2:]
    elif len(names) > 2 and names[0].startswith("python") and argv[1:3] == ["-m", "kiosk"]:
        rest = argv[3:]
    else:
        return False
    return next((a for a in rest if not a.startswith("-")), "") in ("run", "serve")


def flock_holders(ctx: Context, files: list[Path]) -> list[int]:
    """Processes (other than this one) holding a ``flock`` on any of ``files``, from /proc/locks.

    Reading ``/proc/locks`` takes no lock itself, so asking changes nothing for the kiosk.
    """
    inodes = set()
    for file in files:
        try:
            info = file.stat()
        except OSError:
            continue
        inodes.add((os.major(info.st_dev), os.minor(info.st_dev), info.st_ino))
    if not inodes:
        return []
    try:
        text = ctx.path("/proc/locks").read_text()
    except OSError:
        return []
    pids: set[int] = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[1] != "FLOCK":
            continue  # POSIX locks, and "->" lines of waiters
        try:
            pid = int(parts[4])
            major, minor, inode = parts[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
        except ValueError:
            continue
        if key in inodes and pid != os.getpid():
            pids.add(pid)
    return sorted(pids)
