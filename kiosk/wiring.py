"""Build the kiosk from configuration: the only module of the core that imports ``hardware``."""

from __future__ import annotations

import logging
import os

from hardware.camera import create_source
from hardware.camera_base import CameraSource, WatchdogPolicy
from hardware.camera_v4l2 import list_capture_devices, probe_device
from hardware.source_spec import SourceSpec, SourceSpecError, parse_source_spec
from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.errors import SourceError
from kiosk.events import EventBus
from kiosk.hub import FrameHub
from kiosk.studio import Studio

_log = logging.getLogger(__name__)

SYNTHETIC_DEFAULT = "synthetic:?width=1280&height=720&fps=30"


def resolve_source_spec(text: str) -> SourceSpec:
    """Parse a spec; ``auto`` means the first working V4L2 camera, else the synthetic one."""
    if text == "auto":
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


def build_source(config: Config, spec_text: str | None = None) -> tuple[CameraSource, SourceSpec]:
    """The camera named by ``spec_text`` (``--source``) or by the configuration."""
    spec = resolve_source_spec(spec_text or config.camera.source)
    if spec.kind == "file":
        if not os.path.isfile(spec.target):
            raise SourceError(f"video file {spec.target} does not exist")
    watchdog = WatchdogPolicy(timeout_s=config.camera.watchdog_s, backoff_max_s=config.camera.backoff_max_s)
    return create_source(spec, watchdog), spec


def build_core(
    config: Config,
    spec_text: str | None = None,
    library_dir: str | None = None,
    record: bool = True,
    analysis: bool | None = None,
    network: bool = False,
) -> KioskCore:
    """A ready-to-start kiosk core: camera, hub, bus, and (unless ``record`` is off) the studio.

    ``analysis`` (None: as ``[analysis] enabled`` says, and only with ``record``) adds the body
    analysis: presence, the self-recording turn and gestures. ``network`` adds the HTTP API,
    share pages and the zeroconf announcement; only ``kiosk run`` asks for it, so tests and
    benchmarks never announce on the machine's network by accident.
    """
    source, spec = build_source(config, spec_text)
    hub, bus = FrameHub(), EventBus()
    studio = build_studio(config, hub, bus, source.fps, library_dir) if record else None
    core = KioskCore(config, source, str(spec), hub, bus, studio=studio)
    if studio is not None:
        from kiosk.identity.setup import build_card_service

        # Consent lives with identity, so the card service runs even without a reader.
        core.attach_cards(
            build_card_service(config, bus, build_card_reader(config), looks=studio.library, wake=core.touch)
        )
    if studio is not None and network:
        from kiosk.net.service import NetParts, NetService

        core.net = NetService(
            config, NetParts(data_dir=studio.library.layout.root, library=studio.library, core=core, bus=bus)
        )
    if analysis is None:
        analysis = record and config.analysis.enabled
    if analysis:
        from kiosk.analysis.live import build_live_analysis

        core.analysis = build_live_analysis(core)
    return core


def build_studio(config: Config, hub: FrameHub, bus: EventBus, fps: float, library_dir: str | None) -> Studio:
    """The look library and the recorder, as configured (nothing is opened yet)."""
    from kiosk.library import Library
    from kiosk.library.settings import retention_policy
    from kiosk.paths import data_dir
    from kiosk.recording.recorder import Recorder
    from kiosk.recording.settings import recorder_settings
    from kiosk.recording.sinks import LibrarySink

    library = Library(data_dir(config, library_dir))
    policy = retention_policy(config)
    recorder = Recorder(hub, LibrarySink(library, policy), bus, recorder_settings(config), fps=fps)
    return Studio(library, recorder, bus, policy)


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
