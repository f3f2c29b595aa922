"""``/api/v1/peer/…``: what one mirror of the store answers another, once it proved itself.

``hello`` is open to anyone and gives away nothing but a proof over the caller's nonce (see
``trust``), to one address only so often (``hello_limit``; past it, 429 with Retry-After). Every
other route needs a request signed over a nonce this mirror issued, and its answer (errors
included) carries the proof header, so the asking mirror can tell it from a forgery. These
routes are the protocol between mirrors, not the public API: they are left out of the OpenAPI
schema and described in docs/SECURITY.md.

``assist/{id}/ack`` answers what the public ack answers, ``first`` included (false: another
associate had the request already). A mirror older than ``first`` leaves it out; the asking
console makes do (``console.peer_ack_answer``), and an older console ignores it.

``wrong-pins`` is how the store's mirrors share one count of wrong PINs (``pin_reports``): a
proven mirror says how many it counted and whether they paused its sign-in, nothing else (no
PIN, no address, no time). It can only add to the count here, never take from it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from kiosk.net.context import NetContext
from kiosk.net.deps import client_address, get_ctx
from kiosk.net.throttle import MAX_FAILURES_ALL, Throttled
from kiosk.net.trust import HEADER, PROOF_HEADER, PeerTrust, Untrusted

router = APIRouter(prefix="/peer", include_in_schema=False)


class Hello(BaseModel):
    sender: str = Field(alias="from", min_length=1, max_length=64)
    nonce: str = Field(min_length=32, max_length=32)


class PeerAck(BaseModel):
    by: str = Field("", max_length=60)


class WrongPins(BaseModel):
    """What a mirror reports of the wrong PINs it counted: how many, and whether they paused it."""

    model_config = {"extra": "forbid"}

    wrong_pins: int = Field(ge=1, le=MAX_FAILURES_ALL)
    paused: bool = False


@dataclass(frozen=True)
class PeerCall:
    """A verified request from another mirror of the store."""

    trust: PeerTrust
    sender: str
    nonce: str
    body: bytes

    def answer(self, status: int, data: dict) -> Response:
        """A JSON answer with the proof header over exactly these bytes."""
        body = json.dumps(data, separators=(",", ":")).encode()
        proof = self.trust.sign_response(self.sender, self.nonce, status, body)
        return Response(body, status_code=status, media_type="application/json", headers={PROOF_HEADER: proof})


def trust_of(request: Request) -> PeerTrust:
    trust = getattr(request.app.state, "trust", None)
    if trust is None:
        raise HTTPException(503, "this mirror has no store secret, so it cannot vouch for itself")
    return trust


async def peer_call(request: Request) -> PeerCall:
    """The verified call, or 401 in plain words (the nonce is spent either way)."""
    trust = trust_of(request)
    body = await request.body()
    target = request.scope["raw_path"].decode("ascii", "replace")
    if request.scope.get("query_string"):
        target += "?" + request.scope["query_string"].decode("ascii", "replace")
    try:
        sender, nonce = trust.check_request(request.headers.get(HEADER), request.method, target, body)
    except Untrusted as exc:
        raise HTTPException(401, f"not a mirror of this store: {exc}") from None
    return PeerCall(trust, sender, nonce, body)


async def hello_allowed(request: Request, ctx: NetContext = Depends(get_ctx)) -> None:
    """429 with Retry-After, before any proof work, for an address that has had its share of hellos."""
    try:
        ctx.hello_limit.take(client_address(request))  # a short lock; no I/O
    except Throttled as exc:
        raise HTTPException(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None


@router.post("/hello", dependencies=[Depends(hello_allowed)])
def hello(body: Hello, request: Request) -> dict:
    server = request.scope.get("server")  # this end of the connection: where the hello reached us
    at = f"{server[0]}:{server[1]}" if server and server[1] is not None else None
    try:
        return trust_of(request).answer_hello(body.sender, body.nonce, at)
    except Untrusted as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/overview")
async def overview(call: PeerCall = Depends(peer_call), ctx: NetContext = Depends(get_ctx)) -> Response:
    requests = await asyncio.to_thread(ctx.assist.recent)
    # the version too: ``kiosk discover`` labels a proven mirror with what it signed, not its TXT
    return call.answer(200, {**mirror_card(ctx), "version": ctx.version, "requests": [r.as_dict() for r in requests]})


@router.post("/assist/{request_id}/ack")
async def ack(request_id: str, call: PeerCall = Depends(peer_call), ctx: NetContext = Depends(get_ctx)) -> Response:
    from kiosk.net.api_status import AssistAck, ack_assist

    try:
        body = PeerAck.model_validate_json(call.body or b"{}")
    except ValidationError:
        return call.answer(422, {"error": "invalid_request", "message": "expected {\"by\": \"...\"}"})
    try:
        done = await asyncio.to_thread(ack_assist, request_id, AssistAck(by=body.by), ctx)
    except HTTPException as exc:
        return call.answer(exc.status_code, {"error": "not_found", "message": str(exc.detail)})
    return call.answer(200, done.model_dump())


@router.post("/wrong-pins")
async def wrong_pins(call: PeerCall = Depends(peer_call), ctx: NetContext = Depends(get_ctx)) -> Response:
    try:
        body = WrongPins.model_validate_json(call.body or b"{}")
    except ValidationError:
        return call.answer(422, {"error": "invalid_request",
                                 "message": f"expected {{\"wrong_pins\": 1 to {MAX_FAILURES_ALL}, \"paused\": false}}"})
    # counted, then saved to the data folder (pin_counts): a file write, off the event loop
    await asyncio.to_thread(ctx.auth.peer_wrong_pins, call.sender, body.wrong_pins, body.paused)
    return call.answer(200, {"counted": body.wrong_pins})


def mirror_card(ctx: NetContext) -> dict:
    """Who this mirror is and what it is doing, as the console shows it."""
    return {
        "id": ctx.mirror_id,
        "name": ctx.name,
        "room": ctx.config.api.room,
        "store": ctx.config.api.store,
        "state": ctx.state,
    }
