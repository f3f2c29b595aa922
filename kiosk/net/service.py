"""``NetService``: the network side of the mirror, with an explicit start()/stop().

``start()`` opens the network database, binds the HTTP port (so "port in use" is reported at
once, as one sentence), then runs uvicorn, the zeroconf announcement, the LAN directory and
the webhook outbox on one named thread (``net-server``) with its own asyncio loop. Nothing
here touches the UI thread or the capture path. ``stop()`` ends the open event streams, stops
the server (a response still running gets one second), sends the zeroconf goodbye and joins
the thread.

Used by ``kiosk serve`` and ``kiosk run`` alike (``kiosk.wiring`` builds it). It never holds
the core: it learns the mirror's state from the event bus and answers the core's intents
(``share_look``, ``share_comparison``, ``request_assist``); what the shopper should see it publishes as events.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk import __version__
from kiosk.config import Config
from kiosk.errors import NetServiceError
from kiosk.net.announce import Announcement, Announcer
from kiosk.net.asked import AskedBook
from kiosk.net.assist import AssistKind, AssistQueue
from kiosk.net.auth import Auth, api_token
from kiosk.net.context import LookSource, NetContext
from kiosk.net.db import FILENAME, NetworkDatabase
from kiosk.net.discover import MirrorDirectory
from kiosk.net.peers import PeerBook
from kiosk.net.feed import EventFeed
from kiosk.net.hello_round import HelloRounds
from kiosk.net.outbox import Outbox, mirror_source, outbox_settings
from kiosk.net.pacing import BytePacer
from kiosk.net.pin_counts import FILENAME as PIN_COUNTS_FILENAME, PinCountFile
from kiosk.net.pin_reports import PinReports
from kiosk.net.server_thread import ServerThread
from kiosk.net.shares import ShareStore, share_id
from kiosk.net.stream import EventStream
from kiosk.release import read_release

_log = logging.getLogger(__name__)

#: How often the directory looks for a network address while the mirror has none (DHCP after boot).
ADDRESS_POLL_S = 10.0



@dataclass(frozen=True)
class NetParts:
    """What the network layer serves: the data folder, the look library, the bus, the camera's status."""

    data_dir: Path
    library: LookSource | None = None
    bus: object | None = None  # kiosk.events.EventBus
    camera: Callable[[], object] | None = None  # kiosk.capture.Capture.status (None: no camera)
    comparisons: object | None = None  # kiosk.compare.jobs.ComparisonJobs, started and stopped by its owner
    readings: object | None = None  # kiosk.vitals.Readings: the rest of health and metrics


@dataclass(frozen=True)
class ShareLink:
    """A link made by the mirror's own Share button; its QR code is ready to show (SVG or PNG)."""

    url: str
    token: str
    expires_at: float
    qr_svg: bytes
    qr_png: bytes
    share_id: str = ""  # the link's name that does not open it (kiosk.net.shares.share_id)


class NetService:
    """HTTP API, share pages, console, zeroconf and webhook; start()/stop() from any thread."""

    def __init__(self, config: Config, parts: NetParts) -> None:
        self.config = config
        self.parts = parts
        self.ctx: NetContext | None = None
        self._db: NetworkDatabase | None = None
        self._http = ServerThread("the network services")
        self._announcer: Announcer | None = None
        self._directory: MirrorDirectory | None = None
        self._pin_reports: PinReports | None = None
        self._hellos: HelloRounds | None = None
        self._unsubscribe = None
        self.start_error = ""  # why the services could not start, in plain words ("" when they did)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Bring everything up; raises ``NetServiceError`` with one sentence when it cannot."""
        try:
            self._start()
        except NetServiceError as exc:
            self.start_error = str(exc)
            raise

    def _start(self) -> None:
        api = self.config.api
        token = api_token(api.token)  # a too-short KIOSK_API_TOKEN stops here, in one sentence
        self._db = NetworkDatabase(Path(self.parts.data_dir) / FILENAME)
        self._db.open()
        mirror_id = api.mirror_id or self._db.mirror_id()
        release = read_release()
        settings = outbox_settings(self.config.webhook)
        try:
            sock = bind_socket(api.bind, api.port)
        except NetServiceError:
            self._db.close()
            self._db = None
            raise
        interfaces = api.interfaces or None
        peers = PeerBook()
        self._directory = MirrorDirectory(interfaces, proven=peers.is_proven, address_poll_s=ADDRESS_POLL_S)
        if api.announce:
            self._announcer = Announcer(
                Announcement(api.name, sock.getsockname()[1], mirror_id, __version__, api.room, api.store, "idle",
                             release=release),
                interfaces,
                api.txt_interval_s,
            )
        stream = EventStream()
        asked = AskedBook()
        self._pin_reports = PinReports(self._directory, peers)
        self._hellos = HelloRounds(self._directory, peers)

        def ended(key: str) -> None:
            stream.end(key)
            asked.end(key)

        # a session that ends closes its event streams and forgets what it was given (its links' tokens);
        # a wrong PIN is reported to the other mirrors, and the store-wide counts are kept in the data
        # folder so that a restart does not reset them
        auth = Auth(token, api.pin, on_end=ended, on_wrong_pin=self._pin_reports.wrong_pin,
                    pin_counts=PinCountFile(Path(self.parts.data_dir) / PIN_COUNTS_FILENAME))
        auth.restore_pin_counts()
        self.ctx = NetContext(
            config=self.config,
            mirror_id=mirror_id,
            auth=auth,
            shares=ShareStore(self._db, self.config.sharing.expiry_h * 3600),
            assist=AssistQueue(self._db),
            outbox=Outbox(self._db, settings, mirror_source(api, mirror_id)),
            stream=stream,
            library=self.parts.library,
            camera=self.parts.camera,
            readings=self.parts.readings,
            directory=self._directory,
            peers=peers,
            pin_reports=self._pin_reports,
            hellos=self._hellos,
            data_dir=Path(self.parts.data_dir),
            bus=self.parts.bus,
            pacer=BytePacer(api.video_mb_s * 1e6) if api.video_mb_s > 0 else None,
            announcer=self._announcer,
            port=sock.getsockname()[1],
            comparisons=self.parts.comparisons,
            asked=asked,
            release=release,
        )
        if token == "" and not api.pin:
            _log.warning("no API token or PIN set: only /api/v1/status, /health and /metrics answer")
        try:
            self._http.start(sock, self._main)
        except NetServiceError:
            self.stop()
            raise
        if self.parts.bus is not None:
            self._unsubscribe = self.parts.bus.subscribe(EventFeed(self.ctx, self._on_state))

    def stop(self) -> None:
        """Goodbye on zeroconf, close the server and the database; safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        # the event streams end first: uvicorn's graceful stop waits for them, and cancels one
        # that never ends (with a traceback) only after its grace second
        self._http.stop(before=self.ctx.stream.end_all if self.ctx is not None else None)
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def available(self) -> bool:
        """True while the services run (the mirror offers sharing and help requests)."""
        return self.ctx is not None and self._http.running

    @property
    def port(self) -> int:
        return self.ctx.port if self.ctx else 0

    @property
    def url(self) -> str:
        host = self.config.api.bind if self.config.api.bind not in ("0.0.0.0", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    # -- intents from the mirror (any thread) ---------------------------------------------------

    def share_look(self, look_id: str) -> ShareLink:
        """The mirror's Share button: a link and its QR code for a consented look."""
        from kiosk.library import LookNotFound
        from kiosk.net.api_looks import emit_shared, share_out
        from kiosk.net.share_page import qr_png, qr_svg

        ctx = self._require()
        if ctx.library is None:
            raise NetServiceError("there is no look library to share from")
        try:
            look = ctx.library.get(look_id)
        except LookNotFound:
            raise NetServiceError(f"there is no look {look_id!r}") from None
        if not look.consented:
            raise NetServiceError("this look cannot be shared: the shopper has not agreed")
        base = ctx.public_base()
        if base is None:
            raise NetServiceError("the mirror has no network address to put in a share link")
        out = share_out(base, ctx.shares.create(look.id))
        emit_shared(ctx, out)
        return ShareLink(out.url, out.token, out.expires_at, qr_svg(out.url), qr_png(out.url), share_id(out.token))

    def share_comparison(self, comparison_id: str) -> ShareLink:
        """The mirror's "Share this comparison": a link and its QR code for a rendered comparison of consented looks."""
        from kiosk.library.comparisons import ComparisonBook
        from kiosk.net.api_looks import share_out
        from kiosk.net.share_page import qr_png, qr_svg

        ctx = self._require()
        if ctx.library is None:
            raise NetServiceError("there is no look library to share from")
        comparison = ComparisonBook(ctx.library).find(comparison_id)
        if comparison is None:
            raise NetServiceError("the comparison is gone (one of its looks was deleted)")
        if not comparison.ready:
            raise NetServiceError(f"the comparison video is not ready ({comparison.state})")
        if not all((look := ctx.library.find(i)) is not None and look.consented for i in comparison.look_ids):
            raise NetServiceError("this comparison cannot be shared: the shopper has not agreed to share every look in it")
        base = ctx.public_base()
        if base is None:
            raise NetServiceError("the mirror has no network address to put in a share link")
        out = share_out(base, ctx.shares.create(comparison.id, kind="comparison"))
        ctx.emit("comparison_shared", {"comparison_id": comparison.id, "url": out.url, "expires_at": out.expires_at})
        return ShareLink(out.url, out.token, out.expires_at, qr_svg(out.url), qr_png(out.url), share_id(out.token))

    def request_assist(self, kind: str = "size", detail: str = "") -> dict:
        """The shopper asked for another size or an associate; returns the request."""
        from kiosk.net.api_status import request_assist

        return request_assist(self._require(), AssistKind(kind), detail).as_dict()

    def health(self) -> str:
        """"" when serving, else why not in plain words."""
        if self.start_error:
            return self.start_error
        return "" if self.ctx is not None and self._http.running else "not started"

    # -- the network thread ---------------------------------------------------------------------

    async def _main(self, sock: socket.socket) -> None:
        from kiosk.net.api import create_app

        ctx = self.ctx
        ctx.stream.bind(asyncio.get_running_loop())
        app = create_app(ctx)
        await ctx.outbox.async_start()
        await self._pin_reports.async_start(app.state.trust)  # the app's trust: the one its peer routes check with
        await self._hellos.async_start(app.state.trust)
        try:
            await self._http.serve(app, sock, started=self._serving)
        finally:
            await self._stop_zeroconf()
            await self._hellos.async_stop()
            await self._pin_reports.async_stop()
            await ctx.outbox.async_stop()

    async def _serving(self) -> None:
        await self._start_zeroconf()
        _log.info("serving on %s (mirror %s, id %s)", self.url, self.ctx.name, self.ctx.mirror_id)

    async def _start_zeroconf(self) -> None:
        try:
            await self._directory.async_start()
            if self._announcer is not None:
                await self._announcer.async_start()
        except Exception as exc:  # the API still works on its own; store IT sees this in the log and health
            _log.warning("zeroconf could not start (%s); the mirror is not announced on the LAN", exc)
            if self._announcer is not None and self._announcer.registered_name is None:
                self._announcer.start_failed(exc)

    async def _stop_zeroconf(self) -> None:
        if self._announcer is not None:
            try:
                await self._announcer.async_stop()
            except Exception as exc:
                _log.warning("zeroconf goodbye failed: %s", exc)
        if self._directory is not None:
            await self._directory.async_stop()

    def _on_state(self, state: str) -> None:
        if self._announcer is not None:
            self._announcer.set_state(state)

    def _require(self) -> NetContext:
        if self.ctx is None or not self._http.running:
            why = f": {self.start_error}" if self.start_error else ""
            raise NetServiceError(f"the mirror's network services are off{why}")
        return self.ctx


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket, or one plain sentence on why not."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit it: without it, uvicorn's separate header and body writes
        # meet the client's delayed ACK and every small response takes 40 ms
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == 98:
            raise NetServiceError(f"port {port} on {host} is already in use (is another kiosk serve running?)") from None
        raise NetServiceError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.set_inheritable(False)
    return sock
