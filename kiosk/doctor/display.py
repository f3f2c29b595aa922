"""The display: is there a screen session to draw on, and does Qt's platform plugin for it load?

No window is opened. The platform is the one the kiosk would use: ``$QT_QPA_PLATFORM`` when set,
else Wayland under a compositor (``$WAYLAND_DISPLAY``), else X (``$DISPLAY``). Over ssh there
is none of these: the screen belongs to the kiosk unit (cage on Wayland, or Qt's eglfs on the
GPU's KMS device), so the check looks for the kiosk unit's running compositor (cage's socket in
``/run/smartmirror``), else for that device and the compositor's program. The plugin library of
that platform is asked by the dynamic linker (``ldd``) for every library it needs; a missing one
(the classic: ``libxcb-cursor.so.0``) is named with its Debian package.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from kiosk.doctor.check import Context, Result, fail, ok, warning

# Each platform's plugin (under Qt/plugins), and for Wayland the EGL client integration it draws with.
PLUGINS = {"xcb": ("platforms/libqxcb.so",),
           "wayland": ("platforms/libqwayland.so", "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so"),
           "wayland-egl": ("platforms/libqwayland.so", "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so"),
           "eglfs": ("platforms/libqeglfs.so", "egldeviceintegrations/libqeglfs-kms-integration.so"),
           "offscreen": ("platforms/libqoffscreen.so",), "linuxfb": ("platforms/libqlinuxfb.so",)}
# cage's socket under the kiosk unit (its runtime folder, systemd/smartmirror-kiosk.service).
KIOSK_WAYLAND = "/run/smartmirror/wayland-0"
PACKAGES = {  # the Debian package that provides a library Qt's plugins often miss
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libfontconfig.so.1": "libfontconfig1",
    "libwayland-client.so.0": "libwayland-client0", "libwayland-egl.so.1": "libwayland-egl1",
    "libwayland-cursor.so.0": "libwayland-cursor0", "libdbus-1.so.3": "libdbus-1-3", "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6", "libgbm.so.1": "libgbm1", "libdrm.so.2": "libdrm2", "libinput.so.10": "libinput10",
}


def platform_of(env) -> tuple[str, str]:
    """(Qt platform, where it comes from) the kiosk would use in this environment; "" when none is set up here."""
    wanted = env.get("QT_QPA_PLATFORM", "").split(":")[0]
    if wanted:
        return wanted, "QT_QPA_PLATFORM"
    if env.get("WAYLAND_DISPLAY"):
        return "wayland", "WAYLAND_DISPLAY"
    if env.get("DISPLAY"):
        return "xcb", "DISPLAY"
    return "", ""


def check_display(ctx: Context) -> Result:
    env = ctx.environ
    platform, source = platform_of(env)
    if platform in ("wayland", "wayland-egl"):
        runtime = env.get("XDG_RUNTIME_DIR", f"/run/user/{os.geteuid()}")
        name = env.get("WAYLAND_DISPLAY", "wayland-0")
        socket = Path(name) if name.startswith("/") else Path(runtime) / name
        if not socket.exists():
            return fail("display", f"No Wayland compositor answers at {socket} ({source}).",
                        "Start the kiosk through its unit (cage provides the compositor): 'systemctl start smartmirror-kiosk'.")
        return ok("display", f"A Wayland compositor listens at {socket}.")
    if platform == "xcb":
        display = env.get("DISPLAY", "")
        number = display.split(":")[-1].split(".")[0] if ":" in display else ""
        socket = ctx.path(f"/tmp/.X11-unix/X{number}")
        if display.startswith(":") and not socket.exists():
            return fail("display", f"No X server answers on DISPLAY={display} ({socket} is missing).",
                        "Start the X session first, or run the kiosk through its unit (Wayland, cage).")
        return ok("display", f"An X display is set (DISPLAY={display}).")
    if platform == "eglfs":
        return _kms(ctx, "eglfs draws straight on the GPU")
    if platform:
        return warning("display", f"Qt's platform is {platform!r} ({source}): the mirror is not shown on a screen.",
                       "Unset QT_QPA_PLATFORM (or set wayland under cage, eglfs without a compositor).")
    compositor = ctx.path(KIOSK_WAYLAND)
    if compositor.exists():
        return _running_cage(ctx, compositor)
    return _kms(ctx, "no screen session in this shell (normal over ssh); the kiosk unit shows the mirror with cage")


def _gpu_cards(ctx: Context) -> list[str]:
    return sorted(p.name for p in ctx.path("/dev/dri").glob("card*")) if ctx.path("/dev/dri").is_dir() else []


def _running_cage(ctx: Context, compositor: Path) -> Result:
    """Over ssh on a mirror whose kiosk unit runs: cage's socket says the screen is in use."""
    cards = _gpu_cards(ctx)
    if not cards:
        return warning("display", f"The kiosk's compositor (cage) runs ({compositor}) but there is no GPU display device "
                                  "(/dev/dri/card*): it draws on a virtual output that reaches no screen.",
                       "Check the screen's driver (on a Pi: dtoverlay=vc4-kms-v3d in config.txt) and the WLR_BACKENDS "
                       "setting in /etc/smartmirror/kiosk.env, then reboot.")
    return ok("display", f"The kiosk's compositor (cage) runs and draws the mirror on {', '.join(cards)} ({compositor}).")


def _kms(ctx: Context, why: str) -> Result:
    cards = _gpu_cards(ctx)
    if not cards:
        return fail("display", f"No GPU display device (/dev/dri/card*): {why}, but there is nothing to draw on.",
                    "Check that the screen's driver is loaded (on a Pi: dtoverlay=vc4-kms-v3d in config.txt) and reboot.")
    if "cage" in why and not shutil.which("cage", path=ctx.environ.get("PATH", os.defpath)):
        return warning("display", f"GPU display device {cards[0]} found, but cage (the kiosk unit's compositor) is not installed.",
                       "Run scripts/provision (it installs cage), or use the eglfs unit.")
    return ok("display", f"GPU display device {', '.join(cards)} found; {why}.")


def plugin_dir() -> Path | None:
    """PySide6's Qt plugins, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins"


def check_qt_plugin(ctx: Context, folder: Path | None = None) -> Result:
    platform, _ = platform_of(ctx.environ)
    platform = platform or "wayland"  # what the kiosk unit uses under cage
    libraries = PLUGINS.get(platform)
    folder = folder or plugin_dir()
    if folder is None:
        return fail("qt-plugin", "Qt for Python (PySide6) is not installed for this kiosk.",
                    "Run scripts/provision (or 'uv sync --locked' in the checkout).")
    if libraries is None:
        return warning("qt-plugin", f"Qt's platform {platform!r} is not one the kiosk knows.", "Use wayland, xcb or eglfs.")
    missing: set[str] = set()
    for library in libraries:
        path = folder / library
        if not path.exists():
            return fail("qt-plugin", f"Qt's {platform} platform plugin is missing ({path}).", "Reinstall PySide6 (scripts/provision).")
        code, out = ctx.run(["ldd", str(path)])
        if code == 127:
            return warning("qt-plugin", f"Qt's {platform} plugin is there, but ldd is missing to check its libraries.",
                           "Install libc-bin (it provides ldd).")
        if code != 0 and "not found" not in out:
            return warning("qt-plugin", f"Qt's {platform} plugin could not be checked ({out[:200]}).", "Run scripts/provision.")
        missing |= {line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line}
    if missing:
        names = sorted(missing)
        packages = sorted({PACKAGES.get(lib, "") for lib in names} - {""})
        install = f"Install {' '.join(packages)} ('apt-get install …')" if packages else "Install the packages that provide them"
        return fail("qt-plugin", f"Qt's {platform} plugin cannot load: {', '.join(names)} missing.",
                    f"{install}; scripts/provision installs what the kiosk needs.")
    return ok("qt-plugin", f"Qt's {platform} platform plugin and every library it needs are installed.")
