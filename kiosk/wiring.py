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
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.errors import SourceError
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.parts import NoComparisons, NoIdentity, NoLibrary, NoNetwork, Parts
from kiosk.source_spec import SourceSpec, SourceSpecError, parse_source_spec

_log = logging.getLogger(__name__)

SYNTHETIC_DEFAULT = "synthetic:?width=1280&height=720&fps=30"

# The core listens before any part can publish; the library opens before identity and the studio
# use it; the network binds its port before the analysis loads the pose model (which takes
# seconds); the comparison renderer runs before the network offers it; the camera opens last,
# when everything that consumes frames is ready.
START_ORDER = ("core", "library", "identity", "studio", "comparisons", "network", "analysis", "capture")
# The visit ends first (the core does that before anything stops); the studio's stop finishes
# the last take, then the core handles what is left (the take lands, the session is finished)
# before identity and the library close.
STOP_ORDER = ("capture", "analysis", "network", "comparisons", "studio", "core", "identity", "library")


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


def build_parts(config: Config, switches: Switches) -> Parts:
    """Every part of the kiosk, unstarted."""
    bus, hub = EventBus(), FrameHub()
    capture = build_capture(config, hub, bus, switches.source) if switches.camera else _no_camera()
    keeps_looks = switches.record or switches.library or switches.network
    library = build_library(config, switches.library_dir) if keeps_looks else NoLibrary()
    identity = NoIdentity()
    studio = _no_studio()
    if switches.record:
        from kiosk.identity.setup import build_identity

        # Consent lives with identity, so identity runs even without a card reader.
        identity = build_identity(config, bus, build_card_reader(config), looks=library)
        studio = build_studio(config, library, hub, bus, capture.fps)
    network, comparisons = NoNetwork(), NoComparisons()
    if switches.network:
        from kiosk.compare.jobs import ComparisonJobs
        from kiosk.net.service import NetParts, NetService

        # Side-by-side videos for share links and the associate's tablet, rendered off the UI.
        comparisons = ComparisonJobs(library, config)
        network = NetService(config, NetParts(data_dir=library.layout.root, library=library, bus=bus,
                                              camera=capture.status, comparisons=comparisons))
    analysis = _no_analysis()
    wants_analysis = switches.analysis if switches.analysis is not None else switches.record and config.analysis.enabled
    if wants_analysis:
        analysis = build_analysis(config, hub, bus, studio)
    return Parts(config, bus, hub, capture, library, identity, studio, comparisons, network, analysis,
                 START_ORDER, STOP_ORDER, switches.optional)


def build_core(
    config: Config,
    spec_text: str | None = None,
    library_dir: str | None = None,
    record: bool = True,
    analysis: bool | None = None,
    network: bool = False,
) -> KioskCore:
    """A ready-to-start core with a camera (the mirror, its tests and benchmarks)."""
    switches = Switches(source=spec_text, library_dir=library_dir, record=record, analysis=analysis, network=network)
    return KioskCore(build_parts(config, switches))


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


def build_capture(config: Config, hub: FrameHub, bus: EventBus, spec_text: str | None = None):
    """That camera as a part of the kiosk, feeding ``hub``."""
    from kiosk.capture import Capture

    camera, spec = build_camera(config, spec_text)
    return Capture(camera, str(spec), hub, bus)


def build_library(config: Config, override: str | None = None):
    """The look library of ``--library`` or ``library.data_dir`` (opened when the kiosk starts)."""
    from kiosk.library import Library
    from kiosk.paths import data_dir

    return Library(data_dir(config, override))


def build_studio(config: Config, library, hub: FrameHub, bus: EventBus, fps: float):
    """The recorder over the look library, as ``[recording]`` and ``[library]`` say."""
    from kiosk.library.settings import retention_policy
    from kiosk.recording.recorder import Recorder
    from kiosk.recording.settings import recorder_settings
    from kiosk.recording.sinks import LibrarySink
    from kiosk.studio import Studio

    policy = retention_policy(config)
    recorder = Recorder(hub, LibrarySink(library, policy), bus, recorder_settings(config), fps=fps)
    return Studio(library, recorder, bus, policy)


def build_analysis(config: Config, hub: FrameHub, bus: EventBus, studio):
    """The body analysis (presence, turns, gestures) and, with a studio, the self-recording turn."""
    from kiosk.analysis.autorecord import AutoRecorder
    from kiosk.analysis.live import LiveAnalysis
    from kiosk.analysis.settings import body_settings, pose_settings
    from kiosk.analysis.worker import AnalysisWorker, WorkerSettings

    cfg = config.analysis
    # A sideways camera behind a portrait screen: analyse the picture the way it is shown.
    pose = pose_settings(cfg, rotation=config.display.rotation)
    settings = WorkerSettings(pose, body_settings(cfg), max_fps=cfg.max_fps, runner=cfg.runner, nice=cfg.nice)
    autorecord = None
    if studio.available:
        autorecord = AutoRecorder(bus, studio.store_analysis, preroll_s=config.recording.preroll_s)
    return LiveAnalysis(AnalysisWorker(hub, bus, settings), autorecord)


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


def _no_analysis():
    from kiosk.analysis.live import NoAnalysis

    return NoAnalysis()
