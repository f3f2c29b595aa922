"""How uvicorn is set up for the mirror: connection limits and deadlines a shared LAN needs.

Inside ``kiosk run`` the HTTP server shares its process (and its file handles) with the
recorder, so no client may hold connections open for free. uvicorn cuts idle keep-alive
connections, but it has no deadline for a request that arrives slowly: a client trickling one
header byte a second (slowloris) would hold its socket for ever. ``GuardedH11Protocol`` gives
every request ``REQUEST_TIMEOUT_S`` from its first byte (or from the previous response) to
arrive whole, headers and body, and refuses connections beyond ``MAX_PER_CLIENT`` from one
address; ``limit_concurrency`` answers 503 beyond ``MAX_CONNECTIONS`` in all. Nor may a client
stop reading an answer and keep its connection: one whose answer has not moved for
``WRITE_STALL_S`` (the socket's buffers full, a video half sent) is cut, and its file closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from kiosk.log import QuietLogger

_log = logging.getLogger(__name__)
_quiet = QuietLogger(_log)

MAX_CONNECTIONS = 256
MAX_PER_CLIENT = 64
REQUEST_TIMEOUT_S = 10.0
#: How long an answer may wait for a client that reads none of it (a phone that lost the Wi-Fi
#: reads again within this; a device that stopped reading on purpose is cut).
WRITE_STALL_S = 30.0
KEEP_ALIVE_S = 5.0
MAX_HEADER_BYTES = 16 * 1024

#: Client address → open connections, shared by every protocol instance on the one loop.
_per_client: Counter[str] = Counter()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a whole-request deadline and a per-address connection cap."""

    _deadline: asyncio.TimerHandle | None = None
    _stall: asyncio.TimerHandle | None = None
    _counted: str | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else "?"
        if _per_client[host] >= MAX_PER_CLIENT:
            _quiet.warning("refused a connection from %s: it already has %d open", host, MAX_PER_CLIENT)
            transport.close()
            return
        _per_client[host] += 1
        self._counted = host
        self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        self._unstall()
        if self._counted is not None:
            _per_client[self._counted] -= 1
            if _per_client[self._counted] <= 0:
                del _per_client[self._counted]
            self._counted = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._waiting():
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def pause_writing(self) -> None:
        """The socket's buffers are full: the client has this long to read some of its answer."""
        super().pause_writing()
        self._unstall()
        self._stall = self.loop.call_later(WRITE_STALL_S, self._stalled)

    def resume_writing(self) -> None:
        self._unstall()
        super().resume_writing()

    def _unstall(self) -> None:
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _stalled(self) -> None:
        self._stall = None
        _quiet.warning("cut a connection from %s: it did not read its answer for %g s",
                       self.client[0] if self.client else "?", WRITE_STALL_S)
        self.transport.abort()  # not close(): that waits for the buffers to drain, which is what never happens

    def _waiting(self) -> bool:
        """True while the client still owes us (part of) a request."""
        return self.conn.their_state in (h11.IDLE, h11.SEND_BODY)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(REQUEST_TIMEOUT_S, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or not self._waiting():
            return
        _quiet.warning("cut a connection from %s: its request did not arrive within %g s",
                       self.client[0] if self.client else "?", REQUEST_TIMEOUT_S)
        self.transport.close()


def server_config(app, **overrides):
    """The ``uvicorn.Config`` for the mirror's app (limits above; no access log, no server header)."""
    import uvicorn

    options = dict(
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        server_header=False,
        proxy_headers=False,
        http=GuardedH11Protocol,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    options.update(overrides)
    return uvicorn.Config(app, **options)
