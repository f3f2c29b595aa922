"""The base URL put in share links and their QR codes.

Never the request's ``Host`` header: anyone can send any Host, and a link made for a shopper
must point at this mirror. The order: ``api.public_url`` if configured, else the mirror's own
announced address (``NetContext.public_base``), else the local address of the connection the
request came in on (the socket's, not a header's).
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from kiosk.net.context import NetContext


def share_base(ctx: NetContext, request: Request | None = None) -> str | None:
    """``http://ADDR:PORT`` (or the configured URL) for links; None when no address is known."""
    base = ctx.public_base()
    if base is not None:
        return base
    server = request.scope.get("server") if request is not None else None
    if server and server[0]:
        host, port = server[0], server[1] or ctx.port
        try:
            if ipaddress.ip_address(host).version == 6:
                host = f"[{host}]"
        except ValueError:
            return None  # a Unix socket path or anything else that is not an address
        return f"http://{host}:{port}"
    return None
