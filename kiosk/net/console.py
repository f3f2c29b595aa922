"""``/console``: the associates' web console, and the small API behind it.

The page is plain HTML/JS/CSS from ``kiosk/net/static`` (no build step). Signing in with the
store's token or the PIN gives a session token the page keeps in ``sessionStorage``; the page
talks to the mirror that served it and to nothing else. The overview gathers the store: this
mirror finds the others by zeroconf (an address and a port, nothing more) and asks each for
its name, room, live state and help requests over the peer protocol (``trust``,
``peer_client``): a device that cannot prove it holds the store secret gets a hello and is
listed as an unverified device, never sent a token or a signed request. A mirror that proved
itself and then stops answering keeps its last signed answer for a while (``peers.REMEMBER_S``),
marked ``reachable: false`` with ``last_seen``, so that its shoppers' open requests stay listed.
The mirrors are listed by room ("2" before "10"), then name, whichever answered first.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from pathlib import Path

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from kiosk.net.api_peer import mirror_card
from kiosk.net.auth import Throttled
from kiosk.net.context import NetContext
from kiosk.net.deps import client_address, get_ctx, require_token
from kiosk.net.peer_client import OVERVIEW_PATH, PeerError, ack_path, ask
from kiosk.net.peers import PeerBook

_log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "console-api.js": "text/javascript",  # what all the console's scripts share: requests, elements, focus
    "console-page.js": "text/javascript",  # what the views share: the notice, words for times
    "console-queue.js": "text/javascript",  # mirrors and help requests
    "console-notes.js": "text/javascript",  # notes and products on a look
    "console-delete.js": "text/javascript",  # the question before a delete; deleting looks at the shopper's request
    "console-looks.js": "text/javascript",  # looks by visit: play, share to the customer
    "console-stream.js": "text/javascript",  # the event stream that says when to refresh
    "console.js": "text/javascript",  # sign-in, the connection banner, the refresh loop
    "console.css": "text/css",
    "anglemap.js": "text/javascript",  # the mirror's angle → frame mapping, for comparing looks
    "compare-share.js": "text/javascript",  # "Share as one video": the wait for a rendered comparison's code
    "compare.js": "text/javascript",
}
PEER_TIMEOUT_S = 1.5
#: Who is on the way, as a console's ack says it: the console knows no associates' names.
CONSOLE_BY = "associate"
#: Addresses that proved nothing yet asked for an ack, after those where the mirror proved itself
#: (each may cost ``peer_client.TOTAL_TIMEOUT_S``; a rogue's names must not hold the press for long).
ACK_UNPROVEN = 3


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
    try:
        token = ctx.auth.sign_in(body.secret, client_address(request))
    except Throttled as exc:
        raise HTTPException(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    if token is None:
        raise HTTPException(401, "That PIN or store token is not right. Check it, then try again.")
    # how long it lasts, so that the console can say why it ends: expired, or ended early (a restart)
    return {"token": token, "mirror": ctx.name, "expires_in_s": ctx.auth.session_s}


@router.post("/console/api/sign-out", status_code=204)
def sign_out(request: Request, ctx: NetContext = Depends(require_token)) -> Response:
    ctx.auth.sign_out(request.headers.get("authorization"))
    return Response(status_code=204)


@router.get("/console/api/overview")
async def overview(request: Request, ctx: NetContext = Depends(require_token)) -> dict:
    own = await asyncio.to_thread(ctx.assist.recent)
    now = time.time()
    me = {**mirror_card(ctx), "self": True, "reachable": True, "trusted": True, "last_seen": now}
    queue = [_queued(me, r.as_dict()) for r in own]
    mirrors = [me]
    records = _one_per_address(_peer_records(ctx))
    answers = []
    if records:
        trust = request.app.state.trust
        async with httpx.AsyncClient(timeout=PEER_TIMEOUT_S, follow_redirects=False) as client:
            answers = await asyncio.gather(*(_peer_overview(client, trust, ctx.peers, r, now) for r in records))
        answers = [a for a in answers if a is not None]
    # a proven mirror that stopped answering and whose announcement has lapsed since: still shown
    asked = {r.base_url().removeprefix("http://") for r in records}
    answers += [_not_answering(last, "it is no longer announced on the network")
                for where, last in ctx.peers.last_answers().items() if where not in asked]
    for entry, requests in _one_per_mirror(answers, ctx.mirror_id):
        mirrors.append(entry)
        queue.extend(_queued(entry, r) for r in requests)
    mirrors.sort(key=_by_room)  # not in the order found: a mirror found late takes its place, the others stay put
    queue.sort(key=lambda q: (not q["open"], -q["created_at"]))
    return {"mirror": me, "mirrors": mirrors, "queue": queue, "at": now}


_NUMBERS = re.compile(r"(\d+)")


def _by_room(mirror: dict) -> tuple:
    """Where a mirror is listed: by room as people count them ("2" before "10"), then by name; no room last."""
    return not mirror["room"], _natural(mirror["room"]), _natural(mirror["name"])


def _natural(text: str) -> tuple:
    """``text`` to compare as people read it: its numbers by value ("Room 2" before "Room 10"), its words caseless."""
    parts = _NUMBERS.split(text.casefold())
    # odd places: the numbers, by length then digits (as int() would, without its 4300-digit limit)
    return tuple(_number(part) if i % 2 else part for i, part in enumerate(parts))


def _number(digits: str) -> tuple[int, str]:
    """A run of digits as a key that sorts by value; a room typed in full-width ("\uff12") or another
    script's digits counts as int() counts it, not after every ASCII number of its length."""
    plain = "".join(str(unicodedata.decimal(d)) for d in digits).lstrip("0")
    return len(plain), plain


def _one_per_mirror(answers: list[tuple[dict, list[dict]]], own_id: str) -> list[tuple[dict, list[dict]]]:
    """One answer per mirror id (one mirror at two addresses, or a relay of it): the freshest, in the order asked."""
    best: dict[str, tuple[dict, list[dict]]] = {}
    for entry, requests in answers:
        if entry["id"] == own_id:
            continue
        held = best.get(entry["id"])
        if held is None or _freshness(entry) > _freshness(held[0]):
            best[entry["id"]] = (entry, requests)
    return list(best.values())


def _freshness(entry: dict) -> tuple[bool, float]:
    return entry["reachable"], entry.get("last_seen") or 0.0


@router.post("/console/api/assist/{mirror_id}/{request_id}/ack")
async def ack(mirror_id: str, request_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> dict:
    if mirror_id == ctx.mirror_id:
        from kiosk.net.api_status import AssistAck, ack_assist

        return (await asyncio.to_thread(ack_assist, request_id, AssistAck(by=CONSOLE_BY), ctx)).model_dump()
    trust = request.app.state.trust
    # zeroconf only says where to knock; the hello proves who answers before the ack is sent
    proven, unproven = _ack_addresses(ctx, mirror_id) if trust is not None else ([], [])
    problem = ""
    async with httpx.AsyncClient(timeout=PEER_TIMEOUT_S, follow_redirects=False) as client:
        for where in proven + unproven:
            try:
                async with ctx.peers.slot():
                    answer = await ask(client, trust, f"http://{where}", "POST", ack_path(request_id),
                                       {"by": CONSOLE_BY}, expect=mirror_id)
            except PeerError as exc:
                if exc.proven:
                    ctx.peers.proved(where, exc.proven)
                if where in proven or exc.proven == mirror_id:  # not another device's failure: that mirror's
                    problem = str(exc)
                continue
            ctx.peers.proved(where, answer.peer_id)
            if answer.status == 200 and isinstance(answer.data, dict):
                return peer_ack_answer(answer.data)
            message = answer.data.get("message") if isinstance(answer.data, dict) else None
            raise HTTPException(404 if answer.status == 404 else 503, message or f"the mirror refused: HTTP {answer.status}")
    if not problem:
        raise HTTPException(404, "that mirror is not on the network right now")
    raise HTTPException(503, f"that mirror {problem}")


def _ack_addresses(ctx: NetContext, mirror_id: str) -> tuple[list[str], list[str]]:
    """Where an ack for ``mirror_id`` may go: (every address where that mirror proved itself, up to
    ``ACK_UNPROVEN`` addresses that proved nothing yet, never asked first: it may have moved).

    By the id each address proved, never the TXT id: a device announcing a mirror's name or
    address with another id cannot make the console say the mirror is not on the network, and one
    claiming its id gets a hello and nothing else."""
    proven: list[str] = []
    unproven: list[str] = []
    for record in _one_per_address(_peer_records(ctx)):
        where = record.base_url().removeprefix("http://")
        who = ctx.peers.proven_as(where)
        if who == mirror_id:
            proven.append(where)
        elif not who and ctx.peers.waiting(where) is None:
            unproven.append(where)
    unproven.sort(key=ctx.peers.knows)
    return proven, unproven[:ACK_UNPROVEN]


def peer_ack_answer(data: dict) -> dict:
    """Another mirror's answer to an ack; ``first`` filled in where an older mirror's answer lacks it.

    An older mirror answers 200 whether or not this press took the request. Taken by someone who
    is not a console (a name, or nobody named): not this press. Taken by "associate": this press
    or another tablet's, which cannot be told apart, so ``first`` stays out and the console shows
    what it showed before.
    """
    if "first" in data or data.get("acked_by") == CONSOLE_BY:
        return data
    return {**data, "first": False}


def _queued(mirror: dict, request: dict) -> dict:
    """A help request as the console lists it; ``reachable`` false: as last heard, not acknowledgeable now."""
    return {**request, "mirror_id": mirror["id"], "mirror_name": mirror["name"], "room": mirror["room"],
            "reachable": mirror["reachable"]}


def _peer_records(ctx: NetContext) -> list:
    """Discovered mirrors with an address, less those at an address that proved to be this one
    (by the id its hello proved, never its TXT id)."""
    return ctx.directory.others(ctx.peers.proven_as, ctx.mirror_id) if ctx.directory else []


def _one_per_address(records: list) -> list:
    """The first record at each address: whoever answers there answers once per refresh, however many names point at it."""
    first: dict[str, object] = {}
    for record in records:
        first.setdefault(record.base_url(), record)
    return list(first.values())


async def _peer_overview(
    client: httpx.AsyncClient, trust, peers: PeerBook, record, now: float
) -> tuple[dict, list[dict]] | None:
    """(the console's entry, its help requests) for one discovered record; only proven data is shown.
    None where the hello proves the device is this mirror (it is listed once, as itself).

    A device that failed its last hello is not asked again until its backoff is over, and at
    most ``peers.MAX_HELLOS`` hellos are out at once, however many devices are announced. A
    mirror that proved itself earlier and does not answer now keeps its last answer, marked
    ``reachable: false`` with ``last_seen``: its requests stay on the console, as last heard.
    """
    where = record.base_url().removeprefix("http://")
    unproven = {"id": f"unverified:{where}", "name": f"Device at {where}", "room": "", "store": "", "state": "unknown",
                "self": False, "reachable": False, "trusted": False}
    if trust is None:
        return {**unproven, "problem": "this mirror has no store secret to check other mirrors with"}, []
    waiting = peers.waiting(where)
    if waiting is not None:
        problem, reachable = waiting
        last = peers.last_answer(where)
        if last is not None:
            return _not_answering(last, problem)
        return {**unproven, "reachable": reachable, "problem": problem}, []
    try:
        async with peers.slot():
            answer = await ask(client, trust, record.base_url(), "GET", OVERVIEW_PATH)
    except PeerError as exc:
        if exc.proven == trust.mirror_id:  # this mirror itself, under whatever name and TXT
            peers.proved(where, exc.proven)
            return None
        problem = peers.failed_with(where, exc)
        if exc.untrusted:
            _log.info("%s is not trusted: %s", where, exc)
            return {**unproven, "reachable": True, "problem": problem}, []
        _log.debug("cannot ask %s: %s", where, exc)
        last = peers.last_answer(where)
        if last is not None:
            return _not_answering(last, problem)
        return {**unproven, "problem": problem}, []
    peers.proved(where, answer.peer_id)
    data = answer.data if isinstance(answer.data, dict) else {}
    try:
        entry = {
            "id": answer.peer_id,
            "name": str(data["name"]),
            "room": str(data.get("room", "")),
            "store": str(data.get("store", "")),
            "state": str(data["state"]),
            "self": False,
            "reachable": answer.status == 200,
            "trusted": True,
            "last_seen": now,
        }
        requests = [dict(r) for r in data.get("requests", [])] if answer.status == 200 else []
    except (KeyError, TypeError, ValueError):
        return {**unproven, "reachable": True, "problem": "it sent an overview this mirror cannot read"}, []
    if answer.status == 200:
        peers.remember(where, entry, requests, now)
    return entry, requests


def _not_answering(last, problem: str) -> tuple[dict, list[dict]]:
    """A proven mirror that does not answer now: its last answer, marked as such (``last_seen``: when)."""
    entry = {**last.card, "reachable": False, "last_seen": last.seen_at, "problem": problem}
    return entry, [dict(r) for r in last.requests]
