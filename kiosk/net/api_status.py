"""Routes about the mirror itself: status, health, metrics, session, events and assistance."""

from __future__ import annotations

import time
from functools import partial
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from kiosk.net.assist import AssistKind
from kiosk.net.context import NetContext
from kiosk.net.deps import NOT_FOUND, UNAUTHORIZED, client_address, get_ctx, require_token, signed_in
from kiosk.net.health_checks import Check, device_checks, kiosk_checks, last_error, sign_in_check
from kiosk.net.metrics_text import METRICS_TYPE, render_metrics
from kiosk.net.public_text import public_answer
from kiosk.net.stream import EventStreamResponse, TooManyFromAddress, TooManySubscribers

RETRY_AFTER_S = 5

router = APIRouter()


class Status(BaseModel):
    id: str = Field(description="Stable UUID of this mirror.")
    name: str = Field(description="Name announced on the LAN (after any conflict renaming).")
    state: Literal["idle", "session", "recording"]
    version: str
    release: str = Field(description="The installed build, e.g. 0.1.0-3f2a9c01b7de (the version stays the same "
                         "from one build to the next); 'dev' and a git description for a checkout run in place.")


class WebhookHealth(BaseModel):
    enabled: bool
    running: bool = Field(description="The delivery loop is alive.")
    queued: int = Field(description="Entries waiting for delivery, in order.")
    oldest_age_s: float | None = Field(description="Seconds the oldest waiting entry has waited.")
    parked: int = Field(description="Entries the store service refused for good (kept, not retried).")
    last_error: str | None
    last_error_at: float | None
    last_delivered_at: float | None
    problem: str | None = Field(description="One plain sentence, or null when deliveries keep up.")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    uptime_s: float
    checks: dict[str, Check]
    problems: list[str] = Field(description="Plain sentences for store IT; empty when all is well.")
    webhook: WebhookHealth | None = Field(None, description="How far behind the store-service webhook is (null: none configured).")
    version: str = Field("", description="The kiosk software's version.")
    last_error: str | None = Field(None, description="The last error logged, with its time (UTC), or null.")


class SessionInfo(BaseModel):
    state: Literal["idle", "session", "recording"]
    session_id: str | None
    started_at: float | None = Field(description="Unix time the session started.")
    camera: str | None = Field(description="Camera state, or null when the mirror runs without a camera (kiosk serve).")


class AssistIn(BaseModel):
    kind: AssistKind = Field(AssistKind.SIZE, description="size: another size, please; associate: please come.")
    detail: str = Field("", max_length=200, description="e.g. 'the blue jeans in 32/34'.")


class AssistAck(BaseModel):
    by: str = Field("", max_length=60, description="Who is on the way (shown on the mirror).")


class AssistOut(BaseModel):
    id: str
    kind: str
    detail: str
    session_id: str | None
    created_at: float
    acked_at: float | None
    acked_by: str | None
    open: bool


class AssistAckOut(AssistOut):
    first: bool = Field(
        description="true: this acknowledgement took the request. false: someone had already acknowledged it "
        "(acked_by and acked_at say who and when, unchanged by this one): tell this associate they need not go."
    )


class AssistList(BaseModel):
    mirror_id: str
    requests: list[AssistOut]


@router.get("/status", response_model=Status, tags=["mirror"], summary="Who this mirror is and what it is doing (public)")
def get_status(ctx: NetContext = Depends(get_ctx)) -> Status:
    return Status(id=ctx.mirror_id, name=ctx.name, state=ctx.state, version=ctx.version, release=ctx.release)


#: The health's fields that are fixed words, not free text: never masked.
_FIXED = frozenset({"status", "version"})


@router.get(
    "/health",
    response_model=Health,
    tags=["mirror"],
    summary="Health checks in plain words (public)",
    description="Without a token every free text (the checks' details, problems, last_error, the webhook's "
    "last_error and problem) is said without addresses ('an address'), host names ('a host'), URLs "
    "('https://a host') and file paths ('.../net.db'); with a valid token (either role) it is whole, as the log "
    "keeps it. The fields are the same either way.",
)
def get_health(request: Request, ctx: NetContext = Depends(get_ctx)) -> Health:
    health = _health(request, ctx)
    if signed_in(request, ctx):
        return health
    return public_health(health, ctx.config)


def service_hosts(config) -> list[str]:
    """Host names of the store's services the mirror is configured with (the webhook's)."""
    host = urlsplit(config.webhook.url).hostname if config.webhook.url else None
    return [host] if host else []


def _health(request: Request, ctx: NetContext) -> Health:
    """The health in full: each check's detail and the errors in their own words."""
    checks = device_checks(ctx)
    webhook = None
    try:
        ctx.outbox.pending()
        checks["database"] = Check(ok=True, detail="network database readable")
        if ctx.outbox.enabled:
            webhook = ctx.outbox.status()
    except Exception as exc:  # a broken database is exactly what health must report
        checks["database"] = Check(ok=False, detail=f"the network database cannot be read ({exc})")
    checks.update(kiosk_checks(ctx))
    jobs = getattr(ctx, "comparisons", None)
    if jobs is not None:
        state = jobs.health()
        checks["comparisons"] = Check(
            ok=state["state"] == "running",
            detail=f"renderer {state['state']}, {state['waiting']} waiting"
            + (f"; last failure: {state['last_error']}" if state["last_error"] else ""),
        )
    if webhook is not None:
        checks["webhook"] = Check(ok=webhook.problem is None, detail=webhook.detail())
    checks["sign_in"] = sign_in_check(ctx.auth.pin_pause()) if ctx.config.api.pin else Check(
        ok=True, detail="no console PIN is set: only the API token signs in")
    if ctx.directory is not None:
        ok, detail = ctx.directory.health()
        checks["directory"] = Check(ok=ok, detail=detail)
    if ctx.announcer is not None:
        ok, detail = ctx.announcer.health()
        checks["announce"] = Check(ok=ok, detail=detail)
    trusted = getattr(request.app.state, "trust", None) is not None
    judged = ctx.hellos.check() if trusted and ctx.hellos is not None else None
    if judged is not None:  # whether the other mirrors found prove they hold this mirror's secret
        checks["store_secret"] = Check(ok=judged[0], detail=judged[1])
    else:
        checks["store_secret"] = Check(
            ok=trusted,
            detail="the store secret is loaded: other mirrors can be checked" if trusted
            else "the store secret cannot be read: the console shows no other mirror (see the log)",
        )
    return health_of(ctx, checks, webhook)


def health_of(view, checks: dict[str, Check], webhook=None) -> Health:
    """The health answer over ``checks`` (the full kiosk's ``NetContext`` or a plain mirror's
    ``kiosk.net.plain_pages.PlainContext`` as ``view``)."""
    problems = [f"{name}: {c.detail}" for name, c in checks.items() if not c.ok]
    return Health(
        status="ok" if not problems else "degraded",
        uptime_s=round(time.time() - view.started_at, 1),
        checks=checks,
        problems=problems,
        webhook=WebhookHealth(**webhook.as_dict()) if webhook is not None else None,
        version=view.version,
        last_error=last_error(view),
    )


def public_health(health: Health, config) -> Health:
    """``health`` as a caller without a token reads it (``kiosk.net.public_text``)."""
    return Health(**public_answer(health.model_dump(), service_hosts(config), _FIXED))


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    tags=["mirror"],
    summary="Prometheus metrics (public)",
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4."}},
)
def get_metrics(ctx: NetContext = Depends(get_ctx)) -> PlainTextResponse:
    return PlainTextResponse(render_metrics(ctx), media_type=METRICS_TYPE)


@router.get("/session", response_model=SessionInfo, tags=["mirror"], responses=UNAUTHORIZED, summary="The current session")
def get_session(ctx: NetContext = Depends(require_token)) -> SessionInfo:
    live = ctx.live.read()
    started = round(live.session_started_at, 3) if live.session_started_at is not None else None
    camera = ctx.camera().state if ctx.camera is not None else None
    return SessionInfo(state=live.state, session_id=live.session_id, started_at=started, camera=camera)


@router.get(
    "/events",
    tags=["mirror"],
    responses={
        **UNAUTHORIZED,
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."},
        429: {"description": "Too many wrong tokens, or too many live streams, from this address."},
        503: {"description": "Too many live clients; try again after Retry-After seconds."},
    },
    summary="Live events (server-sent events)",
    description="Event names: session_started, session_ended, look_recorded, card_tapped (customer_id and known "
    "are null until the shopper's yes ties her card to the visit; a staff card's are set), customer_identified "
    "(her yes tied her card to the visit: customer_id, session_id, room), assist_requested, assist_acked, "
    "look_shared, comparison_shared, look_noted (a note added or deleted: "
    "look_id and note_id, never its words), look_deleted (look_id, by: associate, store token or shopper, "
    "deleted_at), state. Each data line is a JSON object. The stream ends when the "
    "sign-in that opened it is signed out or expires.",
)
def get_events(request: Request, ctx: NetContext = Depends(require_token)) -> StreamingResponse:
    authorization = request.headers.get("authorization")
    try:
        # the slot is taken here, atomically, before any answer; the stream lives only as long as
        # the credential that opened it (checked at every event and keep-alive, ended by sign-out)
        subscription = ctx.stream.open(
            ctx.auth.session_key(authorization), partial(ctx.auth.still_valid, authorization), client_address(request)
        )
    except TooManyFromAddress:
        raise HTTPException(
            429, f"Too many live event streams from this address (at most {ctx.stream.max_per_address}); "
            "close the console in another tab or browser, then try again.",
            {"Retry-After": str(RETRY_AFTER_S)},
        ) from None
    except TooManySubscribers:
        raise HTTPException(
            503, f"too many live clients (at most {ctx.stream.max_subscribers}); try again shortly",
            {"Retry-After": str(RETRY_AFTER_S)},
        ) from None
    return EventStreamResponse(subscription, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/assist", response_model=AssistList, tags=["assistance"], responses=UNAUTHORIZED, summary="Open and recent requests")
def list_assist(ctx: NetContext = Depends(require_token)) -> AssistList:
    return AssistList(mirror_id=ctx.mirror_id, requests=[AssistOut(**r.as_dict()) for r in ctx.assist.recent()])


@router.post(
    "/assist", response_model=AssistOut, status_code=201, tags=["assistance"], responses=UNAUTHORIZED, summary="Ask for help"
)
def create_assist(body: AssistIn = Body(default_factory=AssistIn), ctx: NetContext = Depends(require_token)) -> AssistOut:
    return AssistOut(**request_assist(ctx, body.kind, body.detail).as_dict())


@router.post(
    "/assist/{request_id}/ack",
    response_model=AssistAckOut,
    tags=["assistance"],
    responses={**UNAUTHORIZED, **NOT_FOUND},
    summary="Someone is on the way",
    description="The first acknowledgement takes the request; a later one changes nothing and is answered 200 "
    "too, with first false and the first one's acked_by and acked_at, so that two associates who press at "
    "once learn which of them is going. Only the first one is published (assist_acked on /events and the webhook).",
)
def ack_assist(
    request_id: str, body: AssistAck = Body(default_factory=AssistAck), ctx: NetContext = Depends(require_token)
) -> AssistAckOut:
    acked = ctx.assist.ack(request_id, body.by or None)
    if acked is None:
        raise HTTPException(404, f"there is no assistance request {request_id!r}")
    if acked.first:  # a later press changed nothing: the feed, the webhooks and the mirror's screen heard it once
        ctx.emit("assist_acked", {"request": acked.request.as_dict()})
    return AssistAckOut(**acked.request.as_dict(), first=acked.first)


def request_assist(ctx: NetContext, kind: AssistKind, detail: str):
    """Record a request from the mirror or the API and tell everyone."""
    req = ctx.assist.request(kind, detail, ctx.live.session_id)
    ctx.emit("assist_requested", {"request": req.as_dict(), "room": ctx.config.api.room, "mirror": ctx.name})
    return req
