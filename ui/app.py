"""Start the mirror's window over a kiosk core, and take it down again in a stated order."""

from __future__ import annotations

import logging
import os
import platform
import signal
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from kiosk.core import KioskCore

_log = logging.getLogger(__name__)

QML_DIR = Path(__file__).resolve().parent / "qml"


def _prepare_environment() -> None:
    """Qt settings that must be in place before the application object exists."""
    # PySide6 6.8.0.2 for aarch64 links FFmpeg 4, which Raspberry Pi OS bookworm lacks;
    # its GStreamer backend works there.
    if platform.machine() == "aarch64":
        os.environ.setdefault("QT_MEDIA_BACKEND", "gstreamer")
    os.environ.setdefault("QT_QUICK_CONTROLS_STYLE", "Basic")
    # Keep Qt Multimedia's harmless "pipewire not found" notes out of the kiosk's log.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg.info=false")


def screen_missing(env: dict[str, str] | None = None) -> str | None:
    """Why Qt could not open a window here, in one sentence, or None.

    Qt aborts the whole process (no exception) when its platform cannot connect: xcb without
    ``DISPLAY``, wayland without ``WAYLAND_DISPLAY`` (or ``WAYLAND_SOCKET``); unset,
    ``QT_QPA_PLATFORM`` means whichever of the two the session has. Only a missing variable is
    judged; a platform that needs neither (eglfs, offscreen, vnc...) is left to Qt.
    """
    env = os.environ if env is None else env
    wanted = [p.split(":")[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p.strip()]
    wanted = wanted or ["xcb", "wayland"]
    needs = {"xcb": ("DISPLAY",), "wayland": ("WAYLAND_DISPLAY", "WAYLAND_SOCKET")}
    for plugin in wanted:
        if plugin not in needs or any(env.get(var) for var in needs[plugin]):
            return None  # Qt tries the platforms in order: this one can start
    missing = list(dict.fromkeys(needs[plugin][0] for plugin in wanted))
    unset = f"{missing[0]} is not set" if len(missing) == 1 else f"neither {' nor '.join(missing)} is set"
    return (f"there is no screen to draw the mirror on: {unset} (the kiosk service runs it inside cage; "
            "over ssh, use a desktop session or QT_QPA_PLATFORM=offscreen)")


def request_quit() -> None:
    """Ask the event loop to quit, from any Python code (signal handler, timer, benchmark).

    Quitting closes the window, which waits for the render thread; the render thread may be
    waiting for the GIL (the paint probe's slots are Python). So never call ``quit()`` while
    holding the GIL: post it, and let Qt run it from the event loop with the GIL released.
    """
    from PySide6.QtCore import QMetaObject, Qt
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is not None:
        QMetaObject.invokeMethod(app, "quit", Qt.ConnectionType.QueuedConnection)


def run_mirror(
    core: KioskCore,
    quit_after: float | None = None,
    on_window: Callable[..., None] | None = None,
    stopping: Callable[[], AbstractContextManager] = nullcontext,
) -> int:
    """Show the mirror until the window closes (or ``quit_after`` seconds); returns an exit code.

    ``on_window(window, pump, probe, compare_pump)`` is called once the window exists (benchmarks
    hook in there). The way out runs inside ``stopping()`` (``kiosk run``: a second Ctrl-C ends it).
    Order: bridges and the scene first (they listen before anything happens), then the core and
    the preview; on the way out the preview and the bridges stop before the core, and the
    scene is torn down last.
    """
    _prepare_environment()
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer, Qt, QUrl
    from PySide6.QtGui import QCursor, QGuiApplication
    from PySide6.QtQml import QQmlApplicationEngine
    from PySide6.QtQuick import QQuickWindow  # noqa: F401 - makes the root object a QQuickWindow

    from ui.assist_bridge import AssistBridge
    from ui.bridge import MirrorBridge
    from ui.compare_bridge import CompareBridge
    from ui.compare_pump import ComparePump
    from ui.identity_bridge import IdentityBridge
    from ui.paint_probe import PaintProbe
    from ui.preview import PreviewPump
    from ui.studio_bridge import StudioBridge

    app = QGuiApplication.instance() or QGuiApplication([])
    app.setApplicationName("Smart Mirror")
    display = core.config.display

    painted = core.parts.painted  # the paint probe counts; the status line and the analysis read it
    vitals = core.parts.vitals  # the paint probe's first paint and the UI heartbeat below go there
    compare_pump = ComparePump(mirrored=display.mirror)
    bridges = (MirrorBridge(core, painted), StudioBridge(core), IdentityBridge(core), AssistBridge(core),
               CompareBridge(core, compare_pump))
    pump = PreviewPump(core.hub)
    engine = QQmlApplicationEngine()
    engine.addImportPath(str(QML_DIR))
    mirror, studio, identity, assist, compare = bridges
    engine.setInitialProperties(
        {"mirror": mirror, "preview": pump, "studio": studio, "identity": identity, "assist": assist,
         "compare": compare, "comparePump": compare_pump}
    )
    engine.load(QUrl.fromLocalFile(str(QML_DIR / "Mirror" / "Main.qml")))
    roots = engine.rootObjects()
    if not roots:
        for bridge in bridges:
            bridge.close()
        raise RuntimeError("the mirror's screen could not be loaded (QML errors are in the log)")
    window = roots[0]
    probe = PaintProbe(window, pump, painted, first_paint=vitals.first_paint)

    if display.fullscreen:
        window.setFlag(Qt.WindowType.FramelessWindowHint, True)
        QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
        # Without a window manager (a kiosk often has none) full screen is only a request:
        # size the window to the screen ourselves.
        window.setGeometry(window.screen().geometry())
        window.showFullScreen()
    else:
        window.resize(display.window_width, display.window_height)
        window.show()

    # Let Ctrl+C and systemd's SIGTERM close the window cleanly: Qt's loop does not run Python
    # signal handlers by itself, so a timer gives the interpreter a chance to.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: request_quit())
    # The same timer stamps the UI thread's heartbeat: systemd's watchdog is fed only while it beats.
    heartbeat = QTimer()
    heartbeat.start(200)
    heartbeat.timeout.connect(vitals.heartbeat.beat)
    if quit_after:
        QTimer.singleShot(int(quit_after * 1000), request_quit)

    if on_window is not None:
        on_window(window, pump, probe, compare_pump)
    core.start()
    pump.start()
    compare_pump.start()
    try:
        code = app.exec()
    finally:
        with stopping():
            probe.detach()
            pump.stop()
            compare_pump.stop()
            for bridge in bridges:
                bridge.close()  # the core's last events (session end) are not for a closing screen
            core.stop()
            # Tear the QML scene down while the bridges it binds to still exist.
            window.close()
            engine.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code
