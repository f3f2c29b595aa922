"""One look: a recorded video of a shopper in an outfit, and what is known about it.

``Look`` is a stored look; ``NewLook`` a finished recording on its way in, and ``new_row`` the
row it becomes (kept when its own party or its session's shopper said yes).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

CONSENT_NONE = "none"  # not kept beyond the session, never shared
CONSENT_GRANTED = "granted"  # the shopper (or the operator, for demos) said yes
CONSENT_STATES = (CONSENT_NONE, CONSENT_GRANTED)
CONSENT_BY = ("customer", "operator")


@dataclass(frozen=True)
class Look:
    """A row of the library; ``path`` is the absolute path of its MP4."""

    id: str
    created: float  # Unix time the recording started
    duration_s: float
    width: int
    height: int
    bytes: int  # size of the MP4
    stills_bytes: int  # size of the poster and thumbnail strip
    path: str
    poster_path: str
    strip_path: str
    session_id: str | None
    customer_id: str | None
    consent: str
    consent_by: str | None
    consent_at: float | None
    consent_wording: str | None
    reason: str

    @property
    def consented(self) -> bool:
        return self.consent == CONSENT_GRANTED

    def to_dict(self) -> dict:
        """The JSON shape used by ``kiosk looks list --json`` and the HTTP API."""
        data = asdict(self)
        data["created_iso"] = datetime.fromtimestamp(self.created, timezone.utc).isoformat(timespec="seconds")
        return data


@dataclass(frozen=True)
class NewLook:
    """A finished, verified recording in the work folder, ready to enter the library."""

    look_id: str
    video: Path
    poster: Path | None
    strip: Path | None
    created: float
    duration_s: float
    width: int
    height: int
    session_id: str | None = None
    customer_id: str | None = None
    consent_by: str | None = None  # set: recorded as consented by that party (e.g. "operator")
    reason: str = ""


def new_row(new: NewLook, session: sqlite3.Row | None) -> dict:
    """The row of a new look: consented by the operator (``new.consent_by``), else by its session's
    answer when one is kept, else by the shopper's yes the take carries (``kiosk.library.takes``):
    the answer kept is the latest, so a no after that yes wins."""
    consent_by = new.consent_by if new.consent_by in CONSENT_BY else None
    customer_id, wording, consent_at = new.customer_id, None, time.time() if consent_by else None
    if session is not None and consent_by != "operator":
        granted = session["consent"] == CONSENT_GRANTED
        consent_by, customer_id = (session["consent_by"] if granted else None), session["customer_id"]
        wording, consent_at = (session["wording"], session["at"]) if granted else (None, None)
    return {
        "id": new.look_id,
        "created": new.created,
        "duration_s": round(new.duration_s, 3),
        "width": new.width,
        "height": new.height,
        "bytes": 0,
        "stills_bytes": 0,
        "session_id": new.session_id,
        "customer_id": customer_id,
        "consent": CONSENT_GRANTED if consent_by else CONSENT_NONE,
        "consent_by": consent_by,
        "consent_at": consent_at,
        "consent_wording": wording,
        "reason": new.reason,
    }


def consent_values(granted: bool, by: str) -> dict:
    """The consent columns of a yes by ``by``, or of a no."""
    return {"consent": CONSENT_GRANTED, "consent_by": by} if granted else {"consent": CONSENT_NONE, "consent_by": None}


NOTE_TEXT_MAX = 500  # characters of an associate's note
NOTE_PRODUCT_MAX = 120  # characters of a product line ("Linen shirt, navy, M · SKU 40213")


@dataclass(frozen=True)
class Note:
    """An associate's note on a consented look: ``text`` is for the staff only, ``product``
    also shows on the shopper's share page. Either may be empty, not both."""

    id: str
    look_id: str
    created: float
    text: str
    product: str

    def to_dict(self) -> dict:
        return asdict(self)


def clean_note(text: str, product: str) -> tuple[str, str]:
    """``text`` and ``product`` trimmed and checked; raises ``ValueError`` in plain words."""
    text, product = (text or "").strip(), " ".join((product or "").split())
    if not text and not product:
        raise ValueError("a note needs some text or a product")
    if len(text) > NOTE_TEXT_MAX:
        raise ValueError(f"a note is at most {NOTE_TEXT_MAX} characters")
    if len(product) > NOTE_PRODUCT_MAX:
        raise ValueError(f"a product line is at most {NOTE_PRODUCT_MAX} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in text) or any(ord(c) < 32 for c in product):
        raise ValueError("a note cannot hold control characters")
    return text, product
