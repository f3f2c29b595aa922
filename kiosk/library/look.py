"""One look: a recorded video of a shopper in an outfit, and what is known about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

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
