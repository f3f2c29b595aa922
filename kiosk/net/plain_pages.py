"""A plain mirror's network part: ``/api/v1/health`` and ``/api/v1/metrics`` and nothing else.

A plain mirror (``kiosk.plain_mirror``: its data folder cannot be written) has no network
database, no look library, no sign-in and no store secret it could use, so it serves none of
the API, console, share links, peer routes or zeroconf. But the store's Prometheus scrapes every
mirror, and one that does not answer reads as down (MirrorDown) when it shows a live picture
and only its SD card needs replacing. So this part answers the two public pages on the usual
port, with what the mirror has: the camera, the screen, the analysis, the core, the disk, and
``kiosk_data_writable 0`` with a ``plain_mirror`` check that says what is missing and why.

Nothing here writes: the port's address and number come from the configuration, and the
mirror's id from ``api.mirror_id`` or, read-only, from the network database in the data folder
(read-only is not unreadable); "" when neither has one. Every answer is the public one (no token
can be checked without the sign-in's files): masked as the full kiosk masks it for a caller
without a token. The checks and figures are the full kiosk's own (``kiosk.net.health_checks``,
``kiosk.net.metrics_text``), served by the same uvicorn set-up (``kiosk.net.http_server``).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse

from kiosk import __version__
from kiosk.config import Config
from kiosk.errors import NetServiceError
from kiosk.net.api_status import Health, health_of, public_health
from kiosk.net.health_checks import device_checks, kiosk_checks
from kiosk.net.live import FollowsLive, LiveState
from kiosk.net.metrics_text import METRICS_TYPE, mirror_metrics
from kiosk.net.server_thread import ServerThread
from kiosk.parts import NoNetwork
from kiosk.release import DEV, read_release

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlainContext(FollowsLive):
    """What a plain mirror's two pages read; the attributes they share with ``NetContext``."""

    config: Config
    data_dir: Path
    mirror_id: str = ""
    camera: Callable[[], object] | None = None  # kiosk.capture.Capture.status
    readings: object | None = None  # kiosk.vitals.Readings
    live: LiveState = field(default_factory=LiveState)
    library: None = None  # a plain mirror has none
    started_at: float = field(default_factory=time.time)
    version: str = __version__
    release: str = DEV


router = APIRouter()


def _view(request: Request) -> PlainContext:
    return request.app.state.ctx


@router.get("/health", response_model=Health, tags=["mirror"], summary="Health checks in plain words (public)")
def get_health(request: Request) -> Health:
    view = _view(request)
    checks = device_checks(view)
    checks.update(kiosk_checks(view, plain=True))
    return public_health(health_of(view, checks), view.config)


@router.get("/metrics", response_class=PlainTextResponse, tags=["mirror"], summary="Prometheus metrics (public)")
def get_metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse("\n".join(mirror_metrics(_view(request))) + "\n", media_type=METRICS_TYPE)


def create_plain_app(view: PlainContext) -> FastAPI:
    """The plain mirror's application: the two public pages, no OpenAPI document, no other route."""
    from kiosk.net.api import API_PREFIX, bare_app

    app = bare_app(view.config, "A plain mirror (its data folder cannot be written): health and metrics only.")
    app.state.ctx = view
    app.include_router(router, prefix=API_PREFIX)
    return app


def stored_mirror_id(config: Config, data_dir: Path) -> str:
    """The mirror's id: ``api.mirror_id``, else the network database's, read without writing a byte; "" if none."""
    from kiosk.doctor.databases import read_only
    from kiosk.net.db import FILENAME

    if config.api.mirror_id:
        return config.api.mirror_id
    path = Path(data_dir) / FILENAME
    if not path.is_file():
        return ""
    try:
        with read_only(path) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key='mirror_id'").fetchone()
    except sqlite3.Error as exc:
        _log.warning("the mirror's id cannot be read from %s (%s); the plain mirror's metrics carry none", path, exc)
        return ""
    return row[0] if row else ""


class PlainPages(NoNetwork):
    """The network part of a plain mirror: the two public pages on ``api.bind``:``api.port``; no
    sharing, help requests or console (``available`` stays False, as ``NoNetwork``'s)."""

    def __init__(self, config: Config, data_dir: Path, bus, camera=None, readings=None) -> None:
        self._config = config
        self._data_dir = Path(data_dir)
        self._bus = bus
        self._camera = camera
        self._readings = readings
        self.view: PlainContext | None = None
        self._http = ServerThread("the plain mirror's health and metrics")
        self._unsubscribe = None
        self._port = 0

    def start(self) -> None:
        """Bind the port and serve; raises ``NetServiceError`` with one sentence when it cannot."""
        try:
            self._start()
        except NetServiceError as exc:
            self.start_error = str(exc)
            raise

    def _start(self) -> None:
        from kiosk.net.feed import LiveFeed
        from kiosk.net.service import bind_socket

        self.view = PlainContext(config=self._config, data_dir=self._data_dir,
                                 mirror_id=stored_mirror_id(self._config, self._data_dir), camera=self._camera,
                                 readings=self._readings, release=read_release())
        sock = bind_socket(self._config.api.bind, self._config.api.port)
        self._port = sock.getsockname()[1]
        self._unsubscribe = self._bus.subscribe(LiveFeed(self.view.live))
        try:
            self._http.start(sock, self._main)
        except NetServiceError:
            self.stop()
            raise

    def stop(self) -> None:
        """Close the server and join its thread; safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._http.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        bind = self._config.api.bind
        return f"http://{bind if bind not in ('0.0.0.0', '') else '127.0.0.1'}:{self._port}"

    def health(self) -> str:
        """"" when serving, else why not in plain words."""
        if self.start_error:
            return self.start_error
        return "" if self._http.running else "not started"

    async def _main(self, sock: socket.socket) -> None:
        await self._http.serve(create_plain_app(self.view), sock, started=self._serving)

    async def _serving(self) -> None:
        _log.info("serving on %s (a plain mirror: /api/v1/health and /api/v1/metrics only)", self.url)
