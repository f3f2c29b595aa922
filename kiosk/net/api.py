"""The mirror's HTTP application: ``create_app(ctx)`` builds the FastAPI app.

Routes live in ``api_status`` (status, health with its checks in ``health_checks``, metrics,
session, events, assistance), ``api_looks`` (looks, video, sharing), ``api_compare`` (yaw tracks,
comparisons), ``api_peer`` (between the mirrors of the store), ``share_page`` (``/s/{token}``)
and ``console`` (``/console``). This module adds what every route shares: JSON errors that never carry a
traceback, a request-size limit, CORS (closed unless configured) and security headers; and the
peer trust (``app.state.trust``), built from the store secret.
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk import __version__
from kiosk.errors import KioskError
from kiosk.net.context import NetContext

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

_REASONS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}


def error_body(status: int, message: str) -> dict:
    return {"error": _REASONS.get(status, "error"), "message": message}


def create_app(ctx: NetContext) -> FastAPI:
    """The whole HTTP application over ``ctx``."""
    from kiosk.net import api_compare, api_delete, api_looks, api_peer, api_status, console, share_page
    from kiosk.net.trust import load_peer_trust

    app = bare_app(ctx.config, "The fitting-room mirror on the store network. Protected routes need "
                   "`Authorization: Bearer <token>` (the store's API token or a console sign-in).",
                   openapi_url=f"{API_PREFIX}/openapi.json")
    app.state.ctx = ctx
    app.state.trust = load_peer_trust(ctx.config, ctx.data_dir, ctx.mirror_id)
    app.include_router(api_status.router, prefix=API_PREFIX)
    app.include_router(api_looks.router, prefix=API_PREFIX)
    app.include_router(api_delete.router, prefix=API_PREFIX)
    app.include_router(api_compare.router, prefix=API_PREFIX)
    app.include_router(api_peer.router, prefix=API_PREFIX)
    app.include_router(share_page.router)
    app.include_router(console.router)
    return app


def bare_app(config, description: str, openapi_url: str | None = None) -> FastAPI:
    """An application with no route yet and what every route shares (errors, limits, CORS, headers);
    the full kiosk's (``create_app``) and a plain mirror's (``kiosk.net.plain_pages``)."""
    app = FastAPI(
        title="Smart Mirror API",
        version=__version__,
        description=description,
        docs_url=None,  # Swagger UI would load its scripts from a CDN; the store LAN needs no cloud
        redoc_url=None,
        openapi_url=openapi_url,
    )
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(KioskError, _kiosk_error)
    app.add_exception_handler(Exception, _unexpected_error)
    if config.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.api.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Range"],
            expose_headers=["Content-Range", "Accept-Ranges", "Content-Length"],
        )
    app.add_middleware(BodyLimit, max_bytes=config.api.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"there is nothing at {request.url.path}"
    elif exc.status_code == 405 and message == "Method Not Allowed":
        message = f"{request.method} is not allowed on {request.url.path}"
    return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
    message = f"{where}: {first.get('msg', 'invalid value')}"
    return JSONResponse(error_body(422, message), status_code=422)


# Path parameters that are bearer secrets: a share link's token opens a shopper's video.
_SECRET_PARAMS = frozenset({"token"})


def logged_path(request: Request) -> str:
    """The request's path as the log may carry it: its route with the parameters filled in,
    but a share link's token left as ``{token}`` (the log, and the last error that the public
    health shows, must not hand out working links)."""
    template = getattr(request.scope.get("route"), "path", None)
    if not template:  # no route matched (it failed before routing): mask what looks like a link
        return re.sub(r"/(s|shares)/[^/]+", r"/\1/{token}", request.url.path)
    params = request.path_params

    def fill(match: re.Match) -> str:
        name = match.group(1)
        return "{" + name + "}" if name in _SECRET_PARAMS or name not in params else str(params[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, template)


async def _kiosk_error(request: Request, exc: KioskError) -> JSONResponse:
    # a part of the mirror (library, disk, database) cannot do it right now; its sentence says why
    _log.warning("%s %s: %s", request.method, logged_path(request), exc)
    return JSONResponse(error_body(503, str(exc)), status_code=503)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    _log.error("%s %s failed: %s: %s", request.method, logged_path(request), type(exc).__name__, exc, exc_info=exc)
    body = {"error": "internal", "message": "the mirror could not do this; the problem is in its log"}
    return JSONResponse(body, status_code=500)


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _send_json(send, 413, error_body(413, f"the request body is larger than {self.max_bytes} bytes"))
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise StarletteHTTPException(413, f"the request body is larger than {self.max_bytes} bytes")
            return message

        await self.app(scope, limited, send)


class SecurityHeaders:
    """Headers every response carries: no sniffing, no framing by other sites, no referrer leaks;
    and no caching of what a credential fetched (``Cache-Control: no-store``, unless the route set
    its own): the console runs on shared tablets, and a look's video or poster kept in the
    browser's cache (files carry Last-Modified, so browsers keep them) would outlive the sign-out,
    a withdrawn yes and "forget me", and be served from there without any sign-in."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]
    NO_STORE = (b"cache-control", b"no-store")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = any(name == b"authorization" for name, _ in scope.get("headers") or ())

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or []) + self.HEADERS
                if private and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(self.NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def _send_json(send: Send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})
