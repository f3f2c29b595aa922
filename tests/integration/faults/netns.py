"""Two network namespaces the test makes (the mirror's and the store LAN's) joined by a veth pair.

Nothing here touches the host's interfaces: the pair is created inside the namespaces with
private addresses, and deleting the namespaces takes it away. ``NamespaceHttp`` makes HTTP
requests from inside a namespace (a thread that joined it opens every socket), and
``NamespaceServer`` serves a handler there, so a phone on the LAN and the store's webhook
service run in the test process itself.
"""

from __future__ import annotations

import ctypes
import http.server
import os
import queue
import subprocess
import threading

import httpx

CLONE_NEWNET = 0x40000000


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


def _join(ns: str) -> None:
    """Move the calling thread (only it) into network namespace ``ns``."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"cannot join network namespace {ns}: {os.strerror(err)}")
    finally:
        os.close(fd)


class Lan:
    """The mirror's namespace (``mirror``, address ``mirror_ip``) and the LAN's (``lan``, ``lan_ip``)."""

    def __init__(self) -> None:
        tag = os.getpid() % 100000
        octet = 16 + os.getpid() % 200
        self.mirror, self.lan = f"smf-m-{tag}", f"smf-l-{tag}"
        self.mirror_if, self.lan_if = f"smfm{tag}", f"smfl{tag}"
        self.mirror_ip, self.lan_ip = f"10.233.{octet}.1", f"10.233.{octet}.2"

    def up(self) -> "Lan":
        _ip("netns", "add", self.mirror)
        _ip("netns", "add", self.lan)
        _ip("link", "add", self.mirror_if, "netns", self.mirror, "type", "veth", "peer", "name", self.lan_if,
            "netns", self.lan)
        for ns, iface, addr in ((self.mirror, self.mirror_if, self.mirror_ip), (self.lan, self.lan_if, self.lan_ip)):
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", iface)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", iface, "up")
        return self

    def cable(self, plugged: bool) -> None:
        """Take the mirror's interface down (the cable pulled) or up again."""
        _ip("-n", self.mirror, "link", "set", self.mirror_if, "up" if plugged else "down")

    def down(self) -> None:
        for ns in (self.mirror, self.lan):
            _ip("netns", "del", ns, check=False)  # takes the veth pair with it


class NamespaceHttp:
    """``httpx.Client.request`` made from inside a network namespace, by one thread that joined it."""

    def __init__(self, ns: str, timeout: float = 10.0) -> None:
        self._calls: queue.Queue = queue.Queue()
        ready: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._serve, args=(ns, timeout, ready), name=f"http-in-{ns}",
                                        daemon=True)
        self._thread.start()
        error = ready.get(timeout=30)
        if error is not None:
            raise error

    def _serve(self, ns: str, timeout: float, ready: queue.Queue) -> None:
        try:
            _join(ns)
        except OSError as exc:
            ready.put(exc)
            return
        ready.put(None)
        with httpx.Client(timeout=timeout) as client:
            while True:
                call = self._calls.get()
                if call is None:
                    return
                args, kw, reply = call
                try:
                    response = client.request(*args, **kw)
                    response.read()
                    reply.put((True, response))
                except Exception as exc:  # noqa: BLE001 - handed to the caller's thread
                    reply.put((False, exc))

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        reply: queue.Queue = queue.Queue()
        self._calls.put(((method, url), kw, reply))
        ok, value = reply.get(timeout=kw.get("timeout", 10.0) + 30)
        if not ok:
            raise value
        return value

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def close(self) -> None:
        self._calls.put(None)
        self._thread.join(10)


class NamespaceServer:
    """An HTTP server listening in a network namespace until ``stop`` (then the port refuses)."""

    def __init__(self, ns: str, address: str, port: int, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.ns, self.address, self.port, self.handler = ns, address, port, handler
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "NamespaceServer":
        ready: queue.Queue = queue.Queue()

        def serve() -> None:
            try:
                _join(self.ns)
                http.server.ThreadingHTTPServer.allow_reuse_address = True
                self._server = http.server.ThreadingHTTPServer((self.address, self.port), self.handler)
            except OSError as exc:
                ready.put(exc)
                return
            ready.put(None)
            self._server.serve_forever(poll_interval=0.1)

        self._thread = threading.Thread(target=serve, name=f"server-in-{self.ns}", daemon=True)
        self._thread.start()
        error = ready.get(timeout=30)
        if error is not None:
            raise error
        if not self.port:
            self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
