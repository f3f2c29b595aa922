"""``kiosk doctor``'s checks, one by one, pointed at temporary folders and fake /sys trees."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.config import Config
from kiosk.doctor.camera import CABLE_HINT, check_camera
from kiosk.doctor.check import Context, State
from kiosk.doctor.clock import check_clock, files_written, released
from kiosk.doctor.configuration import check_config
from kiosk.doctor.databases import check_databases
from kiosk.doctor.display import check_display, check_qt_plugin
from kiosk.doctor.network import check_interfaces, check_webhook
from kiosk.doctor.pose import REINSTALL_HINT, check_pose_model
from kiosk.doctor.power import check_power
from kiosk.doctor.printer import as_json, as_text
from kiosk.doctor.runner import CHECKS, exit_code, run_checks
from kiosk.doctor.secret import check_store_secret
from kiosk.doctor.storage import check_data_folder, check_disk_space, check_library
from kiosk.doctor.timezone import check_timezone
from kiosk.library import Library
from kiosk.net.db import NetworkDatabase
from tests.unit.test_library_looks import add


def context(tmp_path: Path, **kw) -> Context:
    config = Config()
    config.library.data_dir = str(tmp_path / "data")
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return Context(config=config, data_dir=tmp_path / "data", environ=kw.pop("environ", {}), root=root, **kw)


def put(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def tree(folder: Path) -> dict:
    """Every file under ``folder`` with its size, content hash and mode: what "changes nothing" means."""
    return {str(p.relative_to(folder)): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- power (a Raspberry Pi's throttling flags, faked under tmp like Anthias' undervoltage test) --


@pytest.mark.parametrize(
    "flags, state, words",
    [
        ("0x0", State.OK, "power supply and temperature are fine"),
        ("0x50005", State.FAIL, "too weak right now: under-voltage"),
        ("0x50000", State.WARNING, "has seen under-voltage, throttling"),
        ("0x80008", State.FAIL, "the soft temperature limit is reached"),
        ("0x80000", State.WARNING, "the soft temperature limit"),
    ],
)
def test_raspberry_pi_power_flags(tmp_path, flags, state, words):
    ctx = context(tmp_path)
    put(ctx.root, "/proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.5\0")
    put(ctx.root, "/sys/devices/platform/soc/soc:firmware/get_throttled", flags + "\n")
    result = check_power(ctx)
    assert result.state is state and words in result.sentence, result
    assert (state is State.OK) == (result.hint == "")


def test_power_flags_from_vcgencmd_when_sysfs_lacks_them(tmp_path):
    ctx = context(tmp_path, run=lambda argv: (0, "throttled=0x50005") if argv == ["vcgencmd", "get_throttled"] else (127, ""))
    put(ctx.root, "/proc/device-tree/model", "Raspberry Pi 5 Model B Rev 1.0\0")
    assert check_power(ctx).state is State.FAIL


def test_not_a_raspberry_pi(tmp_path):
    result = check_power(context(tmp_path))
    assert result.state is State.OK and "Not a Raspberry Pi" in result.sentence


# -- clock ----------------------------------------------------------------------------------------


def test_clock_synchronised_by_timesyncd(tmp_path):
    ctx = context(tmp_path, adjtimex=lambda: 5)
    put(ctx.root, "/run/systemd/timesync/synchronized", "")
    assert check_clock(ctx).state is State.OK


@pytest.mark.parametrize("kernel, state", [(0, State.OK), (5, State.WARNING), (None, State.WARNING)])
def test_clock_as_the_kernel_says(tmp_path, kernel, state):
    result = check_clock(context(tmp_path, adjtimex=lambda: kernel))
    assert result.state is state
    if kernel == 5:
        assert "not synchronised" in result.sentence and "timedatectl set-ntp true" in result.hint


@pytest.mark.parametrize("synchronised", [True, False])
def test_a_clock_before_the_kiosks_release_fails_even_if_called_synchronised(tmp_path, synchronised):
    # A Raspberry Pi has no clock battery: booted offline it says 1970, or the date it last saved.
    for now in (0.0, released() - 86400):
        ctx = context(tmp_path, adjtimex=lambda: 0 if synchronised else 5, now=lambda: now)
        if synchronised:
            put(ctx.root, "/run/systemd/timesync/synchronized", "")
        result = check_clock(ctx)
        assert result.state is State.FAIL, result
        said = time.strftime("%Y-%m-%d", time.gmtime(now))
        assert result.sentence.startswith(f"The clock says {said}, before this kiosk's software was released (2026-12-01)")
        assert "share links expire at the wrong time" in result.sentence and "timedatectl set-ntp true" in result.hint


def test_an_unsynchronised_clock_before_the_kiosks_files_were_written_is_a_warning_that_says_so(tmp_path):
    written = files_written()
    assert written - 60 > released(), "the package's files are older than its release date"
    ctx = context(tmp_path, adjtimex=lambda: 5, now=lambda: written - 60)
    result = check_clock(ctx)
    assert result.state is State.WARNING and "before the kiosk's own files were written" in result.sentence, result
    # a synchronised clock is trusted over the date a file was written with (perhaps by a wrong clock)
    put(ctx.root, "/run/systemd/timesync/synchronized", "")
    assert check_clock(ctx).state is State.OK


# -- time zone: the opening hours are read in it ---------------------------------------------------

HOURS = "Mo-Sa 09:00-20:00"
MONDAY = 1797257520.0  # Monday 14 December 2026, 14:12 UTC: 09:12 in New York


def zone_data(root: Path, *zones: str) -> None:
    """This machine's zone files, as the fake root's own zone data."""
    for zone in zones:
        source = Path("/usr/share/zoneinfo", zone)
        if not source.is_file():
            pytest.skip(f"this machine has no zone data for {zone} (tzdata)")
        put(root, f"/usr/share/zoneinfo/{zone}", "")
        shutil.copyfile(source, root / "usr/share/zoneinfo" / zone)


@pytest.mark.parametrize(
    "zone, hours, state, words",
    [
        ("Etc/UTC", HOURS, State.WARNING, "The time zone is Etc/UTC, so the opening hours are read as UTC: the screen "
                                          "follows 'Mo-Sa 09:00-20:00' by UTC (Monday 14 December, 14:12 UTC now)"),
        ("UTC", HOURS, State.WARNING, "The time zone is UTC, so the opening hours are read as UTC"),
        ("", HOURS, State.WARNING, "The time zone is not set, so the opening hours are read as UTC"),
        ("America/New_York", HOURS, State.OK, "The time zone is America/New_York; it is Monday 14 December, 09:12 EST "
                                              "here, and the opening hours are read in it."),
        ("Etc/UTC", "", State.OK, "The time zone is Etc/UTC; it is Monday 14 December, 14:12 UTC here."),
        ("Etc/UTC", "24/7", State.OK, "The time zone is Etc/UTC; it is Monday 14 December, 14:12 UTC here."),
        ("", "", State.OK, "The time zone is not set (local time is UTC); it is Monday 14 December, 14:12 UTC here."),
        ("Europe/Paris", "", State.OK, "The time zone is Europe/Paris; it is Monday 14 December, 15:12 CET here."),
    ],
)
def test_the_time_zone_and_opening_hours_read_as_utc(tmp_path, zone, hours, state, words):
    ctx = context(tmp_path, local_zone=lambda: zone, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Europe/Paris")
    ctx.config.display.opening_hours = hours
    result = check_timezone(ctx)
    assert result.state is state and words in result.sentence, result
    if state is State.WARNING:
        assert "'sudo scripts/provision --timezone Area/City'" in result.hint
        assert "'sudo timedatectl set-timezone Area/City'" in result.hint
    else:
        assert result.hint == ""


@pytest.mark.parametrize(
    "layout, zone",
    [
        ({"/etc/localtime": "/usr/share/zoneinfo/America/New_York", "/etc/timezone": "America/New_York\n"}, "America/New_York"),
        ({"/etc/localtime": "../usr/share/zoneinfo/America/New_York"}, "America/New_York"),  # as timedatectl links it
        ({"/etc/localtime": "/usr/share/zoneinfo/Etc/UTC", "/etc/timezone": "Etc/UTC\n"}, "Etc/UTC"),  # a Debian image
        ({"/etc/localtime": None, "/etc/timezone": "America/New_York\n"}, "America/New_York"),  # a copied zone file
        ({}, "not set"),
    ],
)
def test_the_zone_is_the_one_etc_localtime_names(tmp_path, layout, zone):
    ctx = context(tmp_path, now=lambda: MONDAY)
    zone_data(ctx.root, "America/New_York", "Etc/UTC")
    ctx.config.display.opening_hours = HOURS
    for path, value in layout.items():
        if path == "/etc/localtime":
            (ctx.root / "etc").mkdir(exist_ok=True)
            if value is None:
                shutil.copyfile("/usr/share/zoneinfo/America/New_York", ctx.root / "etc/localtime")
            else:
                (ctx.root / "etc/localtime").symlink_to(value)
        else:
            put(ctx.root, path, value)
    result = check_timezone(ctx)
    assert result.sentence.startswith(f"The time zone is {zone}"), result
    assert (result.state is State.OK) == (zone == "America/New_York")


def test_a_zone_that_is_not_installed_is_read_as_utc(tmp_path):
    """/etc/localtime names a zone whose file is missing (no tzdata): glibc reads local time as UTC."""
    ctx = context(tmp_path, now=lambda: MONDAY)
    put(ctx.root, "/etc/timezone", "America/New_York\n")
    (ctx.root / "etc/localtime").symlink_to("/usr/share/zoneinfo/America/New_York")
    result = check_timezone(ctx)
    assert result.state is State.WARNING
    assert result.sentence == ("The time zone is America/New_York, which is not installed here (no "
                               "/usr/share/zoneinfo/America/New_York), so local time is UTC: share pages date looks "
                               "by UTC (Monday 14 December, 14:12 UTC now).")
    assert result.hint.startswith("Install the zone data ('sudo apt-get install tzdata'), then set the store's zone")
    ctx.config.display.opening_hours = HOURS
    assert "so the opening hours are read as UTC" in check_timezone(ctx).sentence


def test_the_timezone_check_runs_after_the_clock_and_answers_in_the_usual_json_shape(tmp_path):
    ids = [check_id for check_id, _ in CHECKS]
    assert ids.index("timezone") == ids.index("clock") + 1
    ctx = context(tmp_path, local_zone=lambda: "Etc/UTC", now=lambda: MONDAY)
    ctx.config.display.opening_hours = HOURS
    (answer,) = json.loads(as_json([check_timezone(ctx)]))["checks"]
    assert answer["id"] == "timezone" and answer["state"] == "warning"
    assert set(answer) == {"id", "state", "sentence", "hint"}


# -- camera -------------------------------------------------------------------------------------------


def test_a_camera_that_is_not_plugged_in_gets_the_cable_hint_once(tmp_path):
    # The camera, its modes and its frame rate all fail for one reason: the hint is printed with
    # the first and the other two point back to it; the JSON keeps each check whole.
    ctx = context(tmp_path)
    ctx.config.camera.source = "v4l2:/dev/video99"
    results = check_camera(ctx)
    assert [(r.id, r.hint == CABLE_HINT) for r in results] == [("camera", True), ("camera-modes", True), ("camera-fps", True)]
    # nothing was timed, so no "in 0 s" as if it had waited for a picture
    assert results[2].sentence == "Camera /dev/video99 gives no picture, so it has no frame rate to measure.", results[2].sentence
    text = as_text(results)
    assert text.count("USB cable") == 1, text
    assert text.count("→ See the hint for camera above.") == 2, text
    assert all(check["hint"] == CABLE_HINT for check in json.loads(as_json(results))["checks"])


def test_a_missing_video_file_gives_its_own_hint_for_the_modes_and_the_frame_rate_too(tmp_path):
    # A file: camera that is not there has no modes either, and no USB cable to check.
    ctx = context(tmp_path)
    ctx.config.camera.source = f"file:{tmp_path / 'missing.mp4'}"
    results = check_camera(ctx)
    assert [r.state for r in results] == [State.FAIL, State.WARNING, State.FAIL], results
    assert "does not exist" in results[0].sentence and "Fix camera.source" in results[0].hint
    assert results[1].sentence == f"The modes of the video file {tmp_path / 'missing.mp4'} were not read: it gives no picture."
    assert all(r.hint == results[0].hint for r in results), results
    assert "USB cable" not in as_text(results)


@pytest.mark.parametrize("target, what", [("file", "it is a file, not a device"), ("folder", "it is a folder"),
                                          ("/dev/null", "it is another kind of device")])
def test_a_camera_source_that_is_not_a_camera_says_so_not_that_it_is_busy(tmp_path, target, what):
    (tmp_path / "file").write_text("[camera]\n")
    (tmp_path / "folder").mkdir()
    path = target if target.startswith("/") else str(tmp_path / target)
    ctx = context(tmp_path)
    ctx.config.camera.source = f"v4l2:{path}"
    results = check_camera(ctx)
    assert [r.state for r in results] == [State.FAIL, State.WARNING, State.FAIL], results
    assert results[0].sentence.startswith(f"{path} is not a camera: {what}"), results[0].sentence
    assert "/dev/smartmirror-camera" in results[0].hint and all(r.hint == results[0].hint for r in results)
    assert "Another program" not in as_text(results) and "busy" not in as_text(results)


def test_the_same_hint_of_another_area_is_written_in_full_once_too():
    from kiosk.doctor.check import Result

    again = "Restart the kiosk to rebuild it, then run 'kiosk doctor' again."
    text = as_text([Result("db-looks", State.FAIL, "looks.db is damaged.", again),
                    Result("clock", State.OK, "The clock is synchronised."),
                    Result("db-network", State.FAIL, "network.sqlite3 is damaged.", again),
                    Result("webhook", State.WARNING, "3 deliveries wait.", "Check the store service.")])
    assert text.count("Restart the kiosk") == 1 and "→ See the hint for db-looks above." in text
    assert "→ Check the store service." in text


# -- the body-analysis model: without it no turn starts a recording and no gesture works ------------------


def mediapipe_package(tmp_path: Path, *models: str) -> Path:
    """A fake installed mediapipe: its folder with the pose models named (nothing in them to load)."""
    package = tmp_path / "site-packages" / "mediapipe"
    (package / "modules" / "pose_landmark").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for model in models:
        (package / "modules" / "pose_landmark" / model).write_bytes(b"TFL3")
    return package


def test_the_pose_model_in_use_is_named(tmp_path):
    package = mediapipe_package(tmp_path, "pose_landmark_full.tflite")
    tried = []
    result = check_pose_model(context(tmp_path, find_package={"mediapipe": package}.get,
                                      try_pose=lambda complexity: tried.append(complexity) or (0, "")))
    assert tried == [1]
    assert result.state is State.OK and result.hint == "", result
    assert "full pose model (pose_landmark_full.tflite, analysis.model_complexity = 1)" in result.sentence


@pytest.mark.parametrize("installed", [None, "package", "other model"])
def test_a_pose_model_the_kiosk_cannot_load_fails_saying_what_the_shopper_loses(tmp_path, installed):
    package = mediapipe_package(tmp_path, *(["pose_landmark_lite.tflite"] if installed == "other model" else []))
    ctx = context(tmp_path, find_package={"mediapipe": package}.get if installed else lambda name: None)
    result = check_pose_model(ctx)
    assert result.state is State.FAIL, result
    assert "does not start a recording when a shopper turns, and hand gestures do nothing" in result.sentence
    assert result.hint == REINSTALL_HINT and "scripts/provision" in result.hint
    named = "(mediapipe) is not installed" if installed is None else "(pose_landmark_full.tflite) is not installed"
    assert named in result.sentence, result.sentence


def test_a_model_complexity_mediapipe_does_not_bundle_says_to_set_the_bundled_one(tmp_path):
    package = mediapipe_package(tmp_path, "pose_landmark_full.tflite")
    ctx = context(tmp_path, find_package={"mediapipe": package}.get)
    ctx.config.analysis.model_complexity = 2
    result = check_pose_model(ctx)
    assert result.state is State.FAIL and "(pose_landmark_heavy.tflite) is not installed" in result.sentence
    assert "Set analysis.model_complexity = 1" in result.hint


def test_body_analysis_off_on_purpose_is_no_fault(tmp_path):
    ctx = context(tmp_path, find_package=lambda name: None)
    ctx.config.analysis.enabled = False
    result = check_pose_model(ctx)
    assert result.state is State.OK and "off in the configuration (analysis.enabled = false)" in result.sentence


def test_a_mediapipe_that_is_installed_but_broken_fails_with_its_error(tmp_path, monkeypatch):
    # An upgrade that left mediapipe, or a library it needs, broken: its files are all there, the
    # model too, but the kiosk's analysis cannot start. The check tries the model for real, in a
    # Python of its own, here one that finds a mediapipe that cannot load first.
    from kiosk.doctor.check import try_pose_model

    broken = tmp_path / "broken"
    (broken / "mediapipe").mkdir(parents=True)
    (broken / "mediapipe" / "__init__.py").write_text(
        "raise ImportError('libGLESv2.so.2: cannot open shared object file: No such file or directory')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(broken), *filter(None, [os.environ.get("PYTHONPATH")])]))
    package = mediapipe_package(tmp_path, "pose_landmark_full.tflite")
    result = check_pose_model(context(tmp_path, find_package={"mediapipe": package}.get, try_pose=try_pose_model))
    assert result.state is State.FAIL, result
    assert result.sentence.startswith("The body analysis model is installed but does not load (the body analysis "
                                      "library (mediapipe) cannot be loaded (libGLESv2.so.2: cannot open shared object "
                                      "file: No such file or directory)"), result.sentence
    assert "hand gestures do nothing" in result.sentence and "Traceback" not in result.sentence
    assert result.hint == REINSTALL_HINT


def test_the_pose_trial_writes_nothing_in_home_opens_no_display_and_imports_nothing_from_the_folder_it_is_run_in(
        tmp_path, monkeypatch):
    # Store IT runs 'sudo kiosk doctor' from an SSH shell: mediapipe imports matplotlib, which made
    # its settings folder in root's home; a display (ssh -X) would have mediapipe open an EGL context
    # on it; and a numpy.py in the folder IT stands in came first on the trial's path (as root).
    # Here a stand-in mediapipe notes what the trial's Python sees, loads matplotlib, and fails.
    from kiosk.doctor.check import try_pose_model

    home, here, seen = tmp_path / "home", tmp_path / "here", tmp_path / "seen.json"
    home.mkdir()
    here.mkdir()
    (here / "numpy.py").write_text("raise ImportError('a numpy.py in the folder the doctor was run from')\n")
    noting = tmp_path / "noting"
    (noting / "mediapipe").mkdir(parents=True)
    (noting / "mediapipe" / "__init__.py").write_text(
        "import json, os, sys\n"
        "import matplotlib\n"
        "folder = os.environ.get('MPLCONFIGDIR', '')\n"
        f"open({str(seen)!r}, 'w').write(json.dumps({{'environ': dict(os.environ), 'folder': os.path.isdir(folder), "
        "'configdir': matplotlib.get_configdir()}))\n"
        "raise ImportError('noted')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(noting), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("DISPLAY", "localhost:10.0")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.chdir(here)
    code, out = try_pose_model(1)
    assert code == 1 and out.splitlines()[-1].endswith("(noted); run scripts/demo to install it"), out
    noted = json.loads(seen.read_text())
    assert "DISPLAY" not in noted["environ"] and "WAYLAND_DISPLAY" not in noted["environ"], noted["environ"]
    folder = noted["environ"]["MPLCONFIGDIR"]
    assert noted["folder"] and noted["configdir"] == str(Path(folder).resolve()), noted
    assert not Path(folder).exists()  # removed afterwards
    assert list(home.iterdir()) == [] and [p.name for p in here.iterdir()] == ["numpy.py"]


@pytest.mark.parametrize("code, out, said", [
    (-11, "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", "(it was killed by SIGSEGV)"),
    (-4, "W0000 00:00:1796684316.982109   26655 inference_feedback_manager.cc:114] Feedback manager requires a model "
         "with a single signature inference. Disabling support for feedback tensors.", "(it was killed by SIGILL)"),
    (1, "Traceback (most recent call last):\n  ...\nRuntimeError: Calculator::Open() for node \"x\" failed\n"
        "W0000 00:00:1796684317.107859   26652 inference_feedback_manager.cc:114] Feedback manager requires a model.",
     '(Calculator::Open() for node "x" failed)'),
])
def test_a_pose_trial_that_failed_is_said_by_its_error_not_by_mediapipes_last_log_line(tmp_path, code, out, said):
    package = mediapipe_package(tmp_path, "pose_landmark_full.tflite")
    result = check_pose_model(context(tmp_path, find_package={"mediapipe": package}.get, try_pose=lambda c: (code, out)))
    assert result.state is State.FAIL, result
    assert result.sentence.startswith(f"The body analysis model is installed but does not load {said}, "), result.sentence


def test_a_pose_model_too_slow_to_load_is_a_warning_not_a_fault(tmp_path):
    package = mediapipe_package(tmp_path, "pose_landmark_full.tflite")
    ctx = context(tmp_path, find_package={"mediapipe": package}.get, try_pose=lambda c: (124, "python did not answer within 60 s"))
    result = check_pose_model(ctx)
    assert result.state is State.WARNING, result
    assert "did not finish within a minute" in result.sentence and "less busy" in result.hint


def test_the_pose_model_check_tries_the_installed_model_without_loading_it(tmp_path):
    # On a Pi mediapipe takes seconds to load and tens of megabytes: the doctor tries it in a
    # Python of its own, never in its own process.
    script = ("import sys; from kiosk.config import Config; from kiosk.doctor.check import Context; "
              "from kiosk.doctor.pose import check_pose_model; r = check_pose_model(Context(config=Config())); "
              "print(r.state.value, 'mediapipe' in sys.modules, 'cv2' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["ok", "False", "False"], done.stdout + done.stderr
    assert [check_id for check_id, _ in CHECKS].index("pose-model") == 2  # right after the camera it analyses


# -- display and Qt's plugin ------------------------------------------------------------------------


def test_display_under_wayland(tmp_path):
    (tmp_path / "run").mkdir()
    env = {"WAYLAND_DISPLAY": "wayland-1", "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    assert check_display(context(tmp_path, environ=env)).state is State.FAIL
    (tmp_path / "run" / "wayland-1").touch()
    assert check_display(context(tmp_path, environ=env)).state is State.OK


def test_display_under_x(tmp_path):
    ctx = context(tmp_path, environ={"DISPLAY": ":5"})
    assert check_display(ctx).state is State.FAIL
    put(ctx.root, "/tmp/.X11-unix/X5", "")
    assert check_display(ctx).state is State.OK


def test_display_over_ssh_looks_for_the_gpu(tmp_path):
    ctx = context(tmp_path, environ={"PATH": str(tmp_path / "bin")})
    result = check_display(ctx)
    assert result.state is State.FAIL and "/dev/dri/card*" in result.sentence
    put(ctx.root, "/dev/dri/card0", "")
    assert check_display(ctx).state is State.WARNING  # cage is not installed in this PATH
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "cage").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "cage").chmod(0o755)
    assert check_display(ctx).state is State.OK


def test_display_over_ssh_on_a_running_mirror_sees_cage(tmp_path):
    ctx = context(tmp_path, environ={"PATH": str(tmp_path / "bin")})
    put(ctx.root, "/run/smartmirror/wayland-0", "")  # the kiosk unit's cage is up
    result = check_display(ctx)
    assert result.state is State.WARNING and "virtual output" in result.sentence  # headless: no GPU
    put(ctx.root, "/dev/dri/card1", "")
    result = check_display(ctx)
    assert result.state is State.OK and "cage" in result.sentence and "card1" in result.sentence


def test_a_qt_plugin_missing_a_library_names_its_package(tmp_path):
    plugins = tmp_path / "plugins"
    put(plugins, "platforms/libqxcb.so", "")
    ldd = "\tlibxcb-cursor.so.0 => not found\n\tlibc.so.6 => /lib/libc.so.6\n"
    ctx = context(tmp_path, environ={"DISPLAY": ":0"}, run=lambda argv: (1, ldd))
    result = check_qt_plugin(ctx, folder=plugins)
    assert result.state is State.FAIL and "libxcb-cursor.so.0" in result.sentence and "libxcb-cursor0" in result.hint
    ctx = context(tmp_path, environ={"DISPLAY": ":0"}, run=lambda argv: (0, "\tlibc.so.6 => /lib/libc.so.6\n"))
    assert check_qt_plugin(ctx, folder=plugins).state is State.OK


def test_the_real_xcb_plugin_loads_here(tmp_path):
    if not shutil.which("ldd"):
        pytest.skip("ldd is not installed")
    result = check_qt_plugin(Context(config=Config(), environ={"QT_QPA_PLATFORM": "xcb"}))
    assert result.state is State.OK, result


# -- the data folder --------------------------------------------------------------------------------


def test_data_folder(tmp_path):
    ctx = context(tmp_path)
    assert check_data_folder(ctx).state is State.WARNING  # not there yet: made at first start
    ctx.data_dir.mkdir()
    assert check_data_folder(ctx).state is State.OK
    (tmp_path / "file").write_text("")
    ctx.data_dir = tmp_path / "file"
    assert check_data_folder(ctx).state is State.FAIL


def test_disk_space_against_the_floor(tmp_path):
    ctx = context(tmp_path)
    ctx.data_dir.mkdir()
    free_mb = shutil.disk_usage(ctx.data_dir).free // 2**20
    ctx.config.recording.min_free_mb = max(1, free_mb // 4)
    assert check_disk_space(ctx).state is State.OK
    ctx.config.recording.min_free_mb = max(1, free_mb * 2 // 3)
    assert check_disk_space(ctx).state is State.WARNING
    ctx.config.recording.min_free_mb = free_mb + 10
    result = check_disk_space(ctx)
    assert result.state is State.FAIL and "no look is recorded" in result.sentence


def test_the_doctor_names_the_free_space_as_health_does(tmp_path, monkeypatch):
    # 1 500 000 000 bytes free: 1430 MiB, where "MB" read 1500 to anyone who took it for millions
    from kiosk.net.health_checks import disk_check

    ctx = context(tmp_path)
    ctx.data_dir.mkdir()
    ctx.config.recording.min_free_mb = 500
    usage = SimpleNamespace(total=64 * 10**9, used=62_500_000_000, free=1_500_000_000)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage)
    doctor = check_disk_space(ctx)
    health = disk_check(ctx.data_dir, 500 * 2**20)
    assert doctor.state is State.OK and health.ok
    for said in (doctor.sentence, health.detail):
        assert said.startswith("1430 MiB") and "(recording stops below 500 MiB)" in said and " MB" not in said, said


def test_library_in_step_then_orphans_and_left_takes_are_named(tmp_path):
    ctx = context(tmp_path)
    with Library(ctx.data_dir) as library:
        kept = add(library, session=None, consent_by="operator")
        gone = add(library, session=None, consent_by="operator")
    assert check_library(ctx).state is State.OK
    (ctx.data_dir / "looks" / f"{gone.id}.mp4").unlink()  # a row without its video
    (ctx.data_dir / "looks" / "Zq3xY9abcdefghijKLMN.mp4").write_bytes(b"v")  # a video without its row
    (ctx.data_dir / "work" / "Ab3xY9abcdefghijKLMN").mkdir()  # a take whose recorder died
    (ctx.data_dir / "work" / "Ab3xY9abcdefghijKLMN" / "take.mp4").write_bytes(b"t")
    before = tree(ctx.data_dir)
    result = check_library(ctx)
    assert result.state is State.WARNING
    for words in (f"1 look without their video ({gone.id})", "1 video without their row", "1 unfinished take"):
        assert words in result.sentence
    assert "kiosk looks recover" in result.hint
    assert tree(ctx.data_dir) == before and kept


# -- databases ----------------------------------------------------------------------------------------


def smash_middle(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(8192))


def test_a_damaged_look_database_is_named_and_left_as_it_is(tmp_path):
    ctx = context(tmp_path)
    with Library(ctx.data_dir) as library:
        for _ in range(12):
            add(library, session=None, consent_by="operator", reason="x" * 3000)
    smash_middle(ctx.data_dir / "looks.db")
    before = tree(ctx.data_dir)
    results = {r.id: r for r in check_databases(ctx)}
    looks = results["db-looks"]
    assert looks.state is State.FAIL and "looks.db is damaged" in looks.sentence
    assert "Restart the kiosk" in looks.hint and "record file" in looks.hint
    assert results["db-network"].state is State.OK and "does not exist yet" in results["db-network"].sentence
    assert tree(ctx.data_dir) == before, "the doctor changed the data folder"
    assert not list(ctx.data_dir.glob("*.damaged-*")) and not (ctx.data_dir / "looks.db-shm").exists()
    assert check_library(ctx).state is State.WARNING  # not checked: the database is damaged


def test_a_damaged_customer_directory_is_not_rebuilt_and_says_how_to_recover(tmp_path):
    ctx = context(tmp_path)
    ctx.data_dir.mkdir()
    (ctx.data_dir / "identity.sqlite3").write_bytes(b"this is not a database " * 500)
    result = {r.id: r for r in check_databases(ctx)}["db-identity"]
    assert result.state is State.FAIL and "is damaged" in result.sentence
    assert "kiosk customers import FILE" in result.hint and "will not start over" in result.hint


def test_an_empty_look_database_says_so_and_how_the_kiosk_sets_it_up(tmp_path):
    # A zero-byte looks.db (emptied, or made by hand) reads as a database of version 0 with no table:
    # it was named "readable and sound (version 0)" while the library check failed on "no such table".
    ctx = context(tmp_path)
    ctx.data_dir.mkdir()
    (ctx.data_dir / "looks.db").write_bytes(b"")
    (ctx.data_dir / "identity.sqlite3").write_bytes(b"")
    before = tree(ctx.data_dir)
    results = {r.id: r for r in check_databases(ctx)}
    looks = results["db-looks"]
    assert looks.state is State.WARNING and "looks.db is empty (0 bytes, no tables)" in looks.sentence, looks
    assert "Start the kiosk once" in looks.hint and "record file are still in looks/" in looks.hint
    identity = results["db-identity"]
    assert identity.state is State.WARNING and "is empty" in identity.sentence
    assert "kiosk customers import FILE" in identity.hint and "start the kiosk once" in identity.hint
    library = check_library(ctx)
    assert library.state is State.WARNING and "its database is empty (see above)" in library.sentence, library
    assert "no such table" not in library.sentence
    assert tree(ctx.data_dir) == before, "the doctor changed the data folder"


def test_a_database_from_a_newer_kiosk(tmp_path):
    ctx = context(tmp_path)
    with NetworkDatabase(ctx.data_dir / "network.sqlite3") as db:
        db.mirror_id()
    import sqlite3

    conn = sqlite3.connect(ctx.data_dir / "network.sqlite3")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    result = {r.id: r for r in check_databases(ctx)}["db-network"]
    assert result.state is State.FAIL and "from a newer kiosk (database version 99" in result.sentence
    # provision changes no data: the newer software runs again, which --rollback goes forward to after a rollback
    assert "run the newer kiosk software again" in result.hint and "--rollback' goes forward" in result.hint
    assert "roll back the data" not in result.hint


def test_a_running_kiosks_databases_are_read_through_its_wal(tmp_path):
    ctx = context(tmp_path)
    with Library(ctx.data_dir) as library:  # open, as the running mirror has it
        add(library, session=None, consent_by="operator")
        before = tree(ctx.data_dir)
        results = {r.id: r for r in check_databases(ctx)}
        assert results["db-looks"].state is State.OK
        assert check_library(ctx).state is State.OK
        assert tree(ctx.data_dir) == before


# -- the addresses the mirror is told to announce on -------------------------------------------------


def test_an_interface_address_this_device_does_not_have_is_named_with_those_it_has(tmp_path):
    # kiosk serve starts on it anyway (DHCP may bring it later) and only warns in the log
    ctx = context(tmp_path, addresses=lambda: ["127.0.0.1", "169.254.3.4", "192.168.1.20"])
    ctx.config.origin = "/etc/smartmirror/kiosk.toml"
    ctx.config.api.interfaces = ["10.0.0.9"]
    result = check_interfaces(ctx)
    assert result.state is State.FAIL, result
    assert result.sentence == "api.interfaces names 10.0.0.9, which this device does not have (it has 192.168.1.20).", result
    assert "api.interfaces in /etc/smartmirror/kiosk.toml" in result.hint and "ip addr" in result.hint

    ctx.config.api.interfaces = ["192.168.1.20", "10.0.0.9", "10.0.0.10"]  # only the missing ones are named
    result = check_interfaces(ctx)
    assert result.state is State.FAIL and "names 10.0.0.9 and 10.0.0.10, which" in result.sentence, result

    ctx = context(tmp_path, addresses=lambda: ["127.0.0.1"])
    ctx.config.api.interfaces = ["10.0.0.9"]
    assert "(it has no network address)" in check_interfaces(ctx).sentence


def test_interface_addresses_this_device_has_are_fine(tmp_path):
    ctx = context(tmp_path, addresses=lambda: ["127.0.0.1", "192.168.1.20"])
    assert check_interfaces(ctx).state is State.OK  # none set: every address, nothing to check
    ctx.config.api.interfaces = ["192.168.1.20", "127.0.0.5"]  # all of 127.0.0.0/8 is this device's
    result = check_interfaces(ctx)
    assert result.state is State.OK and "192.168.1.20 and 127.0.0.5" in result.sentence, result


def test_the_interfaces_check_reads_this_devices_own_addresses(tmp_path):
    ctx = context(tmp_path)  # the kernel's addresses; the check sends nothing anywhere
    ctx.config.api.interfaces = ["192.0.2.1"]  # TEST-NET-1: documentation only, never a real device's
    result = check_interfaces(ctx)
    assert result.state is State.FAIL and result.sentence.startswith("api.interfaces names 192.0.2.1, which"), result
    ctx.config.api.interfaces = ["127.0.0.1"]
    assert check_interfaces(ctx).state is State.OK


# -- the webhook outbox ------------------------------------------------------------------------------


def test_webhook_backlog(tmp_path):
    ctx = context(tmp_path)
    ctx.config.webhook.secret = "s" * 32
    ctx.config.webhook.url = "http://store.invalid/hook"
    assert check_webhook(ctx).state is State.OK
    with NetworkDatabase(ctx.data_dir / "network.sqlite3") as db, db.transaction() as conn:
        for i in range(3):
            conn.execute("INSERT INTO outbox (delivery_id, kind, body, created_at, next_at) VALUES (?, 'x', '{}', ?, 0)",
                         (f"d{i}", time.time() - 3600))
    result = check_webhook(ctx)
    assert result.state is State.WARNING and "3 webhook deliveries" in result.sentence and "has not taken an event for 60 min" in result.sentence


# -- the kiosk's unit, given up on by systemd --------------------------------------------------------


@pytest.mark.parametrize("failed, pending", [(None, False), ("smartmirror-kiosk", True),
                                             ("smartmirror-kiosk-eglfs", True), ("smartmirror-kiosk", False)])
def test_a_kiosk_unit_systemd_gave_up_on_is_named_with_how_to_start_it_at_once(tmp_path, failed, pending):
    # After five failed starts in ten minutes 'systemctl start' is refused until 'systemctl reset-failed':
    # the old hint ("start it") could not work. A stopped kiosk keeps the plain hint. The retry is promised
    # only while its timer is armed and the unit was not stopped on purpose (its retry target active).
    import socket

    from kiosk.doctor.network import UNIT_HINT, check_api

    asked = []
    active = {f"smartmirror-kiosk-retry@{failed}.timer", f"smartmirror-kiosk-retry@{failed}.target"} if pending else set()

    def run(argv):
        asked.append(argv)
        if argv[:3] == ["systemctl", "--quiet", "is-active"]:
            return (0, "") if argv[3] in active else (3, "inactive")
        return (0, "") if argv == ["systemctl", "--quiet", "is-failed", f"{failed}.service"] else (1, "inactive")

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    ctx = context(tmp_path, run=run, http_timeout_s=0.5)
    ctx.config.api.bind, ctx.config.api.port = "127.0.0.1", port
    result = check_api(ctx)
    assert ["systemctl", "--quiet", "is-failed", "smartmirror-kiosk.service"] in asked
    if failed is None:
        assert result.state is State.WARNING and result.hint == UNIT_HINT, result
        assert result.sentence.endswith("the kiosk is not running here."), result.sentence
        return
    assert result.state is State.FAIL, result
    assert f"its unit {failed} failed" in result.sentence
    if pending:
        assert result.sentence.endswith("the mirror tries again by itself within 10 minutes."), result.sentence
    else:  # stopped on purpose (a stop that timed out leaves it failed), or the retry units not installed
        assert result.sentence.endswith("nothing will start it again by itself."), result.sentence
    assert f"'systemctl reset-failed {failed}' then 'systemctl start {failed}'" in result.hint, result.hint
    assert "'journalctl -t smartmirror-kiosk'" in result.hint


# -- the API's port, taken by another program ---------------------------------------------------------


def close_lock_files(monkeypatch, ctx: Context) -> None:
    """The kiosk's lock files there, but closed to the user running the doctor (as the mirror's
    0750 data folder is to store IT's own login; root, which runs the tests, reads anything)."""
    ctx.data_dir.mkdir(parents=True, exist_ok=True)
    for name in ("looks.db.lock", "network.sqlite3.lock"):
        (ctx.data_dir / name).write_text("")
    real_stat = Path.stat

    def stat(self, *args, **kwargs):
        if self.parent == ctx.data_dir:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)


def put_process(ctx: Context, pid: int, argv: list[str]) -> None:
    put(ctx.root, f"/proc/{pid}/cmdline", "\0".join(argv) + "\0")


VENV = "/opt/smartmirror/current/.venv/bin"
# The installed unit's processes (systemd/smartmirror-kiosk.service): the relay, cage and env name
# the kiosk in their command lines, only the last is it.
UNIT_PROCESSES = {
    401: [f"{VENV}/python", "-m", "kiosk.sdrelay", "--stop-grace", "15", "--", "/usr/bin/env", "XDG_RUNTIME_DIR=/run/smartmirror",
          "/usr/bin/cage", "--", "/usr/bin/env", "-u", "DISPLAY", f"{VENV}/kiosk", "run", "--config", "/etc/smartmirror/kiosk.toml"],
    402: ["/usr/bin/cage", "--", "/usr/bin/env", "-u", "DISPLAY", f"{VENV}/kiosk", "run", "--config", "/etc/smartmirror/kiosk.toml"],
    403: [f"{VENV}/python", f"{VENV}/kiosk", "run", "--config", "/etc/smartmirror/kiosk.toml"],
    404: [f"{VENV}/python", f"{VENV}/kiosk", "doctor"],  # store IT's own doctor, asking
    405: ["/usr/bin/python3", "-m", "kiosk", "-v", "serve"],
    406: ["/usr/bin/less", "kiosk", "run"],
}


def test_the_running_kiosk_is_found_by_its_command_line_when_its_lock_files_are_closed(tmp_path, monkeypatch):
    from kiosk.doctor.check import kiosk_holders

    ctx = context(tmp_path)
    for pid, argv in UNIT_PROCESSES.items():
        put_process(ctx, pid, argv)
    put(ctx.root, "/proc/locks", "")
    # Lock files this user reads, none held: no kiosk runs on this data folder, whatever runs elsewhere.
    ctx.data_dir.mkdir(parents=True)
    (ctx.data_dir / "looks.db.lock").write_text("")
    assert kiosk_holders(ctx) == []
    close_lock_files(monkeypatch, ctx)
    assert kiosk_holders(ctx) == [403, 405]
    for pid in (403, 405):
        (ctx.root / "proc" / str(pid) / "cmdline").unlink()
    assert kiosk_holders(ctx) is None  # cannot tell: /proc may hide other users' processes


def test_a_plain_mirror_is_the_running_kiosk_for_the_camera_but_leaves_the_reader_to_the_doctor(tmp_path, monkeypatch):
    # Started on a data folder it cannot write, the kiosk runs as a plain mirror: it opens no
    # database (no lock to see it by) and no card reader, but streams from the camera.
    import kiosk.storage.writable
    from kiosk.doctor.check import kiosk_holders
    from kiosk.doctor.reader import check_reader

    ctx = context(tmp_path, reader_s=2.0)
    put(ctx.root, "/proc/locks", "")
    put_process(ctx, 403, UNIT_PROCESSES[403])
    ctx.data_dir.mkdir(parents=True)
    (ctx.data_dir / "looks.db.lock").write_text("")
    assert kiosk_holders(ctx) == []  # a data folder it can write: a kiosk there would hold its lock
    monkeypatch.setattr(kiosk.storage.writable, "unwritable", lambda folder: "it is on a read-only file system")
    assert kiosk_holders(ctx) == [403]
    # The reader is the doctor's to open, not a question for the plain mirror's health (it has none).
    (tmp_path / "not-a-port").write_text("")
    ctx.config.reader.port = str(tmp_path / "not-a-port")
    result = check_reader(ctx)
    assert "running kiosk" not in result.sentence and "not a serial port" in result.sentence, result.sentence


@pytest.mark.parametrize("seen", ["running", "hidden"])
def test_a_stuck_port_is_not_blamed_on_another_program_when_the_doctor_cannot_see_the_kiosk(tmp_path, monkeypatch, seen):
    import socket

    from kiosk.doctor.network import check_api

    listener = socket.socket()  # listens but never accepts: every connection waits, as on a stuck kiosk
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    ctx = context(tmp_path, http_timeout_s=0.5)
    ctx.config.api.bind, ctx.config.api.port = "127.0.0.1", listener.getsockname()[1]
    put(ctx.root, "/proc/locks", "")
    if seen == "running":
        put_process(ctx, 403, UNIT_PROCESSES[403])
    close_lock_files(monkeypatch, ctx)
    try:
        result = check_api(ctx)
    finally:
        listener.close()
    port = ctx.config.api.port
    assert result.state is State.FAIL, result
    if seen == "running":
        assert result.sentence == (f"The kiosk (process 403) runs, but on port {port} it did not answer within 0.5 s: "
                                   "it is stuck."), result.sentence
        assert "systemctl restart smartmirror-kiosk" in result.hint
    else:
        assert result.sentence == (f"Something on port {port} took the connection but did not answer within 0.5 s: "
                                   "a stuck kiosk, or another program holding the port."), result.sentence
        assert "sudo kiosk doctor" in result.hint and f":{port}" in result.hint


@pytest.mark.parametrize("speaks, said", [(b"SSH-2.0-OpenSSH_9.2\r\n", "answered, but not as a web server does"),
                                          (None, "did not answer within 0.5 s")])
def test_a_port_another_program_holds_is_not_taken_for_a_kiosk_that_is_not_running(tmp_path, speaks, said):
    # Something listening there (not HTTP, or silent) keeps the kiosk's API from starting: "start the kiosk" cannot help.
    import socket
    import threading

    from kiosk.doctor.network import check_api

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    done = threading.Event()

    def answer():  # every connection, as such a program would: the doctor asks more than once
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(speaks)

    talker = threading.Thread(target=answer, name="not-the-kiosk") if speaks else None
    if talker:
        talker.start()
    try:
        ctx = context(tmp_path, http_timeout_s=0.5)
        ctx.config.api.bind, ctx.config.api.port = "127.0.0.1", listener.getsockname()[1]
        result = check_api(ctx)
    finally:
        done.set()
        if talker:
            talker.join()
        listener.close()
    port = ctx.config.api.port
    assert result.state is State.FAIL, result
    assert result.sentence == (f"Another program holds port {port}: it took the connection but {said}, so the kiosk "
                               "cannot start its API there."), result.sentence
    assert "systemctl start" not in result.hint and "api.port" in result.hint and "SSH" not in result.sentence


# -- a plain mirror: health and metrics only --------------------------------------------------------------


def test_a_plain_mirror_is_named_as_one_not_as_another_program_on_the_port(tmp_path, monkeypatch):
    # It answers /api/v1/health and /metrics only: its 404 for /api/v1/status is not "not the kiosk".
    from kiosk.doctor.network import PLAIN_HINT, check_api, check_mdns
    from kiosk.events import EventBus
    from kiosk.net.plain_pages import PlainPages
    from tests.unit.test_data_folder_read_only import read_only

    read_only(monkeypatch, tmp_path)
    ctx = context(tmp_path, http_timeout_s=5.0)
    ctx.config.api.bind, ctx.config.api.port = "127.0.0.1", 0
    pages = PlainPages(ctx.config, tmp_path / "lib", EventBus())
    pages.start()
    try:
        ctx.config.api.port = pages.port
        result, mdns = check_api(ctx), check_mdns(ctx)
    finally:
        pages.stop()
    assert result.state is State.WARNING and "runs as a plain mirror" in result.sentence, result
    assert result.hint == PLAIN_HINT and "not the kiosk" not in result.sentence
    assert mdns.state is State.WARNING and "plain mirror, which is not announced" in mdns.sentence, mdns


# -- the card reader, opened by the doctor ------------------------------------------------------------


def test_a_reader_port_that_is_not_a_serial_port_says_so_in_plain_words(tmp_path):
    # /dev/null, or a file, opens but is no terminal: pyserial's "(25, 'Inappropriate ioctl for device')"
    from kiosk.doctor.reader import check_reader

    (tmp_path / "not-a-port").write_text("")
    ctx = context(tmp_path, reader_s=2.0)
    ctx.config.reader.port = str(tmp_path / "not-a-port")
    result = check_reader(ctx)
    assert result.state is State.FAIL and "it is not a serial port" in result.sentence, result
    assert "ioctl" not in result.sentence and "(25," not in result.sentence
    assert "reader.port" in result.hint and "USB cable" not in result.hint, result.hint


# -- the card reader, held by the running kiosk ------------------------------------------------------


def test_the_running_kiosks_reader_is_asked_with_the_token_so_its_words_are_whole(tmp_path, monkeypatch):
    from kiosk.doctor import network
    from kiosk.doctor.reader import _from_running_kiosk

    asked = []
    port = "/home/kiosk/reader-pty"  # a path the public health says as ".../reader-pty"

    def health(_ctx, path, token=""):
        asked.append((path, token))
        words = f"disconnected: could not open {port}" if token == "t" * 32 else "disconnected: could not open .../reader-pty"
        return 200, json.dumps({"checks": {"reader": {"ok": False, "detail": words}}})

    monkeypatch.setattr(network, "_get", health)
    ctx = context(tmp_path, environ={"KIOSK_API_TOKEN": "t" * 32})
    result = _from_running_kiosk(ctx, port)
    assert asked == [("/api/v1/health", "t" * 32)]
    assert result.state is State.FAIL and f"could not open {port}" in result.sentence
    # provisioning names a reader on every mirror: one with none fitted is told how to say so
    assert "USB cable" in result.hint and "no card reader fitted: set reader.port = \"\"" in result.hint


# -- the runner ---------------------------------------------------------------------------------------


def test_a_check_that_breaks_is_a_failed_answer_and_the_others_still_run(tmp_path):
    def broken(ctx):
        raise RuntimeError("boom")

    results = run_checks(context(tmp_path, adjtimex=lambda: 0), checks=(("broken", broken), ("clock", check_clock)))
    assert [r.id for r in results] == ["broken", "clock"]
    assert results[0].state is State.FAIL and "RuntimeError: boom" in results[0].sentence
    assert exit_code(results) == 1 and exit_code(results[1:]) == 0


def test_the_config_check_says_when_shoppers_see_the_status_line(tmp_path):
    # A mirror provisioned before the status line was off by default keeps show_status = true in
    # its configuration file: the doctor says so, without calling it a problem.
    ctx = context(tmp_path)
    quiet = check_config(ctx)[0]
    assert quiet.state is State.OK and "status line" not in quiet.sentence
    ctx.config.display.show_status = True
    shown = check_config(ctx)[0]
    assert shown.state is State.OK and "The status line is on (display.show_status)" in shown.sentence


@pytest.mark.parametrize(
    "toml, named, hint",
    [  # a syntax error names a line (the hint once said "the key it names"); a setting's error its key
        ("[display\nzoom = 2\n", "(at line 1, column 9)", "Fix the file where it points (that line and column, or its end):"),
        ("[display]\nzoom = \n", "(at line 2, column 8)", "Fix the file where it points (that line and column, or its end):"),
        ("[display]\nzomm = 2\n", "unknown key 'display.zomm'", "Fix the key it names "),
        # a file that is not there or not text names no key either
        (None, "configuration file not found", "Point --config or KIOSK_CONFIG at the mirror's configuration file"),
        (b"\xff\xfe[display]\n", "not a text file", "Save the file as plain UTF-8 text"),
    ],
)
def test_an_invalid_configuration_is_fixed_where_its_error_points(tmp_path, toml, named, hint):
    from kiosk.config import load_config
    from kiosk.errors import ConfigError

    path = tmp_path / "kiosk.toml"
    if isinstance(toml, bytes):
        path.write_bytes(toml)
    elif toml is not None:
        path.write_text(toml)
    with pytest.raises(ConfigError) as raised:
        load_config(str(path))
    answer, = check_config(context(tmp_path, config_error=str(raised.value)))
    assert answer.state is State.FAIL and named in answer.sentence, answer.sentence
    said = "is not valid" if isinstance(toml, str) else "could not be read"  # a missing or binary file is not invalid
    assert answer.sentence.startswith(f"The configuration {said}: "), answer.sentence
    assert answer.hint.startswith(hint), answer.hint
    assert answer.hint.endswith("then check the file again with 'kiosk config check --config FILE'."), answer.hint


def test_the_printed_answers_never_split_a_command_or_a_path():
    from kiosk.doctor.check import Result
    from kiosk.doctor.printer import as_text

    hint = ("Start it with 'systemctl start smartmirror-kiosk'; 'journalctl -t smartmirror-kiosk' tells why it "
            "stopped, and /var/lib/smartmirror/a-very-long-folder-name-that-does-not-fit-on-one-line-of-the-report/x")
    text = as_text([Result("api", State.WARNING, "No kiosk answers on port 8080: the kiosk is not running here.", hint)],
                   width=60)
    lines = text.splitlines()
    assert len(lines) > 3  # it was wrapped
    for word in hint.split():
        assert any(word in line for line in lines), word  # each word whole on one line
    for command in ("'systemctl start smartmirror-kiosk'", "'journalctl -t smartmirror-kiosk'"):
        assert any(command in line for line in lines), command  # each quoted command whole on one line
    assert all(len(line) <= 60 for line in lines if " " in line.strip() and "'" not in line)


def test_an_apostrophe_is_not_a_quotation():
    # "camera's ... store's" once glued everything between the two apostrophes into one word:
    # a line with '→ Check the' alone, the next one past the width.
    from kiosk.doctor.check import Result
    from kiosk.doctor.printer import as_text

    hint = ("Check the camera's cable, the port it is plugged into, its power supply and the store's network, "
            "then run 'journalctl -t smartmirror-kiosk' to read what the mirror's log says.")
    lines = as_text([Result("camera", State.FAIL, "The camera gives no picture.", hint)], width=70).splitlines()
    hint_lines = lines[1:-2]
    assert all(len(line) <= 70 for line in hint_lines if "journalctl" not in line), hint_lines
    assert len(hint_lines[0]) > len(" " * 19 + "→ Check the") + 10, hint_lines  # filled, not cut after three words
    assert any("'journalctl -t smartmirror-kiosk'" in line for line in hint_lines)


@pytest.mark.parametrize("pin, warned", [("", False), ("2468", True), ("24681", True), ("246813", False), ("1" * 12, False)])
def test_a_short_console_pin_is_a_warning_that_never_shows_it(tmp_path, pin, warned):
    ctx = context(tmp_path)
    ctx.config.api.pin = pin
    results = {r.id: r for r in check_config(ctx)}
    assert ("api-pin" in results) is warned
    if warned:
        result = results["api-pin"]
        assert result.state is State.WARNING and f"only {len(pin)} digits" in result.sentence
        assert pin not in result.sentence + result.hint and "6 to 12 digits" in result.hint
    assert all(r.state is not State.FAIL for r in results.values())  # short PINs stay valid


# -- the store secret -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, mode, state, words",
    [
        (None, None, State.WARNING, "does not exist: the kiosk makes a new one at its first start"),
        ("ab" * 32 + "\n", 0o600, State.OK, "is readable"),
        ("not hex at all\n", 0o600, State.FAIL, "is not hexadecimal text"),
        ("abcd\n", 0o600, State.FAIL, "is too short"),
        ("ab" * 32 + "\n", 0o000, State.FAIL, "Cannot read the store secret"),  # e.g. copied as root, 0600
        ("folder", None, State.FAIL, "Cannot read the store secret"),
    ],
)
def test_the_store_secret_is_there_readable_and_sound_and_never_shown(tmp_path, content, mode, state, words):
    if mode == 0o000 and os.geteuid() == 0:
        pytest.skip("root reads a file whatever its mode")
    ctx = context(tmp_path)
    secret = tmp_path / "etc" / "store-secret"
    ctx.config.identity.secret_file = str(secret)
    if content == "folder":
        secret.mkdir(parents=True)
        content = None
    elif content is not None:
        secret.parent.mkdir()
        secret.write_text(content)
        secret.chmod(mode)
    result = check_store_secret(ctx)
    assert result.id == "store-secret" and result.state is state and words in result.sentence, result
    assert str(secret) in result.sentence and (state is State.OK) == (result.hint == "")
    if content:
        assert content.strip() not in result.sentence + result.hint
    assert not secret.is_file() or secret.read_text() == content, "the doctor changed or made the secret"


def test_a_store_secret_this_user_cannot_read_says_to_run_the_doctor_as_the_kiosks_user(tmp_path, monkeypatch):
    ctx = context(tmp_path)
    secret = tmp_path / "etc" / "store-secret"
    ctx.config.identity.secret_file = str(secret)
    secret.parent.mkdir()
    secret.write_text("ab" * 32 + "\n")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(secret) else real_access(p, mode))
    result = check_store_secret(ctx)
    assert result.state is State.FAIL and "is not readable by this user" in result.sentence, result
    assert "sudo -u mirror kiosk doctor" in result.hint


def test_a_store_secret_in_a_folder_closed_to_this_user_says_to_run_the_doctor_as_the_kiosks_user(tmp_path, monkeypatch):
    # /etc/smartmirror is 0750 root:mirror: for anyone else, looking at the file raises
    # PermissionError (simulated: the tests may run as root, who gets past any mode).
    ctx = context(tmp_path)
    secret = tmp_path / "etc" / "store-secret"
    ctx.config.identity.secret_file = str(secret)
    secret.parent.mkdir()
    secret.write_text("ab" * 32 + "\n")
    real_stat = Path.stat

    def closed(path, *args, **kwargs):
        if str(path) == str(secret):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", closed)
    result = run_checks(ctx, (("store-secret", check_store_secret),))[0]
    assert result.state is State.FAIL and "it is in a folder closed to this user" in result.sentence, result
    assert "check itself failed" not in result.sentence and "sudo -u mirror kiosk doctor" in result.hint


def test_the_store_secret_defaults_to_the_data_folder_and_runs_with_the_others(tmp_path):
    ctx = context(tmp_path)
    assert str(tmp_path / "data" / "store-secret") in check_store_secret(ctx).sentence
    assert not (tmp_path / "data").exists()
    assert "store-secret" in [check_id for check_id, _ in CHECKS]


def test_the_doctor_says_how_many_forget_me_requests_wait_and_never_whose(tmp_path):
    # A "forget me" a locked database left unfinished was said only in the kiosk's log.
    from kiosk.doctor.forgets import check_pending_forgets

    ctx = context(tmp_path)
    result = check_pending_forgets(ctx)
    assert (result.id, result.state) == ("forgets", State.OK) and "No forget-me request" in result.sentence
    path = tmp_path / "data" / "forgets-pending.json"
    path.parent.mkdir()
    keys = ["ab" * 16, "cd" * 16]
    for n, state, words in ((1, State.WARNING, "1 forget-me request is still to finish"),
                            (2, State.WARNING, "2 forget-me requests are still to finish")):
        path.write_text(json.dumps({"format": 1, "card_keys": keys[:n]}))
        result = check_pending_forgets(ctx)
        assert result.state is state and result.sentence.startswith(words) and "tries again" in result.hint, result
        assert not any(key in result.sentence + result.hint for key in keys)
    path.write_text("{half a file")
    result = check_pending_forgets(ctx)
    assert result.state is State.WARNING and "cannot be read (it is not valid JSON)" in result.sentence, result
    assert "kiosk customers forget" in result.hint and path.read_text() == "{half a file", "the doctor changed it"
    assert "forgets" in [check_id for check_id, _ in CHECKS]


def test_at_the_floor_health_and_the_doctor_agree_with_the_recorder(tmp_path, monkeypatch):
    # The recorder starts a take while free >= floor: exactly at the floor is enough room, in
    # health as in the doctor; and one MiB "is" free.
    from kiosk.net.health_checks import disk_check

    ctx = context(tmp_path)
    ctx.data_dir.mkdir()
    ctx.config.recording.min_free_mb = 1
    usage = SimpleNamespace(total=64 * 10**9, used=0, free=2**20)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage)
    doctor = check_disk_space(ctx)
    assert disk_check(ctx.data_dir, 2**20).ok
    assert doctor.state is not State.FAIL
    assert doctor.sentence.startswith("1 MiB is free"), doctor.sentence


def test_a_configuration_this_user_cannot_read_is_checked_as_the_kiosks_user_first(tmp_path):
    # root reads any file, so the error load_config gives another user is written out here. The
    # usual cause is the doctor run by an admin outside the kiosk's group (/etc/smartmirror is
    # 0750 root:mirror): the kiosk reads the file, and opening it up would show everyone the API
    # token and the PIN. So the hint runs the doctor as the kiosk's user first, and names who ran it.
    from kiosk.config import UNREADABLE
    from kiosk.users import user_name

    error = f"{tmp_path / 'kiosk.toml'}: {UNREADABLE} (Permission denied)"
    answer, = check_config(context(tmp_path, config_error=error))
    assert answer.state is State.FAIL and "Permission denied" in answer.sentence
    assert answer.hint.startswith("Run 'kiosk doctor' as the kiosk's user ('sudo -u mirror kiosk doctor'"), answer.hint
    assert f"this was {user_name()}" in answer.hint and "If it says the same there" in answer.hint, answer.hint


def test_on_a_device_that_runs_the_eglfs_unit_the_hints_name_that_unit(tmp_path):
    # 'systemctl restart smartmirror-kiosk' there starts the cage unit, which stops the eglfs one
    # (Conflicts=): every hint's command names the unit this device runs; the journal's tag is shared.
    from kiosk.doctor.check import fail
    from kiosk.doctor.runner import run_checks

    def broken(ctx):
        return [fail("one", "Stuck.", "Restart it with 'systemctl restart smartmirror-kiosk'; "
                                      "'journalctl -t smartmirror-kiosk' tells what it was doing."),
                fail("two", "Failed.", "'systemctl reset-failed smartmirror-kiosk' then 'systemctl start smartmirror-kiosk'"
                                       " ('systemctl start smartmirror-kiosk-retry@smartmirror-kiosk.timer').")]

    def runner(enabled):
        def run(argv):
            return (0, "") if argv == ["systemctl", "--quiet", "is-enabled", f"{enabled}.service"] else (1, "disabled")
        return run

    eglfs = run_checks(context(tmp_path, run=runner("smartmirror-kiosk-eglfs")), checks=(("one", broken),))
    assert [r.hint for r in eglfs] == [
        "Restart it with 'systemctl restart smartmirror-kiosk-eglfs'; 'journalctl -t smartmirror-kiosk' tells what "
        "it was doing.",
        "'systemctl reset-failed smartmirror-kiosk-eglfs' then 'systemctl start smartmirror-kiosk-eglfs' "
        "('systemctl start smartmirror-kiosk-retry@smartmirror-kiosk.timer')."]
    cage = run_checks(context(tmp_path, run=runner("smartmirror-kiosk")), checks=(("one", broken),))
    assert [r.hint for r in cage] == [r.hint for r in broken(None)]
