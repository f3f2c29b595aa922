"""The composition root: every part of the kiosk is built here, from the configuration, before anything starts.

Read ``build_parts`` top to bottom to see the whole kiosk: the bus and the frames hub, the
camera, the look library, identity (cards and consent), the studio (recorder), the network
services and the body analysis — each built from the configuration and given only what it
uses; absent parts are null objects. ``KioskCore`` gets them as one frozen ``Parts`` and starts
them in ``START_ORDER``, stops them in ``STOP_ORDER`` (both below). ``kiosk run`` and
``kiosk serve`` use the same builder with different ``Switches``.

This is the only module of the core that imports ``hardware/``, and it does so lazily, so that
commands that never open a device never load OpenCV.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.errors import SourceError
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.liveness import mirror_watch, noted
from kiosk.metrics import RateMeter
from kiosk.parts import NoComparisons, NoIdentity, NoLibrary, NoLiveness, NoNetwork, Parts
from kiosk.screen import NoScreen
from kiosk.source_spec import SourceSpec, SourceSpecError, parse_source_spec
from kiosk.vitals import Readings, Vitals

_log = logging.getLogger(__name__)

SYNTHETIC_DEFAULT = "synthetic:?width=1280&height=720&fps=30"

# The core listens before any part can publish (and handles what it heard once every part is
# up: no decision meets a library that is not open yet); the library opens before identity and the studio
# use it; the network binds its port before the analysis loads the pose model (which takes
# seconds); the comparison renderer runs before the network offers it; the camera opens
# when everything that consumes frames is ready; the screen part lights the panel; systemd's
# watchdog starts watching last (it sends READY=1 once the first frame is painted). The error
# log ("vitals") listens from the very start.
START_ORDER = ("vitals", "core", "library", "identity", "studio", "comparisons", "network", "analysis", "capture",
               "screen", "liveness")
# systemd hears STOPPING=1 first and the panel is lit again; the visit ends (the core does that
# before anything stops); the studio's stop finishes the last take, then the core handles what
# is left (the take lands, the session is finished) before identity and the library close.
STOP_ORDER = ("liveness", "screen", "capture", "analysis", "network", "comparisons", "studio", "core", "identity",
              "library", "vitals")


@dataclass(frozen=True)
class Switches:
    """Which parts a command wants; the rest are null objects."""

    camera: bool = True
    source: str | None = None  # --source: overrides camera.source
    library_dir: str | None = None  # --library: overrides library.data_dir
    record: bool = True  # the studio (recorder), the look library and identity
    analysis: bool | None = None  # None: as [analysis] enabled says, and only with record
    network: bool = False  # API, share pages, console, zeroconf (only kiosk run/serve ask)
    library: bool = False  # the look library even without recording (kiosk serve)
    optional: tuple[str, ...] = ("network",)  # parts whose failure to start leaves the rest running
    window: bool = False  # the mirror is on a screen: the analysis paces itself by it, the panel sleeps
    watchdog: bool = False  # speak to systemd: READY, WATCHDOG, STATUS (kiosk run, kiosk serve)
    unwritable: str = ""  # why the data folder cannot be written: a plain mirror (see plain_mirror)
    public_pages: bool = False  # a plain mirror's network part: /api/v1/health and /metrics only


def plain_mirror(switches: Switches, config: Config, why: str) -> Switches:
    """``switches`` for a mirror whose data folder cannot be written (``why``; ``kiosk.plain_mirror``):
    the live mirror and its body analysis (presence still wakes and darkens the screen), and
    nothing that needs the folder: no library, identity, studio or network part. Where the
    network part was wanted, the two public pages the store's monitoring reads stay
    (``kiosk.net.plain_pages``: health and metrics, which need nothing written)."""
    return replace(switches, record=False, library=False, network=False, analysis=config.analysis.enabled,
                   unwritable=why, public_pages=switches.network)


def build_parts(config: Config, switches: Switches, clock: Callable[[], float] = time.monotonic) -> Parts:
    """Every part of the kiosk, unstarted; ``clock`` times the associate panel's unlock (tests pass their own)."""
    bus, hub, painted = EventBus(), FrameHub(), RateMeter()
    capture = build_capture(config, hub, bus, switches.source) if switches.camera else _no_camera()
    keeps_looks = switches.record or switches.library or switches.network
    library = build_library(config, switches.library_dir, network=switches.network) if keeps_looks else NoLibrary()
    identity = NoIdentity()
    studio = _no_studio()
    if switches.record:
        from kiosk.identity.setup import build_identity

        # Consent lives with identity, so identity runs even without a card reader.
        identity = build_identity(config, bus, build_card_reader(config), looks=library, clock=clock)
        studio = build_studio(config, library, hub, bus, capture.fps, owner_of=identity.owner)
    elif switches.unwritable:
        studio = _studio_unavailable(config, switches.library_dir, bus)
    analysis = _no_analysis()
    wants_analysis = switches.analysis if switches.analysis is not None else switches.record and config.analysis.enabled
    if wants_analysis:
        analysis = build_analysis(config, hub, bus, studio, painted.rate if switches.window else None)
    vitals = Vitals()
    screen = build_screen(config, bus) if switches.window else NoScreen()
    liveness = NoLiveness()
    if switches.watchdog and switches.camera:
        watch = mirror_watch(vitals, painted, hub, capture.status, screen.status, config.camera.watchdog_s)
        if switches.unwritable:  # systemctl status says what the mirror is missing, and why
            watch = noted(watch, f"plain mirror, nothing recorded: the data folder cannot be written "
                                 f"({switches.unwritable})")
        liveness = build_liveness(watch)
    # What health and metrics read of the parts the network part does not hold.
    readings = Readings(
        camera=capture.status if switches.camera else None,
        painted_fps=painted.rate if switches.window else None,
        analysis=analysis.worker.stats if analysis.worker is not None else None,
        recording=(lambda: studio.recording) if switches.record else None,
        takes_skipped=(lambda: studio.skipped) if switches.record else None,
        recorder=studio.encoder_health if switches.record else None,
        reader=(lambda: identity.reader_state) if config.reader.port and switches.record else None,
        screen=screen.status if switches.window else None,
        watchdog_pings=lambda: liveness.pings,
        errors=vitals.errors,
        core=vitals.core.read,
        disk_floor_bytes=config.recording.min_free_mb * 2**20,
    )
    network, comparisons = NoNetwork(), NoComparisons()
    if switches.network:
        from kiosk.compare.events import ComparisonChanged
        from kiosk.compare.jobs import ComparisonJobs
        from kiosk.net.service import NetParts, NetService

        # Side-by-side videos for share links and the associate's tablet, rendered off the UI;
        # the core hears when the one the shopper is waiting for is ready.
        comparisons = ComparisonJobs(library, config, on_change=lambda c: bus.emit(
            ComparisonChanged(comparison_id=c.id, state=c.state, error=c.error)))
        network = NetService(config, NetParts(data_dir=library.layout.root, library=library, bus=bus,
                                              camera=readings.camera, comparisons=comparisons, readings=readings))
        if switches.watchdog and not switches.camera:
            liveness = build_liveness(_server_probe(config, network).watch())
    elif switches.public_pages:
        from kiosk.net.plain_pages import PlainPages
        from kiosk.paths import data_dir

        network = PlainPages(config, data_dir(config, switches.library_dir), bus, readings.camera, readings)
    return Parts(config, bus, hub, capture, library, identity, studio, comparisons, network, analysis, painted,
                 START_ORDER, STOP_ORDER, switches.optional, screen=screen, vitals=vitals, liveness=liveness)


def build_core(
    config: Config,
    spec_text: str | None = None,
    library_dir: str | None = None,
    record: bool = True,
    analysis: bool | None = None,
    network: bool = False,
    window: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> KioskCore:
    """A ready-to-start core with a camera (the mirror, its tests and benchmarks)."""
    switches = Switches(source=spec_text, library_dir=library_dir, record=record, analysis=analysis, network=network,
                        window=window)
    return KioskCore(build_parts(config, switches, clock))


# -- the parts ------------------------------------------------------------------------------------


def resolve_source_spec(text: str) -> SourceSpec:
    """Parse a spec; ``auto`` means the first working V4L2 camera, else the synthetic one."""
    if text == "auto":
        from hardware.camera_v4l2 import list_capture_devices, probe_device

        for device in list_capture_devices():
            if probe_device(device):
                _log.info("using camera %s", device)
                return parse_source_spec(f"v4l2:{device}")
        _log.info("no camera found; using the synthetic camera")
        return parse_source_spec(SYNTHETIC_DEFAULT)
    try:
        return parse_source_spec(text)
    except SourceSpecError as exc:
        raise SourceError(str(exc)) from None


def build_camera(config: Config, spec_text: str | None = None):
    """The camera (a ``kiosk.ports.Camera``) named by ``spec_text`` (``--source``) or the configuration."""
    from hardware.camera import create_source
    from hardware.camera_base import WatchdogPolicy

    spec = resolve_source_spec(spec_text or config.camera.source)
    if spec.kind == "file" and not os.path.isfile(spec.target):
        raise SourceError(f"video file {spec.target} does not exist")
    watchdog = WatchdogPolicy(timeout_s=config.camera.watchdog_s, backoff_max_s=config.camera.backoff_max_s)
    return create_source(spec, watchdog), spec


def camera_devices() -> list[str]:
    """The V4L2 capture devices of this machine, best first (``kiosk doctor``)."""
    from hardware.camera_v4l2 import list_capture_devices

    return list_capture_devices()


def camera_modes(device: str, open_it: bool = True) -> tuple[list[str] | None, str | None]:
    """(the modes v4l2-ctl lists or None without it, what OpenCV opens the device at); ``kiosk doctor``."""
    from hardware.camera_v4l2 import list_modes, opened_mode

    modes = list_modes(device)
    return modes, (opened_mode(device) if open_it and not modes else None)


def build_capture(config: Config, hub: FrameHub, bus: EventBus, spec_text: str | None = None):
    """That camera as a part of the kiosk, feeding ``hub``."""
    from kiosk.capture import Capture

    camera, spec = build_camera(config, spec_text)
    return Capture(camera, str(spec), hub, bus)


def build_library(config: Config, override: str | None = None, network: bool = False):
    """The look library of ``--library`` or ``library.data_dir`` (opened when the kiosk starts);
    ``network``: the network part runs beside it (its database, with the mirror id, goes in the folder)."""
    from kiosk.library import Library
    from kiosk.paths import data_dir

    return Library(data_dir(config, override), on_new=lambda folder: warn_new_library(config, folder, network))


def warn_new_library(config: Config, folder, network: bool = False) -> None:
    """Say that the kiosk started a new, empty library in ``folder`` (a mistyped folder loses every look from view).

    The mirror still comes up; the line tells store IT why the looks are gone and, when the store
    secret lives in that folder, that the mirror no longer matches the store's other mirrors. With
    the network part on (``network``), its id is kept in the folder's network database (made after
    the library opens) unless ``api.mirror_id`` names one: a new id makes it a new mirror to the
    fleet (kiosk discover's files, the console). With it off (``kiosk run --no-network``) no
    database and no id are made, so none is said.
    """
    from kiosk.net.db import FILENAME
    from kiosk.net.trust import secret_path

    secret = secret_path(config, folder)
    new = ["a new store secret"] if secret is not None and secret.is_relative_to(folder) and not secret.exists() else []
    if network and not config.api.mirror_id and not (folder / FILENAME).exists():
        new.append("a new mirror id, so the fleet sees this mirror as a new one")
    _log.warning("no look library was in %s; started a new, empty one there%s. If you meant another folder, stop the "
                 "mirror and check --library / library.data_dir", folder, f" with {' and '.join(new)}" if new else "")


def build_studio(config: Config, library, hub: FrameHub, bus: EventBus, fps: float, owner_of=None):
    """The recorder over the look library, as ``[recording]`` and ``[library]`` say; ``owner_of``: whose a session is."""
    from kiosk.library.settings import retention_policy
    from kiosk.recording.recorder import Recorder
    from kiosk.recording.settings import recorder_settings
    from kiosk.recording.sinks import LibrarySink
    from kiosk.studio import Studio

    policy = retention_policy(config)
    recorder = Recorder(hub, LibrarySink(library, policy), bus, recorder_settings(config), fps=fps)
    return Studio(library, recorder, bus, policy, owner_of)


def build_analysis(config: Config, hub: FrameHub, bus: EventBus, studio, painted_fps=None):
    """The body analysis (presence, turns, gestures) and, with a studio, the self-recording turn."""
    from kiosk.analysis.autorecord import AutoRecorder
    from kiosk.analysis.live import LiveAnalysis
    from kiosk.analysis.settings import body_settings, pose_settings
    from kiosk.analysis.worker import AnalysisWorker, WorkerSettings

    cfg = config.analysis
    # A sideways camera behind a portrait screen: analyse the picture the way it is shown.
    pose = pose_settings(cfg, rotation=config.display.rotation)
    settings = WorkerSettings(pose, body_settings(cfg), max_fps=cfg.max_fps, runner=cfg.runner, nice=cfg.nice,
                              min_fps=cfg.min_fps, idle=cfg.idle_priority)
    autorecord = None
    if studio.available:
        autorecord = AutoRecorder(bus, studio.store_analysis, preroll_s=config.recording.preroll_s,
                                  rotation=config.display.rotation)
    return LiveAnalysis(AnalysisWorker(hub, bus, settings, painted_fps), autorecord)


def build_screen(config: Config, bus: EventBus, backend=None):
    """The screen's power part; ``backend`` (tests, benchmarks) instead of probing the platform's."""
    from kiosk.screen import Screen

    display = config.display
    if backend is not None:
        return Screen(lambda: backend, bus)
    return Screen(lambda: build_display_power(display.power, display.power_output), bus)


def simulated_display():
    """A panel that only records when it was told to switch (``kiosk bench wake``, tests)."""
    from hardware.display_power import SimulatedDisplay

    return SimulatedDisplay()


def build_display_power(wanted: str = "auto", output: str = ""):
    """The first way to switch the panel that works here (``hardware.display_power``); probes run commands."""
    from hardware.display_power import probe_display_power

    return probe_display_power(wanted, output)


def build_liveness(watch):
    """systemd's watchdog over ``watch`` (does nothing without ``$NOTIFY_SOCKET``)."""
    from kiosk.liveness import Liveness
    from kiosk.sdnotify import Notifier

    return Liveness(Notifier(), watch)


def _server_probe(config: Config, network):
    from kiosk.liveness import ServerProbe, local_address

    return ServerProbe(lambda: local_address(config.api.bind, network.port) if network.port else None)


def build_card_reader(config: Config, port: str | None = None, protocol: str | None = None):
    """The serial card reader of ``[reader]`` (or ``port``/``protocol``), unstarted; None without a port."""
    from hardware.card_reader_serial import ReaderSettings, SerialCardReader

    r = config.reader
    port = port or r.port
    if not port:
        return None
    settings = ReaderSettings(
        protocol=protocol or r.protocol,
        baudrate=r.baudrate or None,
        removal_s=r.removal_s,
        poll_interval_s=r.poll_interval_s,
        backoff_max_s=r.backoff_max_s,
    )
    return SerialCardReader(port, settings)


def build_reader_sim(protocol: str, link: str | None = None):
    """A simulated card reader on a pseudo-terminal (``kiosk reader-sim``), unstarted."""
    from hardware.card_reader_sim import CardReaderSim

    return CardReaderSim(protocol, link)


def _no_camera():
    from kiosk.capture import NoCamera

    return NoCamera()


def _no_studio():
    from kiosk.studio import NoStudio

    return NoStudio()


def _studio_unavailable(config: Config, override: str | None, bus: EventBus):
    from kiosk.paths import data_dir
    from kiosk.plain_mirror import StudioUnavailable

    return StudioUnavailable(data_dir(config, override), bus)


def _no_analysis():
    from kiosk.analysis.live import NoAnalysis

    return NoAnalysis()
