"""``/console``: the associates' web console, and the small API behind it.

The page is plain HTML/JS/CSS from ``kiosk/net/static`` (no build step). Signing in with the
store's token or the PIN gives a session token the page keeps in ``sessionStorage``. The
overview gathers the store: every mirror this one discovers by zeroconf (room and live state
come from their TXT records) and the assistance requests of all of them, fetched from each
mirror's ``/api/v1/assist`` with the store token (mirrors of one store share it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from kiosk.net.auth import Throttled
from kiosk.net.context import NetContext
from kiosk.net.deps import get_ctx, require_token

_log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "anglemap.js": "text/javascript",  # the mirror's angle → frame mapping, for comparing looks
    "compare.js": "text/javascript",
}
PEER_TIMEOUT_S = 1.5


class SignIn(BaseModel):
    secret: str = Field(min_length=1, max_length=256)


@router.get("/console")
def console_page() -> Response:
    return FileResponse(STATIC / "console.html", media_type="text/html", headers=_page_headers())


@router.get("/console/{name}")
def console_file(name: str) -> Response:
    if name not in FILES:  # a fixed list: no URL reaches any other file
        raise HTTPException(404, f"there is nothing at /console/{name}")
    return FileResponse(STATIC / name, media_type=FILES[name], headers=_page_headers())


def _page_headers() -> dict:
    return {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    }


@router.post("/console/api/sign-in")
def sign_in(body: SignIn, request: Request, ctx: NetContext = Depends(get_ctx)) -> dict:
    client = request.client.host if request.client else "?"
    try:
        token = ctx.auth.sign_in(body.secret, client)
    except Throttled as exc:
        raise HTTPException(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    if token is None:
        raise HTTPException(401, "that token or PIN is not right")
    return {"token": token, "mirror": ctx.name}


@router.post("/console/api/sign-out", status_code=204)
def sign_out(request: Request, ctx: NetContext = Depends(require_token)) -> Response:
    ctx.auth.sign_out(request.headers.get("authorization"))
    return Response(status_code=204)


@router.get("/console/api/overview")
async def overview(ctx: NetContext = Depends(require_token)) -> dict:
    own = await asyncio.to_thread(ctx.assist.recent)
    me = {
        "id": ctx.mirror_id,
        "name": ctx.name,
        "room": ctx.config.api.room,
        "store": ctx.config.api.store,
        "state": ctx.state,
        "self": True,
        "reachable": True,
    }
    queue = [_queued(me, r.as_dict()) for r in own]
    mirrors = [me]
    peers = [m for m in (ctx.directory.mirrors() if ctx.directory else []) if m.mirror_id != ctx.mirror_id]
    if peers:
        results = await asyncio.gather(*(_peer_requests(ctx, p) for p in peers))
        for peer, requests in zip(peers, results):
            entry = {
                "id": peer.mirror_id,
                "name": peer.name,
                "room": peer.txt.get("room", ""),
                "store": peer.txt.get("store", ""),
                "state": peer.txt.get("state", "idle"),
                "self": False,
                # None: not asked (no store token to ask with); False: asked and got no answer
                "reachable": (requests is not None) if ctx.auth.token else None,
            }
            mirrors.append(entry)
            queue.extend(_queued(entry, r) for r in requests or [])
    queue.sort(key=lambda q: (not q["open"], -q["created_at"]))
    return {"mirror": me, "mirrors": mirrors, "queue": queue, "at": time.time()}


@router.post("/console/api/assist/{mirror_id}/{request_id}/ack")
async def ack(mirror_id: str, request_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> dict:
    if mirror_id == ctx.mirror_id:
        from kiosk.net.api_status import AssistAck, ack_assist

        return (await asyncio.to_thread(ack_assist, request_id, AssistAck(by="associate"), ctx)).model_dump()
    peer = next((m for m in (ctx.directory.mirrors() if ctx.directory else []) if m.mirror_id == mirror_id), None)
    if peer is None or peer.base_url() is None:
        raise HTTPException(404, "that mirror is not on the network right now")
    url = f"{peer.base_url()}{peer.txt.get('api', '/api/v1')}/assist/{request_id}/ack"
    try:
        async with httpx.AsyncClient(timeout=PEER_TIMEOUT_S) as client:
            resp = await client.post(url, json={"by": "associate"}, headers=_peer_headers(ctx))
    except httpx.HTTPError:
        raise HTTPException(503, f"{peer.name} does not answer") from None
    if resp.status_code != 200:
        raise HTTPException(resp.status_code if resp.status_code in (401, 404) else 503, f"{peer.name} refused: HTTP {resp.status_code}")
    return resp.json()


def _queued(mirror: dict, request: dict) -> dict:
    return {**request, "mirror_id": mirror["id"], "mirror_name": mirror["name"], "room": mirror["room"]}


def _peer_headers(ctx: NetContext) -> dict:
    return {"Authorization": f"Bearer {ctx.auth.token}"}


async def _peer_requests(ctx: NetContext, peer) -> list[dict] | None:
    """The peer's recent assistance requests, or None when it cannot be asked."""
    base = peer.base_url()
    if base is None or not ctx.auth.token:
        return None
    try:
        async with httpx.AsyncClient(timeout=PEER_TIMEOUT_S) as client:
            resp = await client.get(f"{base}{peer.txt.get('api', '/api/v1')}/assist", headers=_peer_headers(ctx))
        resp.raise_for_status()
        return list(resp.json()["requests"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        _log.debug("cannot read the assistance queue of %s: %s", peer.name, exc)
        return None
