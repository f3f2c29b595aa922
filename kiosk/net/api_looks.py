"""Routes for recorded looks: list, details, video (HTTP Range), share links, notes.

Only consented looks leave the device: their video and poster are served, and only they can
be shared (403 otherwise). An associate (PIN) sign-in sees consented looks only; it cannot
revoke a share link by itself (``deps.require_admin``). Deleting looks is ``api_delete``'s.
File paths come from the library, which checks ids before they become file names; ``inside``
checks again that the file is in the library folder. Share links are built from the mirror's own address (``links.share_base``).
Associates (either sign-in) add notes and products to consented looks; a note's words are never
logged, and its product line is the only part a shopper's share page shows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from kiosk.library.look import NOTE_PRODUCT_MAX, NOTE_TEXT_MAX
from kiosk.net.context import NetContext
from kiosk.net.deps import ADMIN_ONLY, NOT_FOUND, UNAUTHORIZED, is_admin, require_admin, require_token
from kiosk.net.links import share_base
from kiosk.net.pacing import BytePacer
from kiosk.net.shares import Share, share_id

_log = logging.getLogger(__name__)

router = APIRouter(tags=["looks"])


class VideoResponse(FileResponse):
    """A video file response, paced by the mirror-wide byte budget and read in 256 KiB pieces.

    Starlette reads 64 KiB at a time, each read a hop to a worker thread; bigger pieces cut the
    Python work per byte, which is CPU the mirror's screen needs.
    """

    chunk_size = 256 * 1024

    def __init__(self, path, *, pacer: BytePacer | None = None, **kwargs) -> None:
        super().__init__(path, **kwargs)
        self._pacer = pacer

    async def __call__(self, scope, receive, send) -> None:
        pacer = self._pacer
        if pacer is None:
            await super().__call__(scope, receive, send)
            return

        async def paced(message) -> None:
            if message["type"] == "http.response.body":
                await pacer.take(len(message.get("body", b"")))
            await send(message)

        await super().__call__(scope, receive, paced)

FORBIDDEN = {403: {"description": "The shopper has not agreed to share this look."}}


class NoteIn(BaseModel):
    text: str = Field("", max_length=NOTE_TEXT_MAX, description="For the staff only, e.g. 'wants it in navy'.")
    product: str = Field("", max_length=NOTE_PRODUCT_MAX,
                         description="A product, also shown on the shopper's share page, e.g. 'Linen shirt, navy, M'.")


class NoteOut(BaseModel):
    id: str
    look_id: str
    created: float = Field(description="Unix time the note was added.")
    text: str
    product: str


class LookOut(BaseModel):
    id: str
    created: float = Field(description="Unix time the recording started.")
    created_iso: str
    duration_s: float
    width: int
    height: int
    bytes: int
    session_id: str | None
    customer_id: str | None
    consent: str = Field(description="granted or none.")
    consent_by: str | None = Field(description="customer or operator (demos, store IT tests).")
    video_url: str | None = Field(description="Where the video is, for consented looks.")
    poster_url: str | None
    notes: list[NoteOut] = Field([], description="Associates' notes and products, oldest first (consented looks only).")


class LookList(BaseModel):
    looks: list[LookOut]


class ShareOut(BaseModel):
    url: str = Field(description="The page a phone opens (what the QR code holds).")
    token: str = Field(description="The share token (192 random bits); also needed to revoke the link.")
    look_id: str
    expires_at: float = Field(description="Unix time the link stops working.")
    expires_iso: str
    qr_svg_url: str = Field(description="The QR code of url as SVG.")


def library_of(ctx: NetContext):
    if ctx.library is None:
        raise HTTPException(503, "this mirror has no look library")
    return ctx.library


def find_look(ctx: NetContext, look_id: str):
    """The look, or 404 in plain words."""
    from kiosk.library import LookNotFound

    lib = library_of(ctx)
    try:
        return lib.get(look_id)
    except LookNotFound:
        raise HTTPException(404, f"there is no look {look_id!r}") from None


def look_out(look, notes=()) -> LookOut:
    consented = bool(look.consented)
    base = f"/api/v1/looks/{look.id}"
    return LookOut(
        id=look.id,
        created=look.created,
        created_iso=datetime.fromtimestamp(look.created, timezone.utc).isoformat(timespec="seconds"),
        duration_s=look.duration_s,
        width=look.width,
        height=look.height,
        bytes=look.bytes,
        session_id=look.session_id,
        customer_id=look.customer_id,
        consent=look.consent,
        consent_by=look.consent_by,
        video_url=f"{base}/video" if consented else None,
        poster_url=f"{base}/poster" if consented else None,
        notes=[NoteOut(**note.to_dict()) for note in notes] if consented else [],
    )


def inside(ctx: NetContext, path: Path) -> Path:
    """``path`` resolved, if it lies in the library folder; 404 otherwise."""
    resolved = Path(path).resolve()
    root = ctx.data_dir.resolve() if ctx.data_dir is not None else None
    if root is None or not resolved.is_relative_to(root) or not resolved.is_file():
        raise HTTPException(404, "the file of this look is missing")
    return resolved


@router.get("/looks", response_model=LookList, responses=UNAUTHORIZED, summary="Every look in the library, newest first")
def list_looks(request: Request, ctx: NetContext = Depends(require_token)) -> LookList:
    admin = is_admin(request)
    library = library_of(ctx)
    looks = [look for look in library.list() if admin or look.consented]
    notes = library.notes([look.id for look in looks if look.consented])
    return LookList(looks=[look_out(look, notes.get(look.id, ())) for look in looks])


@router.get(
    "/looks/{look_id}", response_model=LookOut, responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN}, summary="One look"
)
def get_look(look_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> LookOut:
    look = visible_look(ctx, look_id, request)
    return look_out(look, library_of(ctx).notes([look.id]).get(look.id, ()))


def visible_look(ctx: NetContext, look_id: str, request: Request):
    """The look, if the caller may see it: 404 when there is none, 403 for an associate and a look not consented."""
    look = find_look(ctx, look_id)
    if not look.consented and not is_admin(request):
        raise HTTPException(403, "an associate sign-in sees only the looks shoppers agreed to keep")
    return look


def consented_look(ctx: NetContext, look_id: str):
    look = find_look(ctx, look_id)
    if not look.consented:
        raise HTTPException(403, "the shopper has not agreed to share this look")
    return look


@router.get(
    "/looks/{look_id}/video",
    response_class=FileResponse,
    responses={
        **UNAUTHORIZED,
        **NOT_FOUND,
        **FORBIDDEN,
        200: {"content": {"video/mp4": {}}, "description": "The whole MP4."},
        206: {"content": {"video/mp4": {}}, "description": "The requested byte range."},
    },
    summary="The look's MP4 (HTTP Range supported)",
)
def get_video(look_id: str, ctx: NetContext = Depends(require_token)) -> FileResponse:
    look = consented_look(ctx, look_id)
    return VideoResponse(inside(ctx, ctx.library.video_path(look.id)), media_type="video/mp4", pacer=ctx.pacer)


# HEAD answers like GET without the body (players and download managers ask before they fetch)
router.add_api_route("/looks/{look_id}/video", get_video, methods=["HEAD"], include_in_schema=False)


@router.get(
    "/looks/{look_id}/poster",
    response_class=FileResponse,
    responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN, 200: {"content": {"image/jpeg": {}}, "description": "JPEG."}},
    summary="The look's poster picture",
)
def get_poster(look_id: str, ctx: NetContext = Depends(require_token)) -> FileResponse:
    look = consented_look(ctx, look_id)
    return FileResponse(inside(ctx, Path(look.poster_path)), media_type="image/jpeg")


@router.post(
    "/looks/{look_id}/share",
    response_model=ShareOut,
    status_code=201,
    responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN},
    summary="Make a share link (and QR code) for a consented look",
)
def share_look(look_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> ShareOut:
    look = consented_look(ctx, look_id)
    base = share_base(ctx, request)
    if base is None:
        raise HTTPException(503, "the mirror has no network address to put in a share link (set api.public_url)")
    out = share_out(base, ctx.shares.create(look.id))
    emit_shared(ctx, out)
    return out


@router.post(
    "/looks/{look_id}/notes",
    response_model=NoteOut,
    status_code=201,
    responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN, 422: {"description": "Neither text nor product."}},
    summary="Add an associate's note or product to a consented look",
)
def add_note(look_id: str, body: NoteIn, ctx: NetContext = Depends(require_token)) -> NoteOut:
    from kiosk.library.errors import LookNotConsented, LookNotFound

    # The library checks the look and its consent inside the transaction that adds the note;
    # any other library error is the app's 503 (kiosk.net.api).
    try:
        note = library_of(ctx).add_note(look_id, body.text, body.product)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except LookNotFound:
        raise HTTPException(404, f"there is no look {look_id!r}") from None
    except LookNotConsented as exc:
        raise HTTPException(403, str(exc)) from None
    ctx.emit("look_noted", {"look_id": look_id, "note_id": note.id})
    return NoteOut(**note.to_dict())


@router.delete(
    "/looks/{look_id}/notes/{note_id}",
    status_code=204,
    responses={**UNAUTHORIZED, **NOT_FOUND, **FORBIDDEN},
    summary="Delete a note of a look",
)
def delete_note(look_id: str, note_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> Response:
    visible_look(ctx, look_id, request)  # an associate's sign-in reaches only looks shoppers agreed to keep
    if not library_of(ctx).delete_note(look_id, note_id):
        raise HTTPException(404, "this look has no such note")
    ctx.emit("look_noted", {"look_id": look_id, "note_id": note_id})
    return Response(status_code=204)


def emit_shared(ctx: NetContext, out: ShareOut) -> None:
    """Tell the screen, live clients and the store service; ``url`` never reaches the outbox."""
    ctx.emit("look_shared", {"look_id": out.look_id, "url": out.url, "share_id": share_id(out.token),
                             "expires_at": out.expires_at})


def share_out(base: str, share: Share) -> ShareOut:
    return ShareOut(
        url=f"{base}/s/{share.token}",
        token=share.token,
        look_id=share.look_id,
        expires_at=share.expires_at,
        expires_iso=datetime.fromtimestamp(share.expires_at, timezone.utc).isoformat(timespec="seconds"),
        qr_svg_url=f"{base}/s/{share.token}/qr.svg",
    )


@router.delete(
    "/shares/{token}",
    status_code=204,
    responses={**UNAUTHORIZED, **ADMIN_ONLY, **NOT_FOUND},
    summary="Revoke a share link (store token only)",
)
def revoke_share(token: str, ctx: NetContext = Depends(require_admin)) -> Response:
    if not ctx.shares.revoke(token):
        raise HTTPException(404, "there is no such share link")
    if ctx.bus is not None:  # its code may be on the mirror's screen, the shopper still there
        from kiosk.events import LinkRevoked

        ctx.bus.emit(LinkRevoked(share_id=share_id(token)))
    return Response(status_code=204)
