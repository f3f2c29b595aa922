"""A store LAN in one process: mirrors that answer the peer protocol at ``ADDR:PORT``, a rogue
that does not hold the secret, and a patch that makes every ``httpx.AsyncClient`` reach them.

What the mDNS records say (names, TXT ids) is up to each test: the devices here only answer
hellos and signed requests, as a real mirror or a rogue would.
"""

from __future__ import annotations

import json

import httpx

from kiosk.net.peer_client import HELLO_PATH, OVERVIEW_PATH, WRONG_PINS_PATH
from kiosk.net.trust import HEADER, PROOF_HEADER, PeerTrust, Untrusted

SECRET = bytes.fromhex("5f" * 32)


class Mirror:
    """A mirror of the store: proves itself, takes signed requests and keeps what they carried."""

    def __init__(self, mirror_id: str, name: str = "", secret: bytes = SECRET) -> None:
        self.trust = PeerTrust(secret, mirror_id)
        self.name = name or f"Mirror {mirror_id}"
        self.received: list[tuple[str, str, object]] = []  # (method, path, body) of each signed request
        self.hellos = 0

    def handle(self, request: httpx.Request, where: str) -> httpx.Response:
        if request.url.path == HELLO_PATH:
            self.hellos += 1
            hello = json.loads(request.content)
            return httpx.Response(200, json=self.trust.answer_hello(hello["from"], hello["nonce"], where))
        try:
            sender, nonce = self.trust.check_request(request.headers.get(HEADER), request.method, request.url.path,
                                                     request.content)
        except Untrusted as exc:
            return httpx.Response(401, json={"message": str(exc)})
        self.received.append((request.method, request.url.path, json.loads(request.content) if request.content else None))
        body = json.dumps(self._answer(request.url.path)).encode()
        proof = self.trust.sign_response(sender, nonce, 200, body)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json", PROOF_HEADER: proof})

    def reports(self) -> list:
        """The wrong-PIN reports it took."""
        return [body for method, path, body in self.received if path == WRONG_PINS_PATH]

    def acks(self) -> list[str]:
        """The paths of the acks it took."""
        return [path for method, path, body in self.received if path.endswith("/ack")]

    def _answer(self, path: str) -> dict:
        if path == OVERVIEW_PATH:
            return {"name": self.name, "room": "", "store": "", "state": "idle", "requests": []}
        if path.endswith("/ack"):
            request_id = path.split("/")[-2]
            return {"id": request_id, "kind": "size", "detail": "", "session_id": None, "created_at": 1.0,
                    "acked_at": 2.0, "acked_by": "associate", "open": False, "first": True}
        return {}


class Rogue:
    """A device without the store secret: answers every hello with a made-up proof for the id it claims."""

    def __init__(self, claimed_id: str) -> None:
        self.claimed_id = claimed_id
        self.received: list[str] = []  # the path of everything sent to it

    def handle(self, request: httpx.Request, where: str) -> httpx.Response:
        self.received.append(request.url.path)
        return httpx.Response(200, json={"id": self.claimed_id, "nonce": "ab" * 16, "proof": "cd" * 32})


def use_lan(monkeypatch, devices: dict[str, object]) -> None:
    """Every ``httpx.AsyncClient`` made from now on reaches ``devices`` (by ``ADDR:PORT``) and nothing else."""
    def route(request: httpx.Request) -> httpx.Response:
        where = f"{request.url.host}:{request.url.port}"
        if where not in devices:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return devices[where].handle(request, where)

    real = httpx.AsyncClient
    monkeypatch.setattr(httpx, "AsyncClient", lambda **kw: real(transport=httpx.MockTransport(route), **kw))
