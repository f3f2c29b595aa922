"""One uvicorn server on an asyncio loop of its own thread, started and stopped from the kiosk's.

The kiosk's network part (``kiosk.net.service``) and a plain mirror's two pages
(``kiosk.net.plain_pages``) serve alike: a listening socket bound on the caller's thread (so a
port in use is said in one sentence before anything starts), a thread named ``net-server``
running the caller's coroutine, which serves its app with ``serve``; ``start`` returns once the
server accepts connections (and the caller's ``started`` step is done), or raises
``NetServiceError`` with what stopped it. An error after that is logged, never lost with the
thread. ``stop`` is safe from any thread, and twice.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Awaitable, Callable

from kiosk.errors import NetServiceError

_log = logging.getLogger(__name__)

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0


class ServerThread:
    """The thread, its loop and the uvicorn server; ``what`` names it in sentences ("the network services")."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server = None  # uvicorn.Server, while ``serve`` runs
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, sock: socket.socket, main: Callable[[socket.socket], Awaitable[None]]) -> None:
        """Run ``main(sock)`` on the thread (it serves with ``serve``); return once it serves."""
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(sock, main), name="net-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error is not None:
            error = self._error
            self.stop()
            raise NetServiceError(f"{self.what} did not start: {error or 'timed out'}")

    async def serve(self, app, sock: socket.socket, started: Callable[[], Awaitable[None]] | None = None) -> None:
        """Serve ``app`` on ``sock`` until stopped; ``started`` runs once connections are accepted."""
        import uvicorn

        from kiosk.net.http_server import server_config

        self.server = uvicorn.Server(server_config(app))
        serving = asyncio.create_task(self.server.serve(sockets=[sock]), name="uvicorn")
        try:
            await until_started(self.server, serving)
            if started is not None:
                await started()
            self._ready.set()
            await serving
        finally:
            if not serving.done():
                self.server.should_exit = True
                await asyncio.gather(serving, return_exceptions=True)

    def stop(self, before: Callable[[], None] | None = None) -> None:
        """Ask the server to exit (``before`` first, on this thread, while it still serves) and join the thread."""
        loop, server = self.loop, self.server
        if loop is not None and server is not None and not loop.is_closed():
            if before is not None:
                before()
            loop.call_soon_threadsafe(setattr, server, "should_exit", True)
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive():
                _log.warning("the network thread did not stop within %g s", STOP_TIMEOUT_S)
            self._thread = None

    def _run(self, sock: socket.socket, main: Callable[[socket.socket], Awaitable[None]]) -> None:
        try:
            asyncio.run(self._main(sock, main))
        except BaseException as exc:  # reported to start() or logged; the thread must not die silently
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()
            else:
                _log.exception("%s stopped on an error", self.what)
        finally:
            sock.close()

    async def _main(self, sock: socket.socket, main: Callable[[socket.socket], Awaitable[None]]) -> None:
        self.loop = asyncio.get_running_loop()
        await main(sock)


async def until_started(server, serve: asyncio.Task) -> None:
    """Wait until uvicorn's ``server`` (run by the task ``serve``) accepts connections; raises what stopped it."""
    while not server.started:
        if serve.done():
            serve.result()  # raises what stopped it
            raise RuntimeError("the HTTP server stopped at once")
        await asyncio.sleep(0.02)
