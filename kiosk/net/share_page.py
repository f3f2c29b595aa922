"""``/s/{token}``: the page a shopper's phone opens from the QR code, and its video and poster.

A link shares one look or one rendered comparison of looks (the panes side by side); either
works only while every look in it is consented and still exists.

Mobile first and self-contained (no outside scripts or fonts): the video plays inline
(``playsinline``, muted autoplay is allowed on iOS and Android), with its poster, a download
button, the products an associate noted for the look(s) (never the associates' own notes),
the expiry date and the store's name. An expired or revoked link gets a friendly page
with status 410; an unknown one the same page with 404. Everything that comes from data is
HTML-escaped.

Times are ``<time>`` elements written in the mirror's zone (named), which one inline script
(allowed by its hash, the page's only script) rewrites on the phone's own clock and in its
own conventions: a shopper who opens the link at home reads when it ends there. The video
downloads under the store's local date and time (``look-20261201-1453.mp4``), as a shopper
remembers the visit.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from kiosk.net.context import NetContext
from kiosk.net.deps import get_ctx
from kiosk.net.shares import ShareState

router = APIRouter(include_in_schema=False)

_STYLE = """
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;background:#111;color:#f4f4f4;display:flex;flex-direction:column;align-items:center;min-height:100vh}
main{width:100%;max-width:32rem;padding:1rem;box-sizing:border-box}
h1{font-size:1.25rem;font-weight:600;margin:.5rem 0 1rem}
video{width:100%;max-height:70vh;background:#000;border-radius:.75rem;display:block}
a.button{display:block;text-align:center;margin:1rem 0;padding:.9rem;border-radius:.75rem;background:#f4f4f4;color:#111;
text-decoration:none;font-weight:600;font-size:1.05rem}
p{line-height:1.4;color:#ccc}.small{font-size:.85rem;color:#999}
h2{font-size:1rem;font-weight:600;margin:1.25rem 0 .25rem}ul.products{margin:0;padding-left:1.2rem;line-height:1.6}
h1,p,ul.products{overflow-wrap:anywhere}
"""

# Every <time datetime> on the phone's clock, in its conventions ("1 December 2026 at 22:53").
_SCRIPT = (
    'for(const t of document.querySelectorAll("time[datetime]"))t.textContent=new Intl.DateTimeFormat(undefined,'
    '{day:"numeric",month:"long",year:"numeric",hour:"numeric",minute:"2-digit"}).format(new Date(t.dateTime))'
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1,viewport-fit=cover">'
        '<meta name=robots content="noindex,nofollow">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main>"
        f"<script>{_SCRIPT}</script></body></html>"
    )
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; media-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{_SCRIPT_HASH}'",
    }
    return HTMLResponse(html, status_code=status, headers=headers)


def _date(ts: float) -> str:
    """``ts`` in the mirror's own time zone, named ("13 December 2026, 14:53 CET"), as its QR dialog shows it."""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().strftime("%d %B %Y, %H:%M %Z")


def _when(ts: float) -> str:
    """``ts`` as a ``<time>`` element: the mirror's time (``_date``), rewritten on the phone's clock by ``_SCRIPT``."""
    iso = datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")
    return f'<time datetime="{iso}">{escape(_date(ts))}</time>'


def _download_name(comparison: bool, created: float) -> str:
    """The video's file name, by the store's local date and time (the mirror's zone): ``look-20261201-1453.mp4``."""
    local = datetime.fromtimestamp(created, timezone.utc).astimezone()
    return f"{'looks' if comparison else 'look'}-{local:%Y%m%d-%H%M}.mp4"


def _gone(ctx: NetContext, status: int, why: str, when: float | None = None) -> HTMLResponse:
    """The friendly page of a link that does not work; ``when``, if given, ends ``why`` ("expired on …")."""
    store = ctx.config.api.store or "the store"
    said = escape(why) if when is None else f"{escape(why)} {_when(when)}."
    body = (
        f"<h1>This look is no longer available</h1><p>{said}</p>"
        f"<p>Ask an associate at {escape(store)} to share it with you again.</p>"
    )
    return _page("Look not available", body, status)


@dataclass(frozen=True)
class _Shared:
    """What a working link shows: a look's video, or a comparison's."""

    video: Path
    poster: Path | None
    width: int
    height: int
    created: float
    comparison: bool = False
    look_ids: tuple[str, ...] = ()


def _why_revoked(ctx: NetContext, share) -> str:
    """A withdrawn link's reason: deleting a look withdraws its links first, and the shopper who asked
    the staff to delete it is told so, not that someone took the link back."""
    if ctx.library is None:
        return "This link was withdrawn."
    from kiosk.errors import KioskError
    from kiosk.library import LookNotFound

    try:
        if share.kind == "comparison":
            from kiosk.net.api_compare import book_of

            return "These looks were deleted." if book_of(ctx).find(share.look_id) is None else "This link was withdrawn."
        ctx.library.get(share.look_id)
    except LookNotFound:
        return "This look was deleted."
    except KioskError:  # a database locked or unreadable just now: the link is withdrawn all the same
        return "This link was withdrawn."
    return "This link was withdrawn."


def _resolve(ctx: NetContext, token: str):
    """(what it shares, the share) for a working link, else (None, the page to show)."""
    share = ctx.shares.find(token)
    if share is None:
        return None, _gone(ctx, 404, "This link is not known here. Check that the whole address was copied.")
    state = share.state(time.time())
    if state is ShareState.REVOKED:
        return None, _gone(ctx, 410, _why_revoked(ctx, share))
    if state is ShareState.EXPIRED:
        return None, _gone(ctx, 410, "This link expired on", share.expires_at)
    if ctx.library is None:
        return None, _gone(ctx, 410, "The looks of this mirror are not available right now.")
    if share.kind == "comparison":
        return _comparison(ctx, share)
    from kiosk.library import LookNotFound

    try:
        look = ctx.library.get(share.look_id)
    except LookNotFound:
        return None, _gone(ctx, 410, "This look was deleted.")
    if not look.consented:
        # withdrawn consent ends the link for good: a later yes must not re-open it
        ctx.shares.revoke_look(look.id)
        return None, _gone(ctx, 410, "This look was withdrawn.")
    shared = _Shared(ctx.library.video_path(look.id), Path(look.poster_path), look.width, look.height, look.created,
                     look_ids=(look.id,))
    return (shared, share), None


def _comparison(ctx: NetContext, share):
    from kiosk.net.api_compare import all_consented, book_of

    comparison = book_of(ctx).find(share.look_id)
    if comparison is None or not comparison.ready:
        return None, _gone(ctx, 410, "These looks were deleted.")
    if not all_consented(ctx, comparison):
        ctx.shares.revoke_look(comparison.id)  # for good, as for a single look
        return None, _gone(ctx, 410, "These looks were withdrawn.")
    shared = _Shared(Path(comparison.path), None, comparison.width, comparison.height, comparison.created, True,
                     comparison.look_ids)
    return (shared, share), None


@router.get("/s/{token}")
def share_page(token: str, ctx: NetContext = Depends(get_ctx)) -> Response:
    found, page = _resolve(ctx, token)
    if page is not None:
        return page
    shared, share = found
    store = ctx.config.api.store
    t = escape(token, quote=True)
    what = "looks side by side" if shared.comparison else "look"
    title = f"Your {what} at {store}" if store else f"Your {what}"
    poster = "" if shared.poster is None else f' poster="/s/{t}/poster.jpg"'
    body = (
        f"<h1>{escape(title)}</h1>"
        f'<video src="/s/{t}/video"{poster} controls playsinline webkit-playsinline autoplay muted loop '
        f'preload=auto width="{int(shared.width)}" height="{int(shared.height)}"></video>'
        f'<a class=button href="/s/{t}/video?download=1" download="{_download_name(shared.comparison, shared.created)}">'
        "Download video</a>"
        + _products(ctx, shared) +
        f"<p>You can watch and download {'these looks' if shared.comparison else 'this look'} "
        f"until {_when(share.expires_at)}.</p>"
        f'<p class=small>{escape(store or "")}{" · " if store else ""}{escape(ctx.name)}</p>'
    )
    return _page(title, body, 200)


def _products(ctx: NetContext, shared: _Shared) -> str:
    """The products associates noted for the shared look(s), as a list ("" when none)."""
    notes = ctx.library.notes(list(shared.look_ids))
    products = list(dict.fromkeys(n.product for i in shared.look_ids for n in notes.get(i, ()) if n.product))
    if not products:
        return ""
    items = "".join(f"<li>{escape(p)}</li>" for p in products)
    return f"<h2>In {'these looks' if shared.comparison else 'this look'}</h2><ul class=products>{items}</ul>"


@router.api_route("/s/{token}/video", methods=["GET", "HEAD"])
def share_video(token: str, download: int = 0, ctx: NetContext = Depends(get_ctx)) -> Response:
    found, page = _resolve(ctx, token)
    if page is not None:
        return page
    from kiosk.net.api_looks import VideoResponse, inside

    shared, _ = found
    return VideoResponse(
        inside(ctx, shared.video),
        media_type="video/mp4",
        pacer=ctx.pacer,
        filename=_download_name(shared.comparison, shared.created) if download else None,
        content_disposition_type="attachment" if download else "inline",
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.get("/s/{token}/poster.jpg")
def share_poster(token: str, ctx: NetContext = Depends(get_ctx)) -> Response:
    found, page = _resolve(ctx, token)
    if page is not None:
        return page
    from kiosk.net.api_looks import inside

    shared, _ = found
    if shared.poster is None:
        return _gone(ctx, 404, "There is no picture for this link.")
    return FileResponse(inside(ctx, shared.poster), media_type="image/jpeg")


@router.get("/s/{token}/qr.svg")
def share_qr(token: str, request: Request, ctx: NetContext = Depends(get_ctx)) -> Response:
    found, page = _resolve(ctx, token)
    if page is not None:
        return page
    from kiosk.net.links import share_base

    base = share_base(ctx, request)
    if base is None:
        return _gone(ctx, 503, "The mirror does not know its own address right now.")
    return Response(qr_svg(f"{base}/s/{token}"), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def qr_svg(url: str, scale: int = 8) -> bytes:
    """The QR code of ``url`` as SVG (segno, error correction M, quiet zone 4, opaque white ground)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=scale, border=4, xmldecl=False, light="#fff")
    return buf.getvalue()


def qr_png(url: str, scale: int = 10) -> bytes:
    """The same QR code as a PNG (for screens that prefer bitmaps)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
