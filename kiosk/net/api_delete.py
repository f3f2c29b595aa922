"""Routes that delete looks at a shopper's request: one look, or every kept look of her visit.

A shopper who tapped no card has no other way to be forgotten, so an associate (PIN) sign-in
may delete, but only what its console lists: consented looks of a visit whose latest kept look
is at most ``CONSOLE_WINDOW_S`` old (console-looks.js lists the same visits, whole). An older
visit answers 403 in plain words and needs the store token or ``kiosk looks delete`` on the
mirror: a leaked PIN cannot wipe every shopper's kept looks. The store token deletes any look.

A visit is deleted in one request, so that a sign-out or the next associate's sign-in on the
tablet cannot leave it half done or finish it under another sign-in. Each look's links are
revoked first; each deletion is logged with the look's id, the caller's role and address,
nothing of the shopper, and told as ``look_deleted`` (ids and the role) to live clients, the
store service and the mirror's screen.
"""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from kiosk.net.api_looks import library_of, visible_look
from kiosk.net.context import NetContext
from kiosk.net.deps import NOT_FOUND, UNAUTHORIZED, client_address, is_admin, require_token
from kiosk.net.privacy import LOOK_DELETED, look_deleted

_log = logging.getLogger(__name__)

router = APIRouter(tags=["looks"])

#: How old a visit's latest kept look may be for the console to list it, and so for a PIN sign-in
#: to delete its looks (console-looks.js ``LOOK_WINDOW_S`` is the same 4 hours).
CONSOLE_WINDOW_S = 4 * 3600
TOO_OLD = ("this visit is older than 4 hours; ask the store manager to delete its looks with the store token, "
           "or on the mirror with kiosk looks delete")
REFUSED = {403: {"description": "An associate (PIN) sign-in and a look not consented (it does not see it), or of a "
                                "visit older than the console lists (4 hours)."}}


class VisitDeleted(BaseModel):
    deleted: list[str] = Field(description="The ids of the visit's looks this request deleted, oldest first.")
    first_created: float = Field(description="Unix time the visit's first kept look was recorded.")
    share_links_revoked: int


def within_console(ctx: NetContext, session_id: str | None, created: float) -> bool:
    """Whether the console lists this visit (or this look outside any visit, made at ``created``)."""
    if session_id is not None:
        created = max((look.created for look in library_of(ctx).list(session_id=session_id) if look.consented),
                      default=created)
    return created >= time.time() - CONSOLE_WINDOW_S


def deleted_by(ctx: NetContext, request: Request, look_id: str, revoked: int) -> None:
    """The audit trail of one deletion (ids, the role, the tablet's address) and its event."""
    admin = is_admin(request)
    _log.info("look %s deleted through the API by %s from %s; %d share links revoked", look_id,
              "the store token" if admin else "an associate sign-in", client_address(request), revoked)
    # live clients, the store service and the mirror's screen (the shopper may still be there)
    ctx.emit(LOOK_DELETED, look_deleted(look_id, "store token" if admin else "associate"))


@router.delete(
    "/looks/{look_id}",
    status_code=204,
    responses={**UNAUTHORIZED, **NOT_FOUND, **REFUSED},
    summary="Delete a look, its notes and the comparisons showing it, and revoke its links",
    description="The store token deletes any look; an associate sign-in the consented looks of a visit its console "
                "lists (latest look at most 4 hours old), at a shopper's request.",
)
def delete_look(look_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> Response:
    from kiosk.library import LookNotFound

    look = visible_look(ctx, look_id, request)
    if not is_admin(request) and not within_console(ctx, look.session_id, look.created):
        raise HTTPException(403, TOO_OLD)
    revoked = ctx.shares.revoke_look(look.id)
    try:
        library_of(ctx).delete(look.id)
    except LookNotFound:  # deleted by another request meanwhile
        raise HTTPException(404, f"there is no look {look_id!r}") from None
    deleted_by(ctx, request, look.id, revoked)
    return Response(status_code=204)


@router.delete(
    "/visits/{session_id}/looks",
    response_model=VisitDeleted,
    responses={**UNAUTHORIZED, **REFUSED, 404: {"description": "The visit has no look the shopper agreed to keep."}},
    summary="Delete every kept look of a visit, with their notes, comparisons and links",
    description="The visit is a look's session_id. Looks the shopper did not keep are left to the visit's end. The "
                "store token deletes any visit's; an associate sign-in those of a visit its console lists (latest "
                "look at most 4 hours old), at a shopper's request.",
)
def delete_visit(session_id: str, request: Request, ctx: NetContext = Depends(require_token)) -> VisitDeleted:
    library = library_of(ctx)
    looks = sorted((look for look in library.list(session_id=session_id) if look.consented), key=lambda look: look.created)
    if not looks:
        raise HTTPException(404, "this visit has no look the shopper agreed to keep")
    if not is_admin(request) and not within_console(ctx, session_id, looks[0].created):
        raise HTTPException(403, TOO_OLD)
    deleted, revoked = [], 0
    for look in looks:
        links = ctx.shares.revoke_look(look.id)
        revoked += links
        if library.delete_if_present(look.id):  # not one another request deleted meanwhile
            deleted.append(look.id)
            deleted_by(ctx, request, look.id, links)
    if not deleted:
        raise HTTPException(404, "this visit has no kept look left: they were deleted already")
    return VisitDeleted(deleted=deleted, first_created=looks[0].created, share_links_revoked=revoked)
