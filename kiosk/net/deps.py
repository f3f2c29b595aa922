"""FastAPI dependencies shared by the routers: the context and the bearer-token check."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kiosk.net.context import NetContext

# auto_error=False: a missing header must give our own 401 JSON, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="The store's API token or a console sign-in token.")

UNAUTHORIZED = {401: {"description": "Missing or wrong bearer token."}}
NOT_FOUND = {404: {"description": "No such id."}}


def get_ctx(request: Request) -> NetContext:
    return request.app.state.ctx


def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> NetContext:
    """The context, for callers with a valid bearer token; 401 otherwise."""
    ctx: NetContext = request.app.state.ctx
    if ctx.auth.locked:
        raise HTTPException(401, "this mirror has no API token yet (set api.token or KIOSK_API_TOKEN)", {"WWW-Authenticate": "Bearer"})
    if credentials is None:
        raise HTTPException(401, "sign in first: send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
    if not ctx.auth.check(f"Bearer {credentials.credentials}"):
        raise HTTPException(401, "the token is wrong or has expired", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return ctx
