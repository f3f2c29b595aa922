"""Asking another mirror of the store something, the trusted way (see ``trust``).

Zeroconf gives an address and a port; everything else is fixed here: the API paths never come
from TXT records, and nothing but the hello goes out before the peer proved it holds the store
secret. ``PeerError`` carries one plain sentence for the associate console.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from kiosk.net.trust import HEADER, PROOF_HEADER, PeerTrust, Untrusted, WrongSecret

_log = logging.getLogger(__name__)

PEER_API = "/api/v1/peer"
HELLO_PATH = f"{PEER_API}/hello"
OVERVIEW_PATH = f"{PEER_API}/overview"
WRONG_PINS_PATH = f"{PEER_API}/wrong-pins"
TIMEOUT_S = 1.5
TOTAL_TIMEOUT_S = 3.0
MAX_ANSWER_BYTES = 256 * 1024


class PeerError(Exception):
    """A peer could not be asked; ``untrusted`` when it failed to prove it belongs to the store,
    ``unreachable`` when it did not answer (in time) at all; ``proven``: the id it proved in its
    hello when what failed came after (an older mirror without the route is still a mirror);
    ``wrong_secret``: it answered the hello as a mirror does, with a proof made with another secret."""

    def __init__(self, message: str, untrusted: bool = False, unreachable: bool = False, proven: str = "",
                 wrong_secret: bool = False) -> None:
        super().__init__(message)
        self.untrusted = untrusted
        self.unreachable = unreachable
        self.proven = proven
        self.wrong_secret = wrong_secret


@dataclass(frozen=True)
class PeerAnswer:
    peer_id: str
    status: int
    data: object


def ack_path(request_id: str) -> str:
    return f"{PEER_API}/assist/{quote(request_id, safe='')}/ack"


async def ask(
    client: httpx.AsyncClient,
    trust: PeerTrust,
    base_url: str,
    method: str,
    path: str,
    payload: dict | None = None,
    expect: str | Callable[[str], bool] | None = None,
    *,
    at: str | None = None,
) -> PeerAnswer:
    """Hello, then the signed request; the verified answer, or ``PeerError``.

    With ``expect``, the request is only sent when the peer proved to be that mirror (or, a
    callable, one it accepts: it is given the proven id); with ``at`` (``ADDR:PORT`` of
    ``base_url``), only when it proved to be listening there itself.
    """
    try:
        return await asyncio.wait_for(_ask(client, trust, base_url, method, path, payload, expect, at), TOTAL_TIMEOUT_S)
    except TimeoutError:
        raise PeerError(f"does not answer within {TOTAL_TIMEOUT_S:g} s", unreachable=True) from None


async def say_hello(client: httpx.AsyncClient, trust: PeerTrust, base_url: str) -> str:
    """The hello alone (steps 1 and 2): the id the peer proved, or ``PeerError``; nothing else is sent."""
    try:
        return (await asyncio.wait_for(_hello(client, trust, base_url, None), TOTAL_TIMEOUT_S))[0]
    except TimeoutError:
        raise PeerError(f"does not answer within {TOTAL_TIMEOUT_S:g} s", unreachable=True) from None


async def _hello(client, trust: PeerTrust, base_url: str, at: str | None) -> tuple[str, str]:
    """Steps 1 and 2: (the id the peer proved, the nonce it issued us)."""
    nonce = trust.new_nonce()
    hello = json.dumps({"from": trust.mirror_id, "nonce": nonce}).encode()
    status, _, content = await _fetch(client, "POST", f"{base_url}{HELLO_PATH}", hello, {"Content-Type": "application/json"})
    if status == 429:  # its limit on hellos per address (``hello_limit``): busy, not proof of anything
        raise PeerError("is busy answering hellos from this address (HTTP 429)", unreachable=True)
    if status != 200:
        raise PeerError(f"refused to say hello (HTTP {status})", untrusted=True)
    try:
        return trust.check_hello(nonce, _json(content), at)
    except Untrusted as exc:
        raise PeerError(str(exc), untrusted=True, wrong_secret=isinstance(exc, WrongSecret)) from None


async def _ask(
    client, trust: PeerTrust, base_url: str, method: str, path: str, payload: dict | None,
    expect: str | Callable[[str], bool] | None, at: str | None,
) -> PeerAnswer:
    peer, peer_nonce = await _hello(client, trust, base_url, at)
    try:
        return await _request(client, trust, base_url, method, path, payload, expect, peer, peer_nonce)
    except PeerError as exc:
        exc.proven = peer
        raise


async def _request(
    client, trust: PeerTrust, base_url: str, method: str, path: str, payload: dict | None,
    expect: str | Callable[[str], bool] | None, peer: str, peer_nonce: str,
) -> PeerAnswer:
    """Steps 3 and 4, once ``peer`` proved itself and issued ``peer_nonce``."""
    if peer == trust.mirror_id:
        raise PeerError("is this mirror itself")
    if expect is not None and not (expect(peer) if callable(expect) else peer == expect):
        raise PeerError("is another mirror than the one asked for")
    body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
    headers = {HEADER: trust.request_header(peer, peer_nonce, method, path, body)}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    status, proof, content = await _fetch(client, method, f"{base_url}{path}", body, headers)
    try:
        trust.check_response(peer, peer_nonce, status, content, proof)
    except Untrusted as exc:
        raise PeerError(str(exc), untrusted=True) from None
    return PeerAnswer(peer, status, _json(content) if content else None)


async def _fetch(client, method: str, url: str, body: bytes, headers: dict) -> tuple[int, str | None, bytes]:
    """(status, proof header, body) read up to ``MAX_ANSWER_BYTES``: a peer cannot flood us."""
    try:
        async with client.stream(method, url, content=body, headers=headers) as response:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise PeerError("sent an answer too large to be one")
                chunks.append(chunk)
            return response.status_code, response.headers.get(PROOF_HEADER), b"".join(chunks)
    except httpx.HTTPError as exc:
        _log.debug("%s %s: %r", method, url, exc)
        raise PeerError(_plain(exc), unreachable=True) from None


def _plain(exc: httpx.HTTPError) -> str:
    """What went wrong, in the words an associate reads on the console (never an exception's name)."""
    if isinstance(exc, httpx.TimeoutException):
        return "does not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "cannot be reached"
    if isinstance(exc, httpx.TransportError):
        return "broke off the connection"
    return "does not answer"


def _json(content: bytes) -> object:
    try:
        return json.loads(content)
    except ValueError:
        raise PeerError("sent something that is not JSON") from None
