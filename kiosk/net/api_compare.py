"""Routes for comparing looks: a look's yaw track and turn, and rendered comparisons with share links.

``GET /looks/{id}/turn`` gives a browser what it needs to align looks by body angle itself
(the console does, with ``static/anglemap.js``), using the look's video route for the pictures:
nothing is decoded on the mirror for that; its ``span`` is the crop the mirror shows of the look,
where it is one of the video as stored (``video_span``). ``POST /comparisons`` asks the mirror to render a
comparison of 2–4 consented looks into one MP4 in the background (``kiosk.compare.jobs``: one
at a time, a bounded queue; 429 when it is full) and returns at once with its state, which
``GET /comparisons/{id}`` follows. A ready comparison can be played, downloaded and shared like
a look, and only while every look in it is consented; an associate (PIN) sign-in lists and reads
only comparisons whose looks are all consented, as it sees consented looks only. Comparisons are
deleted with any of their looks (and so by forget-me) and when consent to one of their looks is
withdrawn (``Library.set_session_consent``); ``DELETE`` removes one and revokes its links.
A console sign-in asking again (a reload of its page while it waits for a code) gets the comparison,
and the link, it got before while they are still good (``kiosk.net.asked``), not a second one:
answered 200, where a new one is 202 (comparison) or 201 (link).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from kiosk.net.api_looks import FORBIDDEN, VideoResponse, consented_look, inside, library_of, share_out
from kiosk.net.context import NetContext
from kiosk.net.deps import ADMIN_ONLY, NOT_FOUND, UNAUTHORIZED, is_admin, require_admin, require_token
from kiosk.net.links import share_base
from kiosk.net.shares import share_id

router = APIRouter(tags=["comparisons"])

AGAIN = {200: {"description": "A console sign-in asked again: what it was given before, handed back (nothing new made)."}}
BUSY = {429: {"description": "Too many comparisons are waiting to be rendered; retry later."}}
NOT_READY = {409: {"description": "The comparison is not rendered (yet, or it failed)."}}
UNAVAILABLE = {503: {"description": "This mirror does not render comparisons (or has no look library)."}}


class TurnInfo(BaseModel):
    start_s: float = Field(description="When the turn starts, seconds from the video's first frame.")
    end_s: float
    rotation_deg: float = Field(description="How far the body turned (at most 360).")
    direction: Literal["cw", "ccw"] = Field(description="Seen from above; cw is the shopper turning to their right.")


class TurnOut(BaseModel):
    look_id: str
    video_url: str = Field(description="The look's video (the same times as the track).")
    clock: str = Field(description="What the times count from.")
    yaw: list[list[float]] = Field(
        description="[t, yaw_deg, rotation_deg, confidence] per sample: t seconds from the video's first frame, yaw -180..180 "
        "(0: chest to the camera, positive clockwise seen from above), rotation the same unwrapped, confidence 0..1."
    )
    turn: TurnInfo | None
    angle_aligned: bool = Field(description="Whether the track is good enough to align this look by body angle.")
    coverage_deg: float = Field(description="How many degrees of body angle the look shows (0 when not angle-aligned).")
    unaligned_reason: str | None = Field(description="Why it plays by time instead, in plain words.")
    span: list[float] | None = Field(
        min_length=2, max_length=2,
        description="[x0, x1]: the part of the video's width the shopper reached over the take (fractions of the width), "
        "the crop the mirror's side by side shows; null: show the whole width (none kept, or the mirror's pictures are "
        "turned upright by a [display] rotation, so the stored video is not the picture it was measured on)."
    )


class ComparisonIn(BaseModel):
    look_ids: list[str] = Field(min_length=2, max_length=4, description="2 to 4 consented looks, in pane order.")
    align: Literal["angle", "time"] = Field("angle", description="Line the panes up by body angle (default) or by time.")


class ComparisonOut(BaseModel):
    id: str
    state: Literal["queued", "rendering", "ready", "failed"]
    error: str | None = Field(description="Why it failed, in one sentence.")
    align: Literal["angle", "time"]
    look_ids: list[str]
    created: float
    created_iso: str
    video_url: str | None = Field(description="The rendered MP4, once ready.")
    width: int
    height: int
    bytes: int
    frames: int | None
    mean_angle_gap_deg: float | None = Field(description="Mean largest difference in body yaw between the panes per frame.")
    max_angle_gap_deg: float | None


class ComparisonList(BaseModel):
    comparisons: list[ComparisonOut]


class ComparisonShareOut(BaseModel):
    url: str = Field(description="The page a phone opens (what the QR code holds).")
    token: str = Field(description="The share token (192 random bits); also needed to revoke the link.")
    comparison_id: str
    expires_at: float = Field(description="Unix time the link stops working.")
    expires_iso: str
    qr_svg_url: str = Field(description="The QR code of url as SVG.")


def book_of(ctx: NetContext):
    from kiosk.library.comparisons import ComparisonBook

    return ComparisonBook(library_of(ctx))


def jobs_of(ctx: NetContext):
    jobs = getattr(ctx, "comparisons", None)
    if jobs is None:
        raise HTTPException(503, "this mirror does not render comparisons")
    return jobs


def find_comparison(ctx: NetContext, comparison_id: str):
    found = book_of(ctx).find(comparison_id)
    if found is None:
        raise HTTPException(404, f"there is no comparison {comparison_id!r}")
    return found


def signed_in(ctx: NetContext, request: Request) -> str | None:
    """The key of the caller's console sign-in (``AskedBook``); None for the store's own token."""
    return ctx.auth.session_key(request.headers.get("authorization"))


def all_consented(ctx: NetContext, comparison) -> bool:
    lib = library_of(ctx)
    return all((look := lib.find(i)) is not None and look.consented for i in comparison.look_ids)


def video_span(data, rotation: int) -> list[float] | None:
    """A look's stored span as a crop of its video as stored (what the console shows), or None.

    The span is of the upright picture; the video is stored as the camera sees it, so the two are
    one picture only where the mirror turns nothing (``rotation`` 0) and the span was measured so."""
    from kiosk.analysis.extent import read_span
    from kiosk.compare.panes import span_fits

    if rotation % 360 or not isinstance(data, dict) or not span_fits(data.get("span_rotation"), 0):
        return None
    span = read_span(data.get("span"))
    return None if span is None else list(span)


def comparison_out(comparison) -> ComparisonOut:
    report = comparison.report or {}
    return ComparisonOut(
        id=comparison.id,
        state=comparison.state,
        error=comparison.error,
        align=comparison.align,
        look_ids=list(comparison.look_ids),
        created=comparison.created,
        created_iso=datetime.fromtimestamp(comparison.created, timezone.utc).isoformat(timespec="seconds"),
        video_url=f"/api/v1/comparisons/{comparison.id}/video" if comparison.ready else None,
        width=comparison.width,
        height=comparison.height,
        bytes=comparison.bytes,
        frames=report.get("frames"),
        mean_angle_gap_deg=report.get("mean_angle_gap_deg"),
        max_angle_gap_deg=report.get("max_angle_gap_deg"),
    )


@router.get(
    "/looks/{look_id}/turn",
    response_model=TurnOut,
    responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN},
    summary="A look's yaw track and turn, to align looks by body angle in the browser",
)
def get_turn(look_id: str, ctx: NetContext = Depends(require_token)) -> TurnOut:
    from kiosk.compare.anglemap import Unaligned, build_angle_map
    from kiosk.compare.panes import stored_analysis

    look = consented_look(ctx, look_id)
    data = library_of(ctx).analysis(look.id).get("turn")
    stored = stored_analysis(data)
    video_url, clock = f"/api/v1/looks/{look.id}/video", "seconds from the first frame of the video"
    span = video_span(data, ctx.config.display.rotation)
    if stored is None or not len(stored.track):  # never analysed, or analysed and no body angle found
        return TurnOut(look_id=look.id, video_url=video_url, clock=clock, yaw=[], turn=None, angle_aligned=False,
                       coverage_deg=0.0, unaligned_reason="the mirror kept no body-angle track with this look", span=span)
    mapped = build_angle_map(stored.track, stored.turn)
    unaligned = mapped.reason if isinstance(mapped, Unaligned) else None
    return TurnOut(
        look_id=look.id,
        video_url=video_url,
        clock=clock,
        yaw=stored.track.to_entries(),
        turn=TurnInfo(**stored.turn.to_json()) if stored.turn else None,
        angle_aligned=unaligned is None,
        coverage_deg=0.0 if unaligned else mapped.coverage_deg,
        unaligned_reason=unaligned,
        span=span,
    )


@router.post(
    "/comparisons",
    response_model=ComparisonOut,
    status_code=202,
    responses={**AGAIN, **UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN, **BUSY, **UNAVAILABLE},
    summary="Render a side-by-side comparison of 2–4 consented looks (in the background)",
)
async def create_comparison(body: ComparisonIn, request: Request, response: Response,
                            ctx: NetContext = Depends(require_token)) -> ComparisonOut:
    from kiosk.compare.errors import CompareError
    from kiosk.compare.jobs import QueueFull
    from kiosk.library import LookNotFound

    jobs = jobs_of(ctx)
    if len(set(body.look_ids)) != len(body.look_ids):
        raise HTTPException(422, "look_ids: each look can be in a comparison only once")

    def submit():
        for look_id in body.look_ids:
            consented_look(ctx, look_id)  # 404 / 403 in plain words, for one asked again too
        book = book_of(ctx)

        def pending(comparison) -> bool:  # still coming, or come: not failed, not deleted
            found = book.find(comparison.id)
            return found is not None and found.state in ("queued", "rendering", "ready")

        # the same looks asked for again by this sign-in (a reload of the console): the same comparison
        comparison, new = ctx.asked.once(signed_in(ctx, request), ("comparison", tuple(body.look_ids), body.align),
                                         pending, lambda: jobs.submit(body.look_ids, body.align))
        if not new:
            comparison = book.find(comparison.id) or comparison  # as it is now: rendering, or ready
        return comparison, new

    try:
        comparison, new = await asyncio.to_thread(submit)  # a database write: off the event loop
    except QueueFull as exc:
        raise HTTPException(429, str(exc), {"Retry-After": "30"}) from None
    except CompareError as exc:
        raise HTTPException(422, str(exc)) from None
    except LookNotFound:  # deleted between the check and the insert
        raise HTTPException(404, "one of the looks to compare no longer exists") from None
    if new:
        ctx.emit("comparison_requested", {"comparison_id": comparison.id, "look_ids": list(comparison.look_ids)})
    else:
        response.status_code = 200  # handed back, not queued again
    return comparison_out(comparison)


@router.get("/comparisons", response_model=ComparisonList, responses=UNAUTHORIZED,
            summary="Every comparison, newest first (an associate sign-in: of consented looks only)")
def list_comparisons(request: Request, ctx: NetContext = Depends(require_token)) -> ComparisonList:
    admin = is_admin(request)
    return ComparisonList(comparisons=[comparison_out(c) for c in book_of(ctx).list() if admin or all_consented(ctx, c)])


@router.get("/comparisons/{comparison_id}", response_model=ComparisonOut, responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN},
            summary="One comparison and how far its rendering is")
def get_comparison(comparison_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> ComparisonOut:
    comparison = find_comparison(ctx, comparison_id)
    if not is_admin(request) and not all_consented(ctx, comparison):
        raise HTTPException(403, "an associate sign-in sees only comparisons of looks shoppers agreed to keep")
    return comparison_out(comparison)


def ready_comparison(ctx: NetContext, comparison_id: str):
    """The comparison, if rendered and every look in it still consented."""
    comparison = find_comparison(ctx, comparison_id)
    if not all_consented(ctx, comparison):
        raise HTTPException(403, "a shopper has not agreed to share one of these looks")
    if not comparison.ready:
        raise HTTPException(409, f"the comparison is {comparison.state}" + (f": {comparison.error}" if comparison.error else ""))
    return comparison


@router.get(
    "/comparisons/{comparison_id}/video",
    response_class=FileResponse,
    responses={
        **UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN, **NOT_READY,
        200: {"content": {"video/mp4": {}}, "description": "The whole MP4."},
        206: {"content": {"video/mp4": {}}, "description": "The requested byte range."},
    },
    summary="The rendered comparison's MP4 (HTTP Range supported)",
)
def get_comparison_video(comparison_id: str, ctx: NetContext = Depends(require_token)) -> FileResponse:
    comparison = ready_comparison(ctx, comparison_id)
    return VideoResponse(inside(ctx, Path(comparison.path)), media_type="video/mp4", pacer=ctx.pacer)


@router.post(
    "/comparisons/{comparison_id}/share",
    response_model=ComparisonShareOut,
    status_code=201,
    responses={**AGAIN, **UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN, **NOT_READY},
    summary="Make a share link (and QR code) for a rendered comparison of consented looks",
)
def share_comparison(comparison_id: str, request: Request, response: Response,
                     ctx: NetContext = Depends(require_token)) -> ComparisonShareOut:
    comparison = ready_comparison(ctx, comparison_id)
    base = share_base(ctx, request)  # never the request's Host header
    if base is None:
        raise HTTPException(503, "the mirror has no network address to put in a share link (set api.public_url)")
    # asked again by this sign-in (a reload of the console while it waited): the same link, not a second one,
    # while it still opens (not revoked by withdrawn consent, forget-me or a deletion; not expired)
    share, new = ctx.asked.once(signed_in(ctx, request), ("comparison share", comparison.id),
                                lambda kept: ctx.shares.opens(kept.token),
                                lambda: ctx.shares.create(comparison.id, kind="comparison"))
    out = share_out(base, share)
    if new:  # the URL reaches the screen and live clients; the outbox gets share_id, never the token
        ctx.emit("comparison_shared", {"comparison_id": comparison.id, "url": out.url, "share_id": share_id(out.token),
                                       "expires_at": out.expires_at})
    else:
        response.status_code = 200  # the link it got before, not a new one
    return ComparisonShareOut(comparison_id=comparison.id, **out.model_dump(exclude={"look_id"}))


@router.delete("/comparisons/{comparison_id}", status_code=204, responses={**UNAUTHORIZED, **ADMIN_ONLY, **NOT_FOUND},
               summary="Delete a comparison and revoke its links (store token only)")
def delete_comparison(comparison_id: str, ctx: NetContext = Depends(require_admin)) -> Response:
    comparison = find_comparison(ctx, comparison_id)
    ctx.shares.revoke_look(comparison.id)
    book_of(ctx).delete(comparison.id)
    jobs = getattr(ctx, "comparisons", None)
    if jobs is not None:
        jobs.cancel(comparison)  # a render of it stops between frames, leaving no file; the mirror hears it went
    return Response(status_code=204)
