"""FastAPI dependencies shared by the routers: the context, the caller's role and its checks."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kiosk.net.auth import ADMIN, Throttled
from kiosk.net.context import NetContext

# auto_error=False: a missing header must give our own 401 JSON, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="The store's API token or a console sign-in token.")

UNAUTHORIZED = {401: {"description": "Missing or wrong bearer token."}, 429: {"description": "Too many wrong tokens from this address."}}
ADMIN_ONLY = {403: {"description": "An associate (PIN) sign-in may not do this; it needs the store's API token."}}
NOT_FOUND = {404: {"description": "No such id."}}


def get_ctx(request: Request) -> NetContext:
    return request.app.state.ctx


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> NetContext:
    """The context, for callers with a valid bearer token (either role); 401 otherwise."""
    ctx: NetContext = request.app.state.ctx
    if ctx.auth.locked:
        raise HTTPException(401, "this mirror has no API token yet (set api.token or KIOSK_API_TOKEN)", {"WWW-Authenticate": "Bearer"})
    if credentials is None:
        raise HTTPException(401, "sign in first: send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
    try:
        role = ctx.auth.authorize(f"Bearer {credentials.credentials}", client_address(request))
    except Throttled as exc:
        raise HTTPException(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    if role is None:
        raise HTTPException(401, "the token is wrong or has expired", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    request.state.role = role
    return ctx


def require_admin(request: Request, ctx: NetContext = Depends(require_token)) -> NetContext:
    """The context, for the store's token (or a sign-in made with it); 403 for a PIN sign-in."""
    if request.state.role != ADMIN:
        raise HTTPException(403, "an associate sign-in cannot do this; it needs the store's API token")
    return ctx


def signed_in(request: Request, ctx: NetContext) -> bool:
    """Whether a public route's caller sent a valid token (either role), for the answer's full text.

    A wrong token is counted as at any other route, so that this is no way round the limit on
    guessing; it, a throttled caller and one without a token get the public answer, as before.
    """
    try:
        return ctx.auth.authorize(request.headers.get("authorization"), client_address(request)) is not None
    except Throttled:
        return False


def is_admin(request: Request) -> bool:
    return getattr(request.state, "role", None) == ADMIN
